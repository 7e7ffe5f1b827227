// DeliveryStore over SqliteStore: every write is a job of the store's single writer (so claims
// and settles share its group commit with the webhook's ingests), every read uses its reader
// pool. The SQL is in delivery_sql.h.
#ifndef PUSHGATE_STORE_DELIVERY_SQLITE_STORE_H_
#define PUSHGATE_STORE_DELIVERY_SQLITE_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/delivery_queue.h"
#include "store/sqlite_store.h"

namespace pushgate::store {

class SqliteDeliveryStore final : public DeliveryQueue {
 public:
  // Counts the deliveries by state through the writer (waiting for it), so the "deliveries"
  // counters are exact before anything else changes them. `store` must outlive this.
  static absl::StatusOr<std::unique_ptr<SqliteDeliveryStore>> Open(SqliteStore* store);

  absl::Status ClaimDue(ClaimRequest request,
                        Callback<std::vector<ClaimedNotification>> done) override;
  absl::Status RecordOutcomes(std::vector<DeliveryOutcome> outcomes, int64_t now_ms,
                              Callback<RecordResult> done) override;
  absl::Status ReleaseLeasesOnStartup(int64_t now_ms, Callback<int> done) override;
  std::map<std::string, int64_t> DeliveryCounts() const override;

 private:
  explicit SqliteDeliveryStore(SqliteStore* store) : store_(store) {}
  SqliteStore* const store_;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_DELIVERY_SQLITE_STORE_H_
