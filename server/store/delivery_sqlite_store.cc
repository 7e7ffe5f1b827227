#include "store/delivery_sqlite_store.h"

#include <future>
#include <utility>

#include "store/delivery_sql.h"

namespace pushgate::store {

absl::StatusOr<std::unique_ptr<SqliteDeliveryStore>> SqliteDeliveryStore::Open(SqliteStore* store) {
  auto answer = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> counted = answer->get_future();
  absl::Status queued =
      store->Submit<bool>([](WriteTxn& txn) { return CountDeliveriesInTxn(txn); },
                          [answer](absl::StatusOr<bool> r) { answer->set_value(r.status()); },
                          JobShape::kSingleStatement);  // reads only
  if (!queued.ok()) return queued;
  if (absl::Status s = counted.get(); !s.ok()) return s;
  return std::unique_ptr<SqliteDeliveryStore>(new SqliteDeliveryStore(store));
}

absl::Status SqliteDeliveryStore::ClaimDue(ClaimRequest request,
                                           Callback<std::vector<ClaimedNotification>> done) {
  return store_->Submit<std::vector<ClaimedNotification>>(
      [request = std::move(request)](WriteTxn& txn) { return ClaimDueInTxn(txn, request); },
      std::move(done), JobShape::kMultiStatement);
}

absl::Status SqliteDeliveryStore::RecordOutcomes(std::vector<DeliveryOutcome> outcomes,
                                                 int64_t now_ms, Callback<RecordResult> done) {
  return store_->Submit<RecordResult>(
      [outcomes = std::move(outcomes), now_ms](WriteTxn& txn) {
        return RecordOutcomesInTxn(txn, outcomes, now_ms);
      },
      std::move(done), JobShape::kMultiStatement);
}

absl::Status SqliteDeliveryStore::ReleaseLeasesOnStartup(int64_t now_ms, Callback<int> done) {
  return store_->Submit<int>([now_ms](WriteTxn& txn) { return ReleaseLeasesInTxn(txn, now_ms); },
                             std::move(done), JobShape::kSingleStatement);
}

std::map<std::string, int64_t> SqliteDeliveryStore::DeliveryCounts() const {
  return store_->Counts(kDeliveriesFamily);
}

}  // namespace pushgate::store
