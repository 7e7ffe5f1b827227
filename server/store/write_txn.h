// What a write job sees while the writer runs it: the write connection inside the batch's
// transaction, its prepared statements, and a way to report row-count changes. This is the
// extension point for every write the store makes, including the delivery engine's own
// (SqliteStore::Submit): a job is a function of a WriteTxn.
#ifndef PUSHGATE_STORE_WRITE_TXN_H_
#define PUSHGATE_STORE_WRITE_TXN_H_

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/statement_cache.h"
#include "store/store_counters.h"

namespace pushgate::store {

class WriteTxn {
 public:
  WriteTxn(SQLite::Database& db, StatementCache& statements, std::vector<CounterChange>& changes)
      : db_(db), statements_(statements), changes_(changes) {}
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  // The write connection. A job must not BEGIN, COMMIT or ROLLBACK: the writer owns the
  // transaction. SQLite::Exception thrown by a job is caught by the writer.
  SQLite::Database& db() { return db_; }

  // A prepared statement from the writer's cache (compiled on first use).
  CachedStatement Statement(std::string_view sql) { return statements_.Get(sql); }

  // Marks an undo point for the current job, so that if it later fails, what it wrote from
  // here on is rolled back without touching the other jobs of the batch. Jobs declared
  // JobShape::kMultiStatement get one before they start; a single-statement job calls this
  // only on the rare path where it needs a second write (a failed single statement undoes
  // itself). Idempotent within a job.
  void OpenSavepoint();

  // Reports that committed rows will have moved between counted states: applied to
  // StoreCounters only if this job succeeds and the batch commits.
  void Count(std::string family, std::string key, int64_t delta) {
    changes_.push_back(CounterChange{std::move(family), std::move(key), delta});
  }

 private:
  friend class SqliteWriter;
  // Called by the writer around each job.
  void StartJob();
  // Undoes the current job's writes (if it opened a savepoint) and its counted changes.
  void RollbackJob();
  // Keeps the current job's writes as part of the batch.
  void ReleaseJob();
  bool savepoint_open() const { return savepoint_open_; }

  SQLite::Database& db_;
  StatementCache& statements_;
  std::vector<CounterChange>& changes_;
  bool savepoint_open_ = false;
  size_t changes_mark_ = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_WRITE_TXN_H_
