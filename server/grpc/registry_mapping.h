// store values -> TokenRegistry protos. Kept apart from the service so the mapping is tested
// without a server, and the service file only deals with calls.
#ifndef PUSHGATE_GRPC_REGISTRY_MAPPING_H_
#define PUSHGATE_GRPC_REGISTRY_MAPPING_H_

#include <cstdint>

#include "domain/registration.h"
#include "pushgate/v1/token_registry.pb.h"

namespace pushgate::grpc_api {

pushgate::v1::Platform ToProtoPlatform(domain::Platform platform);
pushgate::v1::InactiveReason ToProtoInactiveReason(domain::InactiveReason reason);
void ToProtoTimestamp(int64_t unix_ms, google::protobuf::Timestamp* out);
void ToProtoRegistration(const domain::Registration& in, pushgate::v1::Registration* out);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_REGISTRY_MAPPING_H_
