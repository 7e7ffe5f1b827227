// The FCM HTTP v1 channel: builds each delivery's message (fcm_request_builder), authorises it
// with the service account's OAuth2 access token (fcm_token_source), sends it over the HTTP/2
// client (one pool for FCM, another for the token endpoint), and settles the answer
// (fcm_response_classifier).
#ifndef PUSHGATE_PROVIDERS_FCM_PROVIDER_H_
#define PUSHGATE_PROVIDERS_FCM_PROVIDER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/fcm_request_builder.h"
#include "providers/fcm_token_source.h"
#include "providers/http2_client.h"
#include "providers/provider.h"

namespace pushgate::providers {

struct FcmEndpoints {
  // Overridable for tests and proxies; tests normally keep Google's hosts and point them at a
  // fake with `tls.resolve`, so the code path stays the same.
  std::string fcm_url = "https://fcm.googleapis.com";
  // Empty: the service account's token_uri.
  std::string token_uri;
  TlsSettings tls;  // ca_file and resolve entries, for both FCM and the token endpoint
};

struct FcmProviderOptions {
  // The service-account JSON text (from a secret or a file's contents).
  std::string service_account_json;
  FcmEndpoints endpoints;
  // android_channel_id, sound, call TTL.
  FcmBuildOptions build;
  absl::Duration request_timeout = absl::Seconds(10);
  // How long before expires_in the access token is refreshed.
  absl::Duration token_refresh_margin = absl::Minutes(5);
  // Time source for token expiry and Retry-After dates. Default: absl::Now.
  std::function<absl::Time()> now;
};

class FcmProvider : public Provider {
 public:
  // `client` must outlive the provider, and the provider must outlive every request it sent:
  // shut the client down (which completes everything in flight) before destroying it.
  // Errors: INVALID_ARGUMENT for an unusable service account (names the missing field).
  static absl::StatusOr<std::unique_ptr<FcmProvider>> Create(Http2Client* client,
                                                             FcmProviderOptions options);

  // Settles the delivery. Failures before anything is sent complete inline with http_status 0:
  //   PermanentFailure "NotApplicable"    not an FCM registration;
  //   TokenDead        "InvalidToken"     empty token;
  //   ConfigError      <message>          unknown fcm_os;
  //   PermanentFailure "PayloadTooLarge"  even the minimal message is over 4096 bytes;
  //   Retry / ConfigError                 no access token (token endpoint unreachable / refused).
  // A 401 UNAUTHENTICATED invalidates the access token, fetches a new one and resends once;
  // every other answer is settled by ClassifyFcmAnswer.
  void Send(const SendRequest& request, std::function<void(SendResult)> done) override;
  absl::StatusOr<RequestPreview> Preview(const SendRequest& request) const override;

  const std::string& project_id() const { return token_source_->account().project_id; }
  const std::string& pool() const { return pool_; }
  FcmTokenSource& token_source() { return *token_source_; }

 private:
  FcmProvider(Http2Client* client, FcmProviderOptions options, FcmServiceAccount account);
  void SendWithToken(std::shared_ptr<const Http2Request> request, bool refreshed,
                     std::function<void(SendResult)> done);

  Http2Client* const client_;
  const FcmProviderOptions options_;
  std::unique_ptr<FcmTokenSource> token_source_;
  std::string pool_;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FCM_PROVIDER_H_
