#include "store/status_sqlite_store.h"

#include <memory>
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

absl::StatusOr<int64_t> SqliteStatusStore::OldestWaitingReceivedMs() {
  return store_->Read<int64_t>(
      [](ReadTxn& txn) { return ReadOldestWaitingReceivedMs(txn.statements); });
}

namespace {

// A redrive "since a time" may touch many deliveries; as one transaction it would hold the
// writer (and every ingest behind it) for as long as it takes. It runs as a chain of small
// jobs instead, each submitted when the previous one committed.
constexpr int kRedriveBatch = 500;

struct RedriveChain {
  SqliteStore* store;
  RedriveScope scope;
  int64_t now_ms;
  Callback<int> done;
  int total = 0;
};

absl::Status SubmitRedriveBatch(std::shared_ptr<RedriveChain> chain) {
  SqliteStore* store = chain->store;
  return store->Submit<int>(
      [chain](WriteTxn& txn) {
        return RedriveInTxn(txn, chain->scope, chain->now_ms, kRedriveBatch);
      },
      [chain](absl::StatusOr<int> redriven) {
        // A failed batch fails the call: what earlier batches redrove stays redriven, and
        // calling again takes the rest (only 'failed' deliveries are ever picked).
        if (!redriven.ok()) return chain->done(redriven.status());
        chain->total += *redriven;
        if (*redriven < kRedriveBatch) return chain->done(chain->total);
        if (absl::Status s = SubmitRedriveBatch(chain); !s.ok()) chain->done(s);
      },
      JobShape::kMultiStatement);
}

}  // namespace

absl::Status SqliteStatusStore::Redrive(RedriveScope scope, int64_t now_ms, Callback<int> done) {
  auto chain = std::make_shared<RedriveChain>(
      RedriveChain{store_, std::move(scope), now_ms, std::move(done)});
  return SubmitRedriveBatch(std::move(chain));
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
