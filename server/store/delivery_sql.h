// The delivery engine's SQL. Write functions run inside a writer batch (WriteTxn: run them as
// JobShape::kMultiStatement jobs) and report every row that changes a counted state
// (notifications by state, deliveries by state, registrations by platform/active).
//
// While a notification is leased its next_attempt_at equals lease_until: the claim query walks
// the notifications_due index in next_attempt_at order, so leased rows sit at its far end
// instead of being stepped over by every claim while their deliveries are in flight.
#ifndef PUSHGATE_STORE_DELIVERY_SQL_H_
#define PUSHGATE_STORE_DELIVERY_SQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/delivery_queue.h"
#include "store/statement_cache.h"
#include "store/status_store.h"
#include "store/write_txn.h"

namespace pushgate::store {

// DeliveryQueue::ClaimDue's transaction.
absl::StatusOr<std::vector<ClaimedNotification>> ClaimDueInTxn(WriteTxn& txn,
                                                               const ClaimRequest& request);

// DeliveryQueue::RecordOutcomes's transaction.
absl::StatusOr<RecordResult> RecordOutcomesInTxn(WriteTxn& txn,
                                                 const std::vector<DeliveryOutcome>& outcomes,
                                                 int64_t now_ms);

// DeliveryQueue::ReleaseLeasesOnStartup's transaction: every lease ends, due now.
absl::StatusOr<int> ReleaseLeasesInTxn(WriteTxn& txn, int64_t now_ms);

// Adds the deliveries by state to the counters (as deltas from zero): run once, as the first
// job that touches the family, so that later jobs' deltas land on exact counts.
absl::StatusOr<bool> CountDeliveriesInTxn(WriteTxn& txn);

// The status API's read: std::nullopt when `id` is unknown or another app's.
absl::StatusOr<std::optional<NotificationDetail>> ReadNotificationDetail(StatementCache& statements,
                                                                         const std::string& app_id,
                                                                         int64_t id);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_DELIVERY_SQL_H_
