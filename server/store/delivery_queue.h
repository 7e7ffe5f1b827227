// The delivery engine's view of the store: claiming due notifications (and planning their
// deliveries in the same transaction), settling attempts. Plain structs only; the SQLite
// implementation is delivery_sqlite_store.h. The states are in domain/notification.h and
// domain/delivery.h.
//
// A delivery planned by a claim is written as 'sending' at once: the claim hands it to the
// engine in the same transaction, so 'pending' only marks deliveries that wait for a claim
// without having been handed out (none today; a redrive will produce them).
#ifndef PUSHGATE_STORE_DELIVERY_QUEUE_H_
#define PUSHGATE_STORE_DELIVERY_QUEUE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/delivery.h"
#include "domain/notification.h"
#include "domain/registration.h"
#include "store/callback.h"
#include "store/types.h"

namespace pushgate::store {

// ---- claiming -------------------------------------------------------------------------------

// One delivery the planner wants: to send now ('sending') or recorded as not sent ('skipped',
// with the reason). Either to a registration (registration_id) or to one of the app's forward
// hooks (hook, channel webhook, registration_id 0).
struct PlannedDelivery {
  int64_t registration_id = 0;
  std::string hook;
  Channel channel = Channel::kLog;
  DeliveryState state = DeliveryState::kSending;
  std::string reason;  // for skipped deliveries
  std::string target_hint;
};

// Decides, inside the claim's transaction, which of the recipient's active registrations (and
// which of the app's forward hooks) get a delivery. Called with no registrations too: hooks need
// none. Pure (the engine's planner); it must not block.
using DeliveryPlanner = std::function<std::vector<PlannedDelivery>(
    const NotificationRecord& notification, const std::vector<Registration>& active,
    int64_t now_ms)>;

struct ClaimRequest {
  int64_t now_ms = 0;
  int64_t lease_ms = 60'000;
  int limit = 256;  // notifications
  DeliveryPlanner planner;
};

// A delivery handed to the engine: its row (now 'sending') and its registration as it is now
// (an empty, inactive one for a forward-hook delivery: delivery.hook names the target).
struct ClaimedDelivery {
  DeliveryRecord delivery;
  Registration registration;
};

struct ClaimedNotification {
  NotificationRecord notification;  // as after the claim
  std::string payload;              // the webhook body as stored
  bool first_claim = false;         // its deliveries were planned by this claim
  std::vector<ClaimedDelivery> to_send;
  // How many deliveries the notification has, sent now or not. Planning happens once, so the
  // number holds until the notification is deleted (see DeliveryOutcome::sibling_count).
  int delivery_count = 0;
};

// ---- settling -------------------------------------------------------------------------------

// What became of one 'sending' delivery. An outcome for a delivery that is no longer 'sending'
// (settled meanwhile by a later claim after its lease ran out) is ignored.
struct DeliveryOutcome {
  int64_t delivery_id = 0;
  int64_t notification_id = 0;
  DeliveryState state = DeliveryState::kDelivered;  // delivered, retry_wait, failed or skipped
  int64_t next_attempt_at_ms = 0;                   // retry_wait only
  std::optional<AttemptRecord> attempt;             // absent when nothing was sent (e.g. skipped)
  std::string reason;                               // becomes last_reason
  int http_status = 0;                              // becomes last_http_status (with an attempt)
  std::string provider_message_id;                  // kept when empty
  // The provider says the token is dead: retire the registration (active=0, inactive_reason
  // 'provider_rejected', inactive_detail = retire_detail) unless it was updated at or after
  // `retire_unless_updated_since_ms` (APNs 410: the device re-registered after the token was
  // seen invalid, protocols.md §2.6; otherwise the attempt's start: a registration that changed
  // while we were sending is newer than the answer).
  bool retire_registration = false;
  int64_t registration_id = 0;
  std::string retire_detail;
  int64_t retire_unless_updated_since_ms = 0;
  // The notification's delivery_count from its claim, 0 when unknown. When a batch settles
  // that many of the notification's deliveries, their states are all of its states and the
  // notification is settled from them without reading its deliveries back.
  int sibling_count = 0;
};

struct RecordResult {
  int settled = 0;  // outcomes applied (stale ones are not)
  int retired_registrations = 0;
  int finished_notifications = 0;
  // The earliest retry among the notifications left waiting, 0 when none.
  int64_t earliest_retry_at_ms = 0;
};

class DeliveryQueue {
 public:
  virtual ~DeliveryQueue() = default;

  // Picks up to `limit` notifications that are not done, due (next_attempt_at <= now) and not
  // leased by anyone (lease_until NULL or past), oldest due first, and leases them: state
  // 'dispatching', lease_until = now + lease. A notification without deliveries is planned
  // (`planner` over the recipient's active registrations in its app); one with none planned is
  // done at once ('no_targets'), one whose planned deliveries are all skipped is done with the
  // matching outcome. Due deliveries (pending, sending — left by a crash or an expired lease —
  // and retry_wait whose time came) become 'sending' and are returned. ONE write transaction.
  virtual absl::Status ClaimDue(ClaimRequest request,
                                Callback<std::vector<ClaimedNotification>> done) = 0;

  // Applies outcomes (appending each attempt to its delivery's log, retiring dead tokens) and
  // settles every notification left without a pending or sending delivery: with a retry_wait
  // delivery it stays 'dispatching' with next_attempt_at = the earliest retry and no lease;
  // otherwise it is done, with the outcome its deliveries add up to (delivery_summary.h).
  // ONE write transaction for the whole batch.
  virtual absl::Status RecordOutcomes(std::vector<DeliveryOutcome> outcomes, int64_t now_ms,
                                      Callback<RecordResult> done) = 0;

  // SQLite serves exactly one pushgate process, so when it starts every lease still held was
  // left by a process that died (kill -9, power loss): releases them all, making that work due
  // at once instead of after lease_seconds. The int is how many were released. A backend that
  // several instances share must instead record lease owners and release only its own (or
  // wait for expiry).
  virtual absl::Status ReleaseLeasesOnStartup(int64_t now_ms, Callback<int> done) = 0;

  // Deliveries by state (StoreCounters, no query).
  virtual std::map<std::string, int64_t> DeliveryCounts() const = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_DELIVERY_QUEUE_H_
