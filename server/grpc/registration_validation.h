// Validation of TokenRegistry requests: pure functions from a request message to the plain
// store values, or INVALID_ARGUMENT whose message starts with the offending field
// ("apns.topic: ..."), so a client learns what to fix. Nothing here does I/O or knows gRPC
// transport; the service calls these before it authorises app access or touches the store.
#ifndef PUSHGATE_GRPC_REGISTRATION_VALIDATION_H_
#define PUSHGATE_GRPC_REGISTRATION_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "domain/registration.h"
#include "pushgate/v1/token_registry.pb.h"
#include "store/types.h"

namespace pushgate::grpc_api {

// Limits, exposed for tests and for the CLI's help text.
inline constexpr size_t kMaxIdBytes = 255;  // app_id, uid, session_id, device fields
inline constexpr size_t kMinApnsTokenHex = 32;
inline constexpr size_t kMaxApnsTokenHex = 200;
inline constexpr size_t kMaxFcmTokenBytes = 4096;  // CometChat's documented token limit
inline constexpr size_t kMaxWebPushEndpointBytes = 2048;
inline constexpr size_t kMaxApnsTopicBytes = 155;  // Apple's bundle id limit
inline constexpr size_t kMaxLabels = 32;
inline constexpr size_t kMaxLabelKeyBytes = 128;
inline constexpr size_t kMaxLabelValueBytes = 256;
inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

absl::StatusOr<domain::RegistrationInput> ValidateRegisterRequest(
    const pushgate::v1::RegisterTokenRequest& request);

struct UnregisterTokenArgs {
  std::string app_id;
  std::string token;  // normalised like at registration (APNs hex in lower case)
  std::optional<domain::Platform> platform;  // nullopt: every platform
};
absl::StatusOr<UnregisterTokenArgs> ValidateUnregisterTokenRequest(
    const pushgate::v1::UnregisterTokenRequest& request);

struct UnregisterSessionArgs {
  std::string app_id;
  std::string uid;
  std::string session_id;
};
absl::StatusOr<UnregisterSessionArgs> ValidateUnregisterSessionRequest(
    const pushgate::v1::UnregisterSessionRequest& request);

struct UnregisterUserArgs {
  std::string app_id;
  std::string uid;
};
absl::StatusOr<UnregisterUserArgs> ValidateUnregisterUserRequest(
    const pushgate::v1::UnregisterUserRequest& request);

// `limit` is the page size the caller asked for (default and cap applied); `before_id` comes
// from the page token.
absl::StatusOr<store::ListTokensQuery> ValidateListTokensRequest(
    const pushgate::v1::ListTokensRequest& request);

// Page tokens are opaque to clients: base64url of the last id of the previous page.
std::string EncodePageToken(int64_t last_id);
std::optional<int64_t> DecodePageToken(std::string_view token);

// Used by the service to name the field in errors of requests it validates itself.
absl::Status ValidateAppId(std::string_view app_id);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_REGISTRATION_VALIDATION_H_
