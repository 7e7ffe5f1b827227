#include "providers/webpush_provider.h"

#include <openssl/crypto.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/log.h"
#include "providers/provider_answer.h"
#include "providers/webpush_encryption.h"
#include "providers/webpush_response_classifier.h"

namespace pushgate::providers {

struct WebPushProvider::Delivery {
  const NotificationContent* content = nullptr;
  std::string push_id;
  WebPushEndpoint endpoint;
  std::string ua_public;    // decoded p256dh
  std::string auth_secret;  // decoded auth
  std::function<void(SendResult)> done;
};

absl::StatusOr<std::unique_ptr<WebPushProvider>> WebPushProvider::Create(
    Http2Client* client, WebPushProviderOptions options) {
  if (client == nullptr) {
    return absl::InvalidArgumentError("Web Push provider needs an HTTP/2 client");
  }
  if (options.vapid_private_key_pem.empty()) {
    return absl::InvalidArgumentError("Web Push needs a VAPID private key");
  }
  if (options.build.ttl < absl::ZeroDuration() || options.build.call_ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("Web Push ttl and call_ttl must not be negative");
  }
  auto vapid = VapidSigner::Create(options.vapid_private_key_pem, options.vapid_subject,
                                   options.vapid_token_lifetime);
  if (!vapid.ok()) return vapid.status();
  if (!options.now) options.now = [] { return absl::Now(); };
  // The signer holds the key; the PEM text need not stay in memory.
  options.vapid_private_key_pem.clear();
  return std::unique_ptr<WebPushProvider>(
      new WebPushProvider(client, std::move(options), *std::move(vapid)));
}

WebPushProvider::WebPushProvider(Http2Client* client, WebPushProviderOptions options,
                                 std::unique_ptr<VapidSigner> vapid)
    : client_(client), options_(std::move(options)), vapid_(std::move(vapid)) {
  WebPushResolverOptions r;
  r.policy = options_.endpoint_policy;
  r.overrides = options_.tls.resolve;
  r.cache_ttl = options_.dns_cache_ttl;
  r.lookup = options_.resolver;
  r.now = options_.now;
  resolver_ = std::make_unique<WebPushEndpointResolver>(std::move(r));
}

void WebPushProvider::Send(const SendRequest& request, std::function<void(SendResult)> done) {
  if (request.content == nullptr) {
    done(LocalResult(Outcome::kPermanentFailure, "no notification content"));
    return;
  }
  const domain::RegistrationInput& reg = request.registration.input;
  if (reg.platform != domain::Platform::kWebPush) {
    done(LocalResult(Outcome::kPermanentFailure, "NotApplicable"));
    return;
  }
  auto delivery = std::make_shared<Delivery>();
  delivery->content = request.content;
  delivery->push_id = request.push_id;
  std::optional<std::string> p256dh = Base64UrlDecode(reg.webpush_p256dh);
  std::optional<std::string> auth = Base64UrlDecode(reg.webpush_auth);
  if (reg.token.empty() || !p256dh || p256dh->size() != kWebPushPublicKeyBytes ||
      (*p256dh)[0] != '\x04' || !auth || auth->size() != kWebPushAuthSecretBytes) {
    // The subscription can never be encrypted to: nothing the browser will ever accept.
    done(LocalResult(Outcome::kTokenDead, "InvalidSubscription"));
    return;
  }
  auto endpoint = ParseWebPushEndpoint(reg.token);
  if (!endpoint.ok()) {
    done(LocalResult(Outcome::kPermanentFailure,
                     absl::StrCat("EndpointRefused: ", endpoint.status().message())));
    return;
  }
  delivery->endpoint = *std::move(endpoint);
  delivery->ua_public = *std::move(p256dh);
  delivery->auth_secret = *std::move(auth);
  delivery->done = std::move(done);
  resolver_->Resolve(
      delivery->endpoint, [this, delivery](absl::StatusOr<std::string> address) mutable {
        if (!address.ok()) {
          // Refused: never worth retrying, and not the subscription's fault.
          const bool refused = absl::IsPermissionDenied(address.status());
          delivery->done(
              LocalResult(refused ? Outcome::kPermanentFailure : Outcome::kRetry,
                          absl::StrCat(refused ? "EndpointRefused: " : "EndpointUnresolved: ",
                                       address.status().message())));
          return;
        }
        SendTo(std::move(delivery), *address, WebPushShape::kFull);
      });
}

absl::StatusOr<RequestPreview> WebPushProvider::Preview(const SendRequest& request) const {
  if (request.content == nullptr) return absl::InvalidArgumentError("no notification content");
  const domain::RegistrationInput& reg = request.registration.input;
  if (reg.platform != domain::Platform::kWebPush) {
    return absl::FailedPreconditionError("not a Web Push registration");
  }
  // The policy only (no lookup): a preview never resolves or connects.
  auto endpoint = ParseWebPushEndpoint(reg.token);
  if (!endpoint.ok()) return endpoint.status();
  auto message =
      BuildWebPushMessage(*request.content, options_.build, WebPushShape::kFull, request.push_id);
  if (!message.ok()) return message.status();
  RequestPreview preview;
  preview.method = "POST";
  preview.url = reg.token;
  preview.headers = std::move(message->headers);
  preview.headers.emplace_back("authorization",
                               absl::StrCat("vapid t=", kRedacted, ", k=", public_key()));
  preview.body = std::move(message->json);
  preview.note =
      "the body is sent encrypted (aes128gcm) to the subscription's keys; shown before "
      "encryption";
  return preview;
}

void WebPushProvider::SendTo(std::shared_ptr<Delivery> delivery, const std::string& address,
                             WebPushShape shape) {
  auto message = BuildWebPushMessage(*delivery->content, options_.build, shape, delivery->push_id);
  if (!message.ok()) {
    delivery->done(LocalResult(Outcome::kPermanentFailure,
                               message.status().code() == absl::StatusCode::kOutOfRange
                                   ? "PayloadTooLarge"
                                   : std::string(message.status().message())));
    return;
  }
  auto ephemeral = NewWebPushEphemeral();
  absl::StatusOr<std::string> body = ephemeral.ok()
                                         ? EncryptWebPushPayload(message->json, delivery->ua_public,
                                                                 delivery->auth_secret, *ephemeral)
                                         : absl::StatusOr<std::string>(ephemeral.status());
  // The ephemeral private key has done its only job; it must not linger in freed memory.
  if (ephemeral.ok()) {
    OPENSSL_cleanse(ephemeral->private_scalar.data(), ephemeral->private_scalar.size());
  }
  if (!body.ok()) {
    // The subscription key was checked for shape but is not a point on the curve.
    const bool bad_key = absl::IsInvalidArgument(body.status());
    delivery->done(
        LocalResult(bad_key ? Outcome::kTokenDead : Outcome::kRetry,
                    bad_key ? "InvalidSubscription" : std::string(body.status().message())));
    return;
  }
  const absl::Time now = options_.now();
  auto authorization = vapid_->AuthorizationFor(delivery->endpoint.origin, now);
  if (!authorization.ok()) {
    delivery->done(LocalResult(Outcome::kConfigError,
                               absl::StrCat("VAPID: ", authorization.status().message())));
    return;
  }

  Http2Request http;
  // One pool per push service and pinned address: the pin is part of the pool's identity.
  http.pool = absl::StrCat("webpush/", delivery->endpoint.origin);
  http.tls.ca_file = options_.tls.ca_file;
  if (!delivery->endpoint.host_is_address) {
    http.tls.resolve = {ResolvePin(delivery->endpoint, address)};
  }
  http.method = "POST";
  http.url = delivery->endpoint.url;
  http.headers = std::move(message->headers);
  http.headers.emplace_back("authorization", *std::move(authorization));
  http.body = *std::move(body);
  http.timeout = options_.request_timeout;
  // Every push service (FCM, Mozilla autopush, Apple, WNS) speaks HTTP/2; a self-hosted one
  // may not, and the request is the same either way.
  http.require_http2 = false;
  client_->Send(std::move(http), [this, delivery = std::move(delivery), address,
                                  shape](Http2Response response) mutable {
    WebPushClassification c =
        ClassifyWebPushAnswer(ToProviderAnswer(std::move(response)), options_.now());
    if (c.payload_too_large && shape == WebPushShape::kFull) {
      LogInfo("webpush_payload_shrunk", {{"origin", delivery->endpoint.origin}});
      SendTo(std::move(delivery), address, WebPushShape::kMinimal);
      return;
    }
    delivery->done(std::move(c.result));
  });
}

}  // namespace pushgate::providers
