// The Web Push channel (RFC 8030 / 8291 / 8292): for each delivery to a browser subscription it
//   1. checks the endpoint (https, and an address the policy allows: webpush_endpoint_policy)
//      and pins the checked address for the request (webpush_endpoint_resolver);
//   2. builds the message the service worker receives and the TTL / Urgency / Topic headers
//      (webpush_request_builder);
//   3. encrypts it for the subscription (aes128gcm, webpush_encryption);
//   4. signs a VAPID JWT for the push service's origin, cached per origin (webpush_vapid);
//   5. POSTs it over the HTTP/2 client (one pool per push-service origin) and settles the
//      answer (webpush_response_classifier); a 413 is resent once with the minimal payload.
//
// The registration's `token` is the subscription's endpoint URL; `webpush_p256dh` and
// `webpush_auth` are its keys (base64url, as PushSubscription.toJSON() gives them).
#ifndef PUSHGATE_PROVIDERS_WEBPUSH_PROVIDER_H_
#define PUSHGATE_PROVIDERS_WEBPUSH_PROVIDER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/http2_client.h"
#include "providers/provider.h"
#include "providers/webpush_endpoint_policy.h"
#include "providers/webpush_endpoint_resolver.h"
#include "providers/webpush_request_builder.h"
#include "providers/webpush_vapid.h"

namespace pushgate::providers {

struct WebPushProviderOptions {
  // The application server's P-256 private key (PEM, PKCS#8 or SEC1), from a secret. Browsers
  // subscribed with its public half (VapidPublicKeyFromPem / public_key()): changing the key
  // invalidates every subscription.
  std::string vapid_private_key_pem;
  // The JWT `sub`: a mailto: or https:// contact for the push services' operators.
  std::string vapid_subject;
  // The JWT's lifetime (≤ 24 h); it is re-signed per origin at half of it.
  absl::Duration vapid_token_lifetime = absl::Hours(12);
  // Which endpoint addresses may be contacted. Default: public addresses only.
  WebPushEndpointPolicy endpoint_policy;
  // ca_file for the push services (empty: system store). `resolve` entries
  // ("host:port:addr") replace DNS for matching hosts (tests point a push host at a fake); the
  // policy still applies to the address they give.
  TlsSettings tls;
  // ttl (chat, default 24 h) and call_ttl (every call action, default 30 s).
  WebPushBuildOptions build;
  absl::Duration request_timeout = absl::Seconds(10);
  // How long a host's checked address is reused before it is looked up again.
  absl::Duration dns_cache_ttl = absl::Seconds(60);
  // Host lookup; default getaddrinfo. Tests inject names that resolve to chosen addresses.
  HostResolver resolver;
  // Time source for VAPID exp, the DNS cache and Retry-After dates. Default: absl::Now.
  std::function<absl::Time()> now;
};

class WebPushProvider : public Provider {
 public:
  // `client` must outlive the provider, and the provider must outlive every request it sent:
  // shut the client down (which completes everything in flight) before destroying it.
  // Errors: INVALID_ARGUMENT for a missing or unusable VAPID key (never quoting it), a subject
  // that is not mailto:/https://, a lifetime over 24 h, or a negative TTL.
  static absl::StatusOr<std::unique_ptr<WebPushProvider>> Create(Http2Client* client,
                                                                 WebPushProviderOptions options);

  // Settles the delivery. Failures before anything is sent complete with http_status 0:
  //   PermanentFailure "NotApplicable"        not a Web Push registration;
  //   TokenDead        "InvalidSubscription"  empty endpoint, or p256dh / auth that do not
  //                                           decode to a 65-byte point / 16 bytes;
  //   PermanentFailure "EndpointRefused: …"   not https, or the host's address is refused by
  //                                           the policy (the reason names the address kind);
  //   Retry            "EndpointUnresolved: …" the host lookup failed;
  //   PermanentFailure "PayloadTooLarge"      even the minimal message does not fit.
  // Answers are settled by ClassifyWebPushAnswer; after a 413 the message is resent once with
  // the minimal payload, and a second 413 is PermanentFailure "PayloadTooLarge".
  void Send(const SendRequest& request, std::function<void(SendResult)> done) override;
  absl::StatusOr<RequestPreview> Preview(const SendRequest& request) const override;

  // The base64url application-server key browsers must subscribe with.
  const std::string& public_key() const { return vapid_->public_key(); }
  VapidSigner& vapid() { return *vapid_; }
  WebPushEndpointResolver& resolver() { return *resolver_; }

 private:
  struct Delivery;
  WebPushProvider(Http2Client* client, WebPushProviderOptions options,
                  std::unique_ptr<VapidSigner> vapid);
  void SendTo(std::shared_ptr<Delivery> delivery, const std::string& address, WebPushShape shape);

  Http2Client* const client_;
  const WebPushProviderOptions options_;
  std::unique_ptr<VapidSigner> vapid_;
  std::unique_ptr<WebPushEndpointResolver> resolver_;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_WEBPUSH_PROVIDER_H_
