#include "providers/webpush_vapid.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace pushgate::providers {
namespace {

constexpr char kJwtHeader[] = R"({"typ":"JWT","alg":"ES256"})";

absl::StatusOr<std::pair<EcPrivateKey, std::string>> LoadVapidKey(std::string_view pem) {
  auto key = LoadEcPrivateKeyPem(pem);
  if (!key.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("VAPID private key: ", key.status().message()));
  }
  auto point = EcPublicKeyUncompressed(*key);
  if (!point.ok()) return point.status();
  return std::make_pair(*std::move(key), Base64UrlEncode(*point));
}

}  // namespace

absl::Status CheckVapidSubject(std::string_view subject) {
  const std::string text(subject);
  const bool mailto = absl::StartsWith(text, "mailto:") && text.size() > 7;
  const bool https = absl::StartsWith(text, "https://") && text.size() > 8;
  if (!mailto && !https) {
    return absl::InvalidArgumentError(absl::StrCat("VAPID subject '", std::string(subject),
                                                   "' must be a mailto: or https:// contact URI"));
  }
  return absl::OkStatus();
}

std::string VapidClaimsJson(std::string_view audience, int64_t exp_unix_seconds,
                            std::string_view subject) {
  nlohmann::ordered_json claims;
  claims["aud"] = std::string(audience);
  claims["exp"] = exp_unix_seconds;
  claims["sub"] = std::string(subject);
  return claims.dump();
}

absl::StatusOr<std::string> VapidPublicKeyFromPem(std::string_view private_key_pem) {
  auto loaded = LoadVapidKey(private_key_pem);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->second);
}

absl::StatusOr<std::unique_ptr<VapidSigner>> VapidSigner::Create(std::string_view private_key_pem,
                                                                 std::string subject,
                                                                 absl::Duration lifetime) {
  if (auto s = CheckVapidSubject(subject); !s.ok()) return s;
  if (lifetime <= absl::ZeroDuration() || lifetime > kVapidMaxLifetime) {
    return absl::InvalidArgumentError(absl::StrCat("VAPID token lifetime ",
                                                   absl::FormatDuration(lifetime),
                                                   " must be above 0 and at most 24h"));
  }
  auto loaded = LoadVapidKey(private_key_pem);
  if (!loaded.ok()) return loaded.status();
  return std::unique_ptr<VapidSigner>(new VapidSigner(
      std::move(loaded->first), std::move(loaded->second), std::move(subject), lifetime));
}

absl::StatusOr<std::string> VapidSigner::AuthorizationFor(const std::string& origin,
                                                          absl::Time now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(origin);
    if (it != cache_.end() && now < it->second.renew_at) return it->second.header;
  }
  // Signed outside the lock: two threads racing for a new origin both sign, which is harmless.
  const int64_t exp = absl::ToUnixSeconds(now + lifetime_);
  auto jwt = SignEs256Jwt(kJwtHeader, VapidClaimsJson(origin, exp, subject_), key_);
  if (!jwt.ok()) return jwt.status();
  std::string header = absl::StrCat("vapid t=", *jwt, ", k=", public_key_);
  std::lock_guard<std::mutex> lock(mu_);
  ++signatures_;
  if (cache_.size() >= kMaxCachedOrigins && cache_.find(origin) == cache_.end()) cache_.clear();
  cache_[origin] = Cached{header, now + lifetime_ / 2};
  return header;
}

int64_t VapidSigner::signatures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return signatures_;
}

}  // namespace pushgate::providers
