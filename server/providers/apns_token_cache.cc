#include "providers/apns_token_cache.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pushgate::providers {

ApnsTokenCache::ApnsTokenCache(std::string key_id, std::string team_id, EcPrivateKey key,
                               ApnsTokenCacheOptions options)
    : key_id_(std::move(key_id)),
      team_id_(std::move(team_id)),
      key_(std::move(key)),
      renew_after_(std::clamp(options.renew_after, kMinRenewInterval, kMaxTokenAge)),
      now_(options.now ? std::move(options.now) : [] { return absl::Now(); }) {}

absl::StatusOr<std::string> ApnsTokenCache::MintLocked(absl::Time now) {
  // nlohmann escapes the ids, so an odd character in configuration cannot break the JSON.
  nlohmann::ordered_json header = {{"alg", "ES256"}, {"kid", key_id_}};
  nlohmann::ordered_json claims = {{"iss", team_id_}, {"iat", absl::ToUnixSeconds(now)}};
  auto jwt = SignEs256Jwt(header.dump(), claims.dump(), key_);
  if (!jwt.ok()) return jwt.status();
  token_ = *std::move(jwt);
  issued_at_ = now;
  ++minted_;
  return token_;
}

absl::StatusOr<std::string> ApnsTokenCache::Token() {
  const absl::Time now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  // A clock that stepped backwards also renews: the age would otherwise look negative forever.
  const absl::Duration age = now - issued_at_;
  if (token_.empty() || age >= renew_after_ || age < absl::ZeroDuration()) {
    return MintLocked(now);
  }
  return token_;
}

absl::StatusOr<std::string> ApnsTokenCache::ForceRenew(const std::string& rejected) {
  const absl::Time now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  if (!token_.empty() && token_ != rejected) return token_;
  const absl::Duration age = now - issued_at_;
  if (!token_.empty() && age < kMinRenewInterval) {
    return absl::FailedPreconditionError(
        absl::StrCat("APNs called a provider token expired that is only ",
                     absl::FormatDuration(age), " old; check the clock (refusing to renew within ",
                     absl::FormatDuration(kMinRenewInterval), ")"));
  }
  return MintLocked(now);
}

int ApnsTokenCache::minted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return minted_;
}

absl::Time ApnsTokenCache::issued_at() const {
  std::lock_guard<std::mutex> lock(mu_);
  return issued_at_;
}

}  // namespace pushgate::providers
