// The status API's and retention's SQL (status_store.h). Reads take a StatementCache of a
// read-only connection; writes run inside a writer batch (WriteTxn, JobShape::kMultiStatement)
// and report every row that leaves or changes a counted state.
#ifndef PUSHGATE_STORE_STATUS_SQL_H_
#define PUSHGATE_STORE_STATUS_SQL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/maintenance_store.h"
#include "store/statement_cache.h"
#include "store/status_store.h"
#include "store/write_txn.h"

namespace pushgate::store {

absl::StatusOr<std::vector<NotificationRecord>> ReadNotificationList(StatementCache& statements,
                                                                     const NotificationQuery& q);

absl::StatusOr<StatusStats> ReadStatusStats(StatementCache& statements, const std::string& app_id,
                                            int64_t since_ms);

// Over every app: the oldest received_at among notifications waiting (queued, or not done and
// not leased); 0 when none.
absl::StatusOr<int64_t> ReadOldestWaitingReceivedMs(StatementCache& statements);

absl::StatusOr<std::vector<NotificationChange>> ReadChangesSince(StatementCache& statements,
                                                                 const std::string& app_id,
                                                                 const std::string& uid,
                                                                 ChangeCursor after, int limit);

absl::StatusOr<ChangeCursor> ReadLatestChange(StatementCache& statements,
                                              const std::string& app_id);

// Redrives up to `limit` of the scope's deliveries that failed before `now_ms`.
absl::StatusOr<int> RedriveInTxn(WriteTxn& txn, const RedriveScope& scope, int64_t now_ms,
                                 int limit);

absl::StatusOr<RetentionBatch> DeleteExpiredInTxn(WriteTxn& txn, int64_t notifications_before_ms,
                                                  int64_t registrations_before_ms, int limit);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_STATUS_SQL_H_
