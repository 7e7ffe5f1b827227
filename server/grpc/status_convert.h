// absl::Status <-> grpc::Status. The two share gRPC's canonical code numbering, so the
// conversion keeps code and message; it lives in its own tiny library so that the client
// library can use it without pulling in the server.
#ifndef PUSHGATE_GRPC_STATUS_CONVERT_H_
#define PUSHGATE_GRPC_STATUS_CONVERT_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace pushgate::grpc_api {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_STATUS_CONVERT_H_
