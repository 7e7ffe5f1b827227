#include "store/delivery_summary.h"

#include <algorithm>

namespace pushgate::store {

Settlement SummarizeDeliveries(const std::vector<DeliveryStateView>& deliveries) {
  Settlement s;
  if (deliveries.empty()) {
    s.kind = Settlement::Kind::kDone;
    s.outcome = NotificationOutcome::kNoTargets;
    return s;
  }
  int delivered = 0;
  int failed = 0;
  int expired = 0;
  int waiting = 0;
  int64_t earliest = 0;
  for (const DeliveryStateView& d : deliveries) {
    switch (d.state) {
      case DeliveryState::kPending:
      case DeliveryState::kSending:
        return s;  // in progress
      case DeliveryState::kRetryWait:
        earliest = waiting == 0 ? d.next_attempt_at_ms : std::min(earliest, d.next_attempt_at_ms);
        ++waiting;
        break;
      case DeliveryState::kDelivered:
        ++delivered;
        break;
      case DeliveryState::kFailed:
        ++failed;
        if (d.last_reason == kReasonExpired) ++expired;
        break;
      case DeliveryState::kSkipped:
        if (d.last_reason == kReasonExpired) ++expired;
        break;
    }
  }
  if (waiting > 0) {
    s.kind = Settlement::Kind::kWaiting;
    s.next_attempt_at_ms = earliest;
    return s;
  }
  s.kind = Settlement::Kind::kDone;
  const int total = static_cast<int>(deliveries.size());
  if (delivered == total) {
    s.outcome = NotificationOutcome::kDelivered;
  } else if (delivered > 0) {
    s.outcome = NotificationOutcome::kPartiallyDelivered;
  } else if (expired > 0) {
    s.outcome = NotificationOutcome::kExpired;
  } else if (failed > 0) {
    s.outcome = NotificationOutcome::kFailed;
  } else {
    s.outcome = NotificationOutcome::kFiltered;
  }
  return s;
}

}  // namespace pushgate::store
