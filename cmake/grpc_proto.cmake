# protoc through a custom command rather than FindProtobuf's protobuf_generate, which writes
# to build/proto/... and breaks `#include "pushgate/v1/x.pb.h"` (TOOLCHAIN.md pitfall 1), and
# which cannot place protos from outside the source tree (Debian's grpc-proto).
set(PUSHGATE_GEN_DIR ${CMAKE_BINARY_DIR}/gen)

function(add_grpc_proto target root)  # ARGN: proto paths relative to root
  set(srcs)
  foreach(rel ${ARGN})
    string(REGEX REPLACE "\\.proto$" "" base ${rel})
    set(out ${PUSHGATE_GEN_DIR}/${base}.pb.cc ${PUSHGATE_GEN_DIR}/${base}.pb.h
            ${PUSHGATE_GEN_DIR}/${base}.grpc.pb.cc ${PUSHGATE_GEN_DIR}/${base}.grpc.pb.h)
    add_custom_command(OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PUSHGATE_GEN_DIR}
      COMMAND protobuf::protoc -I ${root} -I ${CMAKE_SOURCE_DIR}/proto -I /usr/share/grpc-proto
              --cpp_out=${PUSHGATE_GEN_DIR} --grpc_out=${PUSHGATE_GEN_DIR}
              --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin> ${root}/${rel}
      DEPENDS ${root}/${rel} protobuf::protoc gRPC::grpc_cpp_plugin
      COMMENT "protoc ${rel}" VERBATIM)
    list(APPEND srcs ${out})
  endforeach()
  target_sources(${target} PRIVATE ${srcs})
endfunction()
