// VAPID (RFC 8292): how a Web Push request proves which application server sent it. An ES256
// JWT whose `aud` is the push service's origin, `exp` at most 24 h ahead and `sub` a contact
// URI, sent as `Authorization: vapid t=<jwt>, k=<public key>` (protocols.md §4.4). The public
// key is the `applicationServerKey` browsers subscribed with, so it must stay the same key.
#ifndef PUSHGATE_PROVIDERS_WEBPUSH_VAPID_H_
#define PUSHGATE_PROVIDERS_WEBPUSH_VAPID_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/jwt_es256.h"

namespace pushgate::providers {

// RFC 8292 §2: exp no more than 24 hours after the request.
inline constexpr absl::Duration kVapidMaxLifetime = absl::Hours(24);

// OK for a `mailto:` or `https:` URI (push services, Apple's included, reject anything else);
// INVALID_ARGUMENT naming the problem otherwise.
absl::Status CheckVapidSubject(std::string_view subject);

// The JWT claims, in a fixed key order: {"aud":…,"exp":…,"sub":…}.
std::string VapidClaimsJson(std::string_view audience, int64_t exp_unix_seconds,
                            std::string_view subject);

// The base64url application-server public key for a VAPID private key PEM: what a web app
// passes to pushManager.subscribe({applicationServerKey}). Errors: INVALID_ARGUMENT when the
// PEM is not a P-256 private key (the message never quotes the key).
absl::StatusOr<std::string> VapidPublicKeyFromPem(std::string_view private_key_pem);

// Signs and caches the Authorization header per audience origin. Thread-safe.
class VapidSigner {
 public:
  // `lifetime` is the JWT's exp - now, at most kVapidMaxLifetime. A cached JWT is reused until
  // half of its lifetime has passed (protocols.md §4.4: Apple wants at most one renewal per
  // hour, and a token renewed at half-life never nears its exp while in flight).
  // Errors: INVALID_ARGUMENT for a bad key, subject or lifetime.
  static absl::StatusOr<std::unique_ptr<VapidSigner>> Create(
      std::string_view private_key_pem, std::string subject,
      absl::Duration lifetime = absl::Hours(12));

  // base64url of the uncompressed public key (the header's k=).
  const std::string& public_key() const { return public_key_; }
  const std::string& subject() const { return subject_; }

  // "vapid t=<jwt>, k=<public key>" for requests to `origin` (scheme://host[:port]).
  absl::StatusOr<std::string> AuthorizationFor(const std::string& origin, absl::Time now);

  // JWTs signed so far (tests and metrics: shows the cache working).
  int64_t signatures() const;

 private:
  VapidSigner(EcPrivateKey key, std::string public_key, std::string subject,
              absl::Duration lifetime)
      : key_(std::move(key)),
        public_key_(std::move(public_key)),
        subject_(std::move(subject)),
        lifetime_(lifetime) {}

  struct Cached {
    std::string header;
    absl::Time renew_at;
  };
  // Distinct origins are few (one per push service); the bound only guards against a flood
  // of registrations with made-up hosts.
  static constexpr size_t kMaxCachedOrigins = 1024;

  const EcPrivateKey key_;
  const std::string public_key_;
  const std::string subject_;
  const absl::Duration lifetime_;
  mutable std::mutex mu_;
  std::map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
  int64_t signatures_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_WEBPUSH_VAPID_H_
