#include "grpc/status_convert.h"

#include <string>

namespace pushgate::grpc_api {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // Both enums are the canonical codes 0..16, so a cast is exact.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace pushgate::grpc_api
