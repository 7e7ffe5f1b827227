#include "store/status_sqlite_store.h"

#include <utility>

#include "store/delivery_sql.h"
#include "store/status_sql.h"

namespace pushgate::store {

absl::StatusOr<std::optional<NotificationDetail>> SqliteStatusStore::GetNotification(
    const std::string& app_id, int64_t id) {
  return store_->Read<std::optional<NotificationDetail>>(
      [&app_id, id](ReadTxn& txn) { return ReadNotificationDetail(txn.statements, app_id, id); });
}

absl::StatusOr<std::vector<NotificationRecord>> SqliteStatusStore::ListNotifications(
    const NotificationQuery& query) {
  return store_->Read<std::vector<NotificationRecord>>(
      [&query](ReadTxn& txn) { return ReadNotificationList(txn.statements, query); });
}

absl::StatusOr<StatusStats> SqliteStatusStore::Stats(const std::string& app_id, int64_t since_ms,
                                                     int64_t /*now_ms*/) {
  return store_->Read<StatusStats>([&app_id, since_ms](ReadTxn& txn) {
    return ReadStatusStats(txn.statements, app_id, since_ms);
  });
}

absl::Status SqliteStatusStore::Redrive(RedriveScope scope, int64_t now_ms, Callback<int> done) {
  return store_->Submit<int>([scope = std::move(scope),
                              now_ms](WriteTxn& txn) { return RedriveInTxn(txn, scope, now_ms); },
                             std::move(done), JobShape::kMultiStatement);
}

absl::StatusOr<std::vector<NotificationChange>> SqliteStatusStore::ChangesSince(
    const std::string& app_id, const std::string& uid, ChangeCursor after, int limit) {
  return store_->Read<std::vector<NotificationChange>>(
      [&](ReadTxn& txn) { return ReadChangesSince(txn.statements, app_id, uid, after, limit); });
}

absl::StatusOr<ChangeCursor> SqliteStatusStore::LatestChange(const std::string& app_id) {
  return store_->Read<ChangeCursor>(
      [&app_id](ReadTxn& txn) { return ReadLatestChange(txn.statements, app_id); });
}

absl::Status SqliteStatusStore::DeleteExpired(int64_t notifications_before_ms,
                                              int64_t registrations_before_ms, int limit,
                                              Callback<RetentionBatch> done) {
  return store_->Submit<RetentionBatch>(
      [=](WriteTxn& txn) {
        return DeleteExpiredInTxn(txn, notifications_before_ms, registrations_before_ms, limit);
      },
      std::move(done), JobShape::kMultiStatement);
}

}  // namespace pushgate::store
