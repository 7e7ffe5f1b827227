# The version and git commit that `pushgate --version` and `pushgatectl --version` print.
# The commit is read at build time (a custom target that rewrites the generated header only
# when it changes), so a new commit rebuilds one small file; outside git it is "unknown".
set(PUSHGATE_VERSION_HEADER ${CMAKE_BINARY_DIR}/gen/version/pushgate_version_info.h)
add_custom_target(pushgate_version_header
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUT=${PUSHGATE_VERSION_HEADER}
          -DVERSION=${PROJECT_VERSION} -P ${CMAKE_CURRENT_LIST_DIR}/write_version.cmake
  BYPRODUCTS ${PUSHGATE_VERSION_HEADER}
  COMMENT "version header"
  VERBATIM)
add_library(pushgate_version STATIC ${CMAKE_SOURCE_DIR}/server/common/version.cc)
target_include_directories(pushgate_version PUBLIC ${CMAKE_SOURCE_DIR}/server
  PRIVATE ${CMAKE_BINARY_DIR}/gen/version)
add_dependencies(pushgate_version pushgate_version_header)
# The generated header alone, for client/ (which includes nothing from server/).
add_library(pushgate_version_info INTERFACE)
target_include_directories(pushgate_version_info INTERFACE ${CMAKE_BINARY_DIR}/gen/version)
add_dependencies(pushgate_version_info pushgate_version_header)
