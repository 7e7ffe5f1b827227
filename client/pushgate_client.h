// A small typed client for pushgate's gRPC API: one channel, the API key sent as
// `authorization: Bearer <key>` on every call, a deadline per call, and absl::StatusOr
// results (the gRPC status code and message carried over unchanged).
//
// Thread-safe: calls may be made from several threads at once. TokenRegistry and Deliveries.
#ifndef PUSHGATE_CLIENT_PUSHGATE_CLIENT_H_
#define PUSHGATE_CLIENT_PUSHGATE_CLIENT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pushgate/v1/deliveries.pb.h"
#include "pushgate/v1/token_registry.pb.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace pushgate::client {

// TLS to a server with grpc.tls. PEM file paths; empty ca_file means the system's roots.
// cert_file and key_file (together) present a client certificate for mTLS.
struct ClientTlsOptions {
  bool enabled = false;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // The name to check the server certificate against, when it differs from the address's
  // host (e.g. connecting by IP to a certificate issued for a name).
  std::string server_name;
};

struct ClientOptions {
  std::string address = "127.0.0.1:50051";
  std::string api_key;
  ClientTlsOptions tls;
  // Per call; a call that takes longer fails with DEADLINE_EXCEEDED.
  absl::Duration timeout = absl::Seconds(10);
};

class PushgateClient {
 public:
  // A channel to options.address, over TLS when options.tls.enabled. Errors: a TLS file that
  // cannot be read (INVALID_ARGUMENT naming the option). Connecting is lazy: an unreachable
  // server, or one whose certificate is not trusted, shows up as UNAVAILABLE on the first call.
  static absl::StatusOr<std::unique_ptr<PushgateClient>> Open(const ClientOptions& options);
  // The same for options known to be good (plaintext, or tests): nullptr where Open fails.
  static std::unique_ptr<PushgateClient> Connect(const ClientOptions& options);

  PushgateClient(std::shared_ptr<grpc::Channel> channel, std::string api_key,
                 absl::Duration timeout);
  ~PushgateClient();
  PushgateClient(const PushgateClient&) = delete;
  PushgateClient& operator=(const PushgateClient&) = delete;

  absl::StatusOr<pushgate::v1::RegisterTokenResponse> RegisterToken(
      const pushgate::v1::RegisterTokenRequest& request);
  absl::StatusOr<pushgate::v1::UnregisterTokenResponse> UnregisterToken(
      const pushgate::v1::UnregisterTokenRequest& request);
  absl::StatusOr<pushgate::v1::UnregisterSessionResponse> UnregisterSession(
      const pushgate::v1::UnregisterSessionRequest& request);
  absl::StatusOr<pushgate::v1::UnregisterUserResponse> UnregisterUser(
      const pushgate::v1::UnregisterUserRequest& request);
  absl::StatusOr<pushgate::v1::ListTokensResponse> ListTokens(
      const pushgate::v1::ListTokensRequest& request);
  // Follows next_page_token from request.page_token() to the last page; the result holds
  // every registration and an empty next_page_token. Each page gets its own deadline.
  absl::StatusOr<pushgate::v1::ListTokensResponse> ListAllTokens(
      pushgate::v1::ListTokensRequest request);

  // ---- Deliveries ----
  absl::StatusOr<pushgate::v1::Notification> GetNotification(
      const pushgate::v1::GetNotificationRequest& request);
  absl::StatusOr<pushgate::v1::ListNotificationsResponse> ListNotifications(
      const pushgate::v1::ListNotificationsRequest& request);
  absl::StatusOr<pushgate::v1::GetStatsResponse> GetStats(
      const pushgate::v1::GetStatsRequest& request);
  absl::StatusOr<pushgate::v1::RetryNotificationResponse> RetryNotification(
      const pushgate::v1::RetryNotificationRequest& request);
  absl::StatusOr<pushgate::v1::PreviewNotificationResponse> PreviewNotification(
      const pushgate::v1::PreviewNotificationRequest& request);
  // Streams events to `on_event` (on the calling thread) until the server ends the stream,
  // the connection fails, or `on_event` returns false (then OK). No deadline: a watch lasts
  // as long as the caller wants it.
  absl::Status WatchNotifications(
      const pushgate::v1::WatchNotificationsRequest& request,
      const std::function<bool(const pushgate::v1::NotificationEvent&)>& on_event);

 private:
  struct Stubs;
  std::unique_ptr<Stubs> stubs_;
  std::string authorization_;
  absl::Duration timeout_;
};

}  // namespace pushgate::client

#endif  // PUSHGATE_CLIENT_PUSHGATE_CLIENT_H_
