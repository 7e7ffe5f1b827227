// The one-time count of rows by state at open, which StoreCounters then keeps current.
#ifndef PUSHGATE_STORE_INITIAL_COUNTS_H_
#define PUSHGATE_STORE_INITIAL_COUNTS_H_

#include <SQLiteCpp/Database.h>

#include "absl/status/status.h"
#include "store/store_counters.h"

namespace pushgate::store {

// Every known state starts at 0, so a metric exists before its first row does. A full scan of
// each table: acceptable once per start, never per scrape.
absl::Status LoadInitialCounts(SQLite::Database& db, StoreCounters& counters);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_INITIAL_COUNTS_H_
