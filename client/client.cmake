# The client library (typed wrapper over the generated stubs) and the pushgatectl CLI.
add_library(pushgate_client STATIC pushgate_client.cc)
target_include_directories(pushgate_client PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(pushgate_client PUBLIC pushgate_proto absl::statusor absl::time
  PRIVATE pushgate_grpc_status gRPC::grpc++)

# Argument parsing and output formatting, separate from main() so they are unit-tested.
add_library(pushgatectl_lib STATIC pushgatectl_args.cc pushgatectl_output.cc)
target_include_directories(pushgatectl_lib PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(pushgatectl_lib PUBLIC pushgate_proto absl::statusor absl::strings absl::str_format
  absl::time)

add_executable(pushgatectl pushgatectl.cc)
target_link_libraries(pushgatectl PRIVATE pushgate_client pushgatectl_lib)
install(TARGETS pushgatectl RUNTIME DESTINATION bin)
