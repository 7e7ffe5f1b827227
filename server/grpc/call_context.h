// Per-call helpers the services share: who is calling (from the `authorization` metadata)
// and what a store error may say to a client.
#ifndef PUSHGATE_GRPC_CALL_CONTEXT_H_
#define PUSHGATE_GRPC_CALL_CONTEXT_H_

#include <grpcpp/server_context.h>

#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpc/api_key_auth.h"

namespace pushgate::grpc_api {

// Authenticates the caller from every `authorization` metadata value it sent, then takes one
// request from its key's rate limit: over it, RESOURCE_EXHAUSTED with the trailing metadata
// `retry-after-ms` (and the same hint in the message). Authorising a particular app is the
// service's next step (Authorize), once the app id is validated.
absl::StatusOr<Principal> AuthenticateCall(const ApiKeyAuthenticator& auth,
                                           grpc::ServerContextBase& context);

// Trailing metadata of a RESOURCE_EXHAUSTED answer: milliseconds until a retry may pass.
inline constexpr char kRetryAfterMsMetadata[] = "retry-after-ms";

// Store errors as a client may see them. UNAVAILABLE and the other expected codes pass
// through; INTERNAL, UNKNOWN and DATA_LOSS are logged and answered with a generic message,
// since their text may carry SQL or paths.
absl::Status PublicStoreError(const absl::Status& status, std::string_view rpc);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_CALL_CONTEXT_H_
