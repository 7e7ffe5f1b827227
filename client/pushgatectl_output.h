// How pushgatectl prints responses: a readable table by default, or the response message as
// proto3 JSON (--json) for scripts.
#ifndef PUSHGATE_CLIENT_PUSHGATECTL_OUTPUT_H_
#define PUSHGATE_CLIENT_PUSHGATECTL_OUTPUT_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "pushgate/v1/token_registry.pb.h"

namespace pushgate::ctl {

// One line of proto3 JSON (field names as in the .proto), newline-terminated.
std::string ToJson(const google::protobuf::Message& message);

std::string FormatRegistered(const pushgate::v1::RegisterTokenResponse& response);
std::string FormatEnded(int ended_count);
// Table of registrations; a trailing hint with the next page token when there is one.
std::string FormatTokens(const pushgate::v1::ListTokensResponse& response);

// "error: UNAVAILABLE: write queue full"
std::string FormatError(const absl::Status& status);

}  // namespace pushgate::ctl

#endif  // PUSHGATE_CLIENT_PUSHGATECTL_OUTPUT_H_
