// absl::Status -> grpc::Status for the services' answers. The two share gRPC's canonical code
// numbering, so the conversion keeps code and message.
#ifndef PUSHGATE_GRPC_STATUS_CONVERT_H_
#define PUSHGATE_GRPC_STATUS_CONVERT_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace pushgate::grpc_api {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_STATUS_CONVERT_H_
