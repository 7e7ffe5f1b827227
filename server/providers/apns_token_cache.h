// The APNs provider token (a JWT signed with the team's .p8 key), cached and shared by every
// connection that uses the key. Apple accepts a new token at most every 20 minutes per
// connection and rejects one older than 60 minutes (protocols.md §2.3), and a client that
// minted one per connection was throttled with TooManyProviderTokenUpdates,
// so there is exactly one current token per (key id, team id) and it is renewed on a schedule.
#ifndef PUSHGATE_PROVIDERS_APNS_TOKEN_CACHE_H_
#define PUSHGATE_PROVIDERS_APNS_TOKEN_CACHE_H_

#include <functional>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/jwt_es256.h"

namespace pushgate::providers {

struct ApnsTokenCacheOptions {
  // Age at which the next Token() call mints a new JWT. Clamped to [kMinRenewInterval,
  // kMaxTokenAge]: sooner risks TooManyProviderTokenUpdates, later ExpiredProviderToken.
  absl::Duration renew_after = absl::Minutes(45);
  // Time source; tests inject a fake clock. Default: absl::Now.
  std::function<absl::Time()> now;
};

class ApnsTokenCache {
 public:
  // Apple: no more often than every 20 minutes...
  static constexpr absl::Duration kMinRenewInterval = absl::Minutes(20);
  // ...and no less often than every 60. The upper clamp keeps a margin below the hour for
  // requests in flight and clock skew between us and Apple.
  static constexpr absl::Duration kMaxTokenAge = absl::Minutes(55);

  ApnsTokenCache(std::string key_id, std::string team_id, EcPrivateKey key,
                 ApnsTokenCacheOptions options = {});

  // The current token, minted first when there is none or it reached renew_after.
  absl::StatusOr<std::string> Token();

  // Called after APNs answered 403 ExpiredProviderToken for `rejected`. If another caller
  // already replaced that token, the newer one is returned (one renewal per expiry, however
  // many requests saw it). Otherwise a new token is minted only if the current one is at least
  // kMinRenewInterval old; a younger token being called expired means our clock and Apple's
  // disagree, and minting again would only earn TooManyProviderTokenUpdates, so that case
  // answers FAILED_PRECONDITION.
  absl::StatusOr<std::string> ForceRenew(const std::string& rejected);

  // How many tokens were minted (metrics, tests).
  int minted() const;
  // When the current token was minted (absl::InfinitePast() before the first).
  absl::Time issued_at() const;

  const std::string& key_id() const { return key_id_; }
  const std::string& team_id() const { return team_id_; }

 private:
  absl::StatusOr<std::string> MintLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string key_id_;
  const std::string team_id_;
  const EcPrivateKey key_;
  const absl::Duration renew_after_;
  const std::function<absl::Time()> now_;

  mutable std::mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time issued_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int minted_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_APNS_TOKEN_CACHE_H_
