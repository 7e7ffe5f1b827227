// When to try a failed delivery again, and when to stop. Pure: the engine passes the clock and
// a random number, so every rule is tested exactly.
//
//   delay(n)  = full jitter: uniform in [0, min(max_backoff, initial_backoff * 2^(n-1))), where
//               n is the number of attempts made so far (1 after the first failure). Full
//               jitter spreads a burst of failures (a provider outage) over the whole window
//               instead of bunching their retries at the same instants.
//   floors    = the provider's Retry-After, and 60 s for quota-class answers (HTTP 429, FCM
//               QUOTA_EXCEEDED), whatever the jitter drew;
//   give up   = after max_attempts attempts ("max_attempts"), or when the retry would fall
//               later than received_at + max_age ("max_age").
#ifndef PUSHGATE_ENGINE_RETRY_POLICY_H_
#define PUSHGATE_ENGINE_RETRY_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "config/config.h"

namespace pushgate::engine {

inline constexpr char kReasonMaxAttempts[] = "max_attempts";
inline constexpr char kReasonMaxAge[] = "max_age";

struct RetryPolicy {
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(15);
  absl::Duration max_age = absl::Hours(1);
  absl::Duration quota_floor = absl::Seconds(60);

  static RetryPolicy FromConfig(const config::EngineConfig& c);
};

struct RetryInput {
  int attempts_made = 1;  // including the one that just failed
  std::optional<absl::Duration> retry_after;
  bool quota_class = false;
  // Config errors are not the delivery's fault: they retry until max_age however many
  // attempts that takes (an operator fixing the key should not find everything failed).
  bool ignore_max_attempts = false;
  int64_t received_at_ms = 0;
  int64_t now_ms = 0;
  double random01 = 0.5;  // uniform in [0, 1)
};

struct RetryDecision {
  bool give_up = false;
  std::string reason;  // kReasonMaxAttempts or kReasonMaxAge when giving up
  int64_t next_attempt_at_ms = 0;
};

// The jittered backoff before attempt n+1, before floors.
absl::Duration Backoff(const RetryPolicy& policy, int attempts_made, double random01);

// HTTP 429 and the reasons that mean "you are over a quota" (protocols.md §5).
bool IsQuotaClass(int http_status, std::string_view reason);

RetryDecision DecideRetry(const RetryPolicy& policy, const RetryInput& in);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_RETRY_POLICY_H_
