// What one provider answer does to its delivery (protocols.md §5). Pure.
//
//   Delivered         → delivered
//   TokenDead         → failed (the provider's reason); retire the registration — for an APNs
//                       410 only if it was not renewed after the 410's timestamp (§2.6)
//   PermanentFailure  → failed (the request itself is wrong; resending cannot help)
//   Retry             → retry_wait at the policy's time, or failed "max_attempts"/"max_age"
//   ConfigError       → retry_wait (at least a minute: an operator has to act), never fails on
//                       max_attempts, only on max_age; the token is kept
// A ringing call whose retry would fall past its expiry is 'skipped' with reason "expired"
// instead: it must never ring late.
#ifndef PUSHGATE_ENGINE_SETTLE_H_
#define PUSHGATE_ENGINE_SETTLE_H_

#include <cstdint>
#include <string>

#include "domain/delivery.h"
#include "engine/retry_policy.h"
#include "providers/provider.h"

namespace pushgate::engine {

struct SettleInput {
  providers::SendResult result;
  domain::Channel channel = domain::Channel::kApns;
  int attempt_number = 1;  // this attempt's number (1 = first)
  int64_t started_at_ms = 0;
  int64_t now_ms = 0;
  int64_t received_at_ms = 0;  // the notification's
  bool ringing_call = false;
  int call_expiry_seconds = 30;
  double random01 = 0.5;
};

struct SettleDecision {
  domain::DeliveryState state = domain::DeliveryState::kDelivered;
  int64_t next_attempt_at_ms = 0;  // retry_wait
  std::string reason;              // the delivery's last_reason
  bool retire_registration = false;
  std::string retire_detail;  // e.g. "apns 410 Unregistered"
  // Retire only a registration last updated before this (see store::DeliveryOutcome).
  int64_t retire_unless_updated_since_ms = 0;
  bool config_error = false;  // for the operator alert
};

inline constexpr absl::Duration kConfigErrorRetryFloor = absl::Seconds(60);

SettleDecision Settle(const RetryPolicy& policy, const SettleInput& in);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_SETTLE_H_
