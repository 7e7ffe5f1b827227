#include "engine/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace pushgate::engine {

RetryPolicy RetryPolicy::FromConfig(const config::EngineConfig& c) {
  RetryPolicy p;
  p.max_attempts = std::max(1, c.max_attempts);
  p.initial_backoff = absl::Milliseconds(std::max(1, c.initial_backoff_ms));
  p.max_backoff = std::max(p.initial_backoff, absl::Seconds(c.max_backoff_seconds));
  p.max_age = absl::Seconds(std::max(1, c.max_age_seconds));
  p.quota_floor = absl::Seconds(std::max(0, c.quota_backoff_seconds));
  return p;
}

absl::Duration Backoff(const RetryPolicy& policy, int attempts_made, double random01) {
  const int doublings = std::clamp(attempts_made - 1, 0, 62);
  // Past the cap the exponent no longer matters; stop before the multiplication overflows.
  absl::Duration window = policy.initial_backoff;
  for (int i = 0; i < doublings && window < policy.max_backoff; ++i) window *= 2;
  window = std::min(window, policy.max_backoff);
  const double r = std::clamp(random01, 0.0, 1.0);
  return window * r;
}

bool IsQuotaClass(int http_status, std::string_view reason) {
  return http_status == 429 || reason == "QUOTA_EXCEEDED";
}

RetryDecision DecideRetry(const RetryPolicy& policy, const RetryInput& in) {
  RetryDecision d;
  if (!in.ignore_max_attempts && in.attempts_made >= policy.max_attempts) {
    d.give_up = true;
    d.reason = kReasonMaxAttempts;
    return d;
  }
  absl::Duration delay = Backoff(policy, in.attempts_made, in.random01);
  if (in.retry_after) delay = std::max(delay, *in.retry_after);
  if (in.quota_class) delay = std::max(delay, policy.quota_floor);
  delay = std::max(delay, absl::Milliseconds(1));
  const int64_t at = in.now_ms + absl::ToInt64Milliseconds(delay);
  if (at > in.received_at_ms + absl::ToInt64Milliseconds(policy.max_age)) {
    d.give_up = true;
    d.reason = kReasonMaxAge;
    return d;
  }
  d.next_attempt_at_ms = at;
  return d;
}

}  // namespace pushgate::engine
