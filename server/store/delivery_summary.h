// What a notification's deliveries add up to: still in progress, waiting for a retry, or done
// with an outcome. Pure, so the rule is tested on its own and every writer of notification
// state (claim, settle) applies the same one.
#ifndef PUSHGATE_STORE_DELIVERY_SUMMARY_H_
#define PUSHGATE_STORE_DELIVERY_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "store/delivery_queue.h"

namespace pushgate::store {

// The last_reason of a delivery not sent (or not retried) because its call stopped ringing.
inline constexpr char kReasonExpired[] = "expired";

struct DeliveryStateView {
  DeliveryState state = DeliveryState::kPending;
  int64_t next_attempt_at_ms = 0;
  std::string last_reason;
};

struct Settlement {
  enum class Kind {
    kInProgress,  // a delivery is pending or sending: nothing to decide yet
    kWaiting,     // nothing in flight, some wait for a retry at next_attempt_at_ms
    kDone,        // every delivery is terminal (or there are none): `outcome`
  };
  Kind kind = Kind::kInProgress;
  NotificationOutcome outcome = NotificationOutcome::kNone;
  int64_t next_attempt_at_ms = 0;  // kWaiting: the earliest retry
};

// Done outcomes:
//   no deliveries                                   → no_targets
//   all delivered (skipped ones count against it)   → delivered
//   some delivered, some failed or skipped          → partially_delivered
//   none delivered: any expired (call too late)     → expired
//                   else any failed                 → failed
//                   else (all skipped by a rule)    → filtered
Settlement SummarizeDeliveries(const std::vector<DeliveryStateView>& deliveries);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_DELIVERY_SUMMARY_H_
