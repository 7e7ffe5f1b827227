#include "engine/settle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/call_expiry.h"
#include "store/delivery_summary.h"

namespace pushgate::engine {
namespace {

using domain::DeliveryState;
using providers::Outcome;

std::string RetireDetail(const SettleInput& in) {
  // "apns 410 Unregistered"; a verdict reached without asking the provider (a token that is
  // not even hex) has no status: "apns BadDeviceToken".
  const std::string& reason = in.result.reason;
  if (in.result.http_status == 0) return absl::StrCat(domain::ChannelName(in.channel), " ", reason);
  return absl::StrCat(domain::ChannelName(in.channel), " ", in.result.http_status,
                      reason.empty() ? "" : " ", reason);
}

}  // namespace

SettleDecision Settle(const RetryPolicy& policy, const SettleInput& in) {
  SettleDecision d;
  const providers::SendResult& r = in.result;
  switch (r.outcome) {
    case Outcome::kDelivered:
      d.state = DeliveryState::kDelivered;
      return d;
    case Outcome::kTokenDead:
      d.state = DeliveryState::kFailed;
      d.reason = r.reason;
      d.retire_registration = true;
      d.retire_detail = RetireDetail(in);
      // APNs' 410 says since when the token is invalid; a registration renewed after that is
      // newer than the verdict. Without a timestamp the verdict is as old as our request.
      d.retire_unless_updated_since_ms =
          r.token_invalid_since_ms > 0 ? r.token_invalid_since_ms : in.started_at_ms;
      return d;
    case Outcome::kPermanentFailure:
      d.state = DeliveryState::kFailed;
      d.reason = r.reason;
      return d;
    case Outcome::kRetry:
    case Outcome::kConfigError:
      break;
  }
  const bool config_error = r.outcome == Outcome::kConfigError;
  d.config_error = config_error;
  RetryInput retry;
  retry.attempts_made = in.attempt_number;
  retry.retry_after = r.retry_after;
  if (config_error) {
    retry.retry_after =
        std::max(r.retry_after.value_or(absl::ZeroDuration()), kConfigErrorRetryFloor);
  }
  retry.quota_class = IsQuotaClass(r.http_status, r.reason);
  retry.ignore_max_attempts = config_error;
  retry.received_at_ms = in.received_at_ms;
  retry.now_ms = in.now_ms;
  retry.random01 = in.random01;
  const RetryDecision decision = DecideRetry(policy, retry);
  if (decision.give_up) {
    d.state = DeliveryState::kFailed;
    d.reason = decision.reason;
  } else {
    d.state = DeliveryState::kRetryWait;
    d.next_attempt_at_ms = decision.next_attempt_at_ms;
    d.reason = r.reason;
  }
  // A call that would ring after its expiry is not retried; it is skipped as expired rather
  // than failed, since nothing is wrong with the device.
  if (in.ringing_call && d.state == DeliveryState::kRetryWait &&
      d.next_attempt_at_ms > CallDeadlineMs(in.received_at_ms, in.call_expiry_seconds)) {
    d.state = DeliveryState::kSkipped;
    d.reason = store::kReasonExpired;
    d.next_attempt_at_ms = 0;
  }
  return d;
}

}  // namespace pushgate::engine
