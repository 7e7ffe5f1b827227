// A few read-only connections for queries that run beside the writer (WAL lets them read a
// consistent snapshot while it commits). A caller leases one for the duration of its query.
#ifndef PUSHGATE_STORE_READER_POOL_H_
#define PUSHGATE_STORE_READER_POOL_H_

#include <SQLiteCpp/Database.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "store/sqlite_connection.h"
#include "store/statement_cache.h"

namespace pushgate::store {

class ReaderPool {
 public:
  struct Reader {
    std::unique_ptr<SQLite::Database> db;
    std::unique_ptr<StatementCache> statements;
  };

  // A leased reader; goes back to the pool when destroyed.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Reader> reader)
        : pool_(pool), reader_(std::move(reader)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();

    SQLite::Database& db() { return *reader_->db; }
    StatementCache& statements() { return *reader_->statements; }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Reader> reader_;
  };

  static absl::StatusOr<std::unique_ptr<ReaderPool>> Open(const ConnectionSettings& settings,
                                                          int connections);

  // Waits while every reader is leased. UNAVAILABLE once closed.
  absl::StatusOr<Lease> Acquire();

  // Refuses further leases; readers close as they come back (or now, if idle).
  void Close();

 private:
  ReaderPool() = default;
  void Return(std::unique_ptr<Reader> reader);

  std::mutex mu_;
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<Reader>> idle_;  // guarded by mu_
  bool closed_ = false;                        // guarded by mu_
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_READER_POOL_H_
