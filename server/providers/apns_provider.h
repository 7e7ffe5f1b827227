// The APNs channel: builds each delivery's request (apns_request_builder), signs it with the
// shared provider token (apns_token_cache), sends it over the HTTP/2 client in a pool per
// (credential, environment), and settles the answer (apns_response_classifier).
#ifndef PUSHGATE_PROVIDERS_APNS_PROVIDER_H_
#define PUSHGATE_PROVIDERS_APNS_PROVIDER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/apns_request_builder.h"
#include "providers/apns_token_cache.h"
#include "providers/http2_client.h"
#include "providers/provider.h"

namespace pushgate::providers {

struct ApnsCredentials {
  // Token auth (§2.3, what CometChat recommends): Team ID, Key ID and the .p8 key, either as
  // PEM text (from a secret) or as a file path. The text wins when both are set.
  std::string team_id;
  std::string key_id;
  std::string p8_key_pem;
  std::string p8_key_file;
  // Certificate auth (§2.4), used when no .p8 key is given: PEM client certificate and key.
  std::string cert_file;
  std::string cert_key_file;
  // The app's bundle id: the topic for registrations that carry none.
  std::string bundle_id;
};

struct ApnsEndpoints {
  // Overridable for tests; production keeps Apple's hosts and points them at a fake with
  // `tls.resolve` (CURLOPT_RESOLVE) instead, so the code path stays the same.
  std::string production_url = "https://api.push.apple.com";
  std::string sandbox_url = "https://api.sandbox.push.apple.com";
  // ca_file and resolve entries; client_cert_file/client_key_file are filled from the
  // credentials for certificate auth.
  TlsSettings tls;
};

struct ApnsProviderOptions {
  ApnsCredentials credentials;
  ApnsEndpoints endpoints;
  // Payload choices (sound, TTLs). default_topic is taken from credentials.bundle_id when empty.
  ApnsBuildOptions build;
  // Token renewal schedule (renew_after) for a token cache created here.
  ApnsTokenCacheOptions token;
  // Providers that use the same key (same key id and team id) should share one cache, so that
  // there is one JWT per key in the process. Null: the provider creates its own.
  std::shared_ptr<ApnsTokenCache> token_cache;
  absl::Duration request_timeout = absl::Seconds(10);
  // Time source for apns-expiration and Retry-After dates. Default: absl::Now.
  std::function<absl::Time()> now;
};

class ApnsProvider : public Provider {
 public:
  // `client` must outlive the provider, and the provider must outlive every request it sent:
  // shut the client down (which completes everything in flight) before destroying it.
  // Errors: INVALID_ARGUMENT for incomplete credentials or an unusable key.
  static absl::StatusOr<std::unique_ptr<ApnsProvider>> Create(Http2Client* client,
                                                              ApnsProviderOptions options);

  // Settles the delivery. Requests that fail before anything is sent (a registration that
  // must not get this notification, a malformed token, an oversized payload, no usable
  // provider token) complete inline, on the caller's thread; everything else on the HTTP/2
  // client's thread. Local failures report http_status 0 and these reasons:
  //   PermanentFailure "NotApplicable"     VoIP token and not an incoming call (see
  //                                        ApnsPushKindFor: the engine should skip these);
  //   TokenDead        "BadDeviceToken"    the token is not hex, so APNs can never take it;
  //   PermanentFailure "PayloadTooLarge"   even the minimal payload is over the limit;
  //   ConfigError      <message>           no topic, unknown environment, cannot sign.
  // 403 ExpiredProviderToken renews the token once (see ApnsTokenCache::ForceRenew) and resends
  // once with the same apns-id; every other answer is settled by ClassifyApnsAnswer.
  void Send(const SendRequest& request, std::function<void(SendResult)> done) override;
  absl::StatusOr<RequestPreview> Preview(const SendRequest& request) const override;

  // The HTTP/2 pool of an environment: APNs binds a team to a connection (§2.1), so pools
  // never mix credentials or environments.
  std::string PoolKey(ApnsEnvironment env) const;
  const std::shared_ptr<ApnsTokenCache>& token_cache() const { return token_cache_; }
  bool uses_token_auth() const { return token_cache_ != nullptr; }

 private:
  // What it takes to build a delivery's request again, for the resend after a token renewal:
  // the content outlives the send (SendRequest::content), the builder is pure, and `now` is
  // the first build's, so the resend carries the same bytes (apns-id, expiration, body). Kept
  // instead of a copy of the request, which cost every push a dozen allocations on the engine
  // thread for a renewal that happens about once an hour.
  struct Recipe {
    const NotificationContent* content = nullptr;
    domain::Platform platform = domain::Platform::kApns;
    std::string token;
    std::string apns_topic;
    std::string apns_environment;
    std::string attempt_id;
    std::string push_id;
    absl::Time now;
  };
  ApnsProvider(Http2Client* client, ApnsProviderOptions options,
               std::shared_ptr<ApnsTokenCache> cache);
  // The HTTP/2 request for `recipe` (without authorization). Errors: what BuildApnsRequest
  // says.
  absl::StatusOr<Http2Request> Build(const NotificationContent& content,
                                     const domain::Registration& registration,
                                     std::string_view attempt_id, std::string_view push_id,
                                     absl::Time now) const;
  void SendAttempt(Http2Request request, Recipe recipe, std::string jwt, bool renewed,
                   std::function<void(SendResult)> done);

  Http2Client* const client_;
  const ApnsProviderOptions options_;
  const std::shared_ptr<ApnsTokenCache> token_cache_;  // null with certificate auth
  TlsSettings tls_;
  std::string pool_keys_[2];  // PoolKey() by ApnsEnvironment, made once
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_APNS_PROVIDER_H_
