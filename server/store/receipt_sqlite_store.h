// ReceiptStore over SqliteStore: a report is one small writer job (a read of the delivery and
// at most one update), rates and the key are reads on the reader pool.
#ifndef PUSHGATE_STORE_RECEIPT_SQLITE_STORE_H_
#define PUSHGATE_STORE_RECEIPT_SQLITE_STORE_H_

#include <string>
#include <vector>

#include "store/receipt_store.h"
#include "store/sqlite_store.h"

namespace pushgate::store {

class SqliteReceiptStore final : public ReceiptStore {
 public:
  // `store` must outlive this.
  explicit SqliteReceiptStore(SqliteStore* store) : store_(store) {}

  absl::Status RecordReceipt(ReceiptReport report, Callback<ReceiptResult> done) override;
  absl::StatusOr<std::vector<ReceiptRateRow>> ReceiptRates(const std::string& app_id,
                                                           int64_t since_ms) override;
  absl::StatusOr<std::string> PushIdKey() override;

 private:
  SqliteStore* const store_;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_RECEIPT_SQLITE_STORE_H_
