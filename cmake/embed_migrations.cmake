# The schema's only source is migrations/NNNN_name.sql. They are compiled into the binary so an
# installed pushgate needs no source tree; the build re-runs this whenever a file changes.
function(embed_migrations target)
  file(GLOB sql_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/migrations/*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_BINARY_DIR}/gen/embedded_migrations.cc)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DFILES=${sql_files}"
            -P ${CMAKE_SOURCE_DIR}/cmake/write_migrations.cmake
    DEPENDS ${sql_files} ${CMAKE_SOURCE_DIR}/cmake/write_migrations.cmake
    COMMENT "embed migrations" VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
