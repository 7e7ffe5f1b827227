// The SQLite implementation of the registry, ingest and health interfaces: one file in data_dir,
// WAL mode, one writer thread with group commit (sqlite_writer.h), a checkpointer thread
// (wal_checkpointer.h) and a small pool of read-only connections (reader_pool.h).
//
// Extension point for new writes (the delivery engine's claims, attempts, state changes):
// write the SQL as a function of a WriteTxn and pass it to Submit(). It then runs on the writer
// thread inside a batch transaction, and its callback fires after that transaction committed.
// Rows that change counted states report it with WriteTxn::Count so Stats() stays exact
// without queries. Reads go through Read() on a pooled read-only connection.
#ifndef PUSHGATE_STORE_SQLITE_STORE_H_
#define PUSHGATE_STORE_SQLITE_STORE_H_

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config.h"
#include "store/callback.h"
#include "store/ingest_store.h"
#include "store/reader_pool.h"
#include "store/recent_dedupe_keys.h"
#include "store/registry_store.h"
#include "store/sqlite_writer.h"
#include "store/statement_cache.h"
#include "store/store_counters.h"
#include "store/store_health.h"
#include "store/wal_checkpointer.h"
#include "store/write_job.h"
#include "store/write_txn.h"

namespace pushgate::store {

// Knobs that are not operator configuration: defaults suit production, tests shorten them.
struct SqliteStoreTuning {
  // How long the writer (and readers) wait for a lock held by another process before the
  // batch fails with UNAVAILABLE. Well below the webhook's 2 s deadline.
  int busy_timeout_ms = 500;
  CheckpointPolicy checkpoint;
  // CheckWritable() probes at most this often while writes are failing.
  int probe_interval_ms = 1000;
};

// What the SQLite store is opened with: the operator's store and registry settings, nothing
// else of the configuration (no secrets).
struct SqliteStoreOptions {
  std::string data_dir = "./data";  // holds pushgate.db; created (0700) when missing
  config::StoreConfig store;
  int max_registrations_per_user = 100;

  std::string DatabasePath() const { return data_dir + "/pushgate.db"; }
};
SqliteStoreOptions SqliteStoreOptionsFrom(const config::Config& config);

// What a Read() body gets: a read-only connection and its prepared statements.
struct ReadTxn {
  SQLite::Database& db;
  StatementCache& statements;
};

class SqliteStore final : public RegistryStore, public IngestStore, public StoreHealth {
 public:
  // Creates data_dir if missing (0700) and the database file (0600), applies migrations,
  // counts rows, starts the writer and the checkpointer. FAILED_PRECONDITION when the database
  // was written by a newer pushgate; UNAVAILABLE when it cannot be opened or is locked.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options,
                                                           const SqliteStoreTuning& tuning = {});
  ~SqliteStore() override;

  absl::Status RegisterToken(RegistrationInput input, int64_t now_ms,
                             Callback<RegisterResult> done) override;
  absl::Status UnregisterToken(std::string app_id, std::string token,
                               std::optional<Platform> platform, int64_t now_ms,
                               Callback<int> done) override;
  absl::Status UnregisterSession(std::string app_id, std::string uid, std::string session_id,
                                 int64_t now_ms, Callback<int> done) override;
  absl::Status UnregisterUser(std::string app_id, std::string uid, int64_t now_ms,
                              Callback<int> done) override;
  absl::StatusOr<std::vector<Registration>> ListTokens(const ListTokensQuery& q) override;

  // See notification_sql.h for the dedupe rules (a dedupe_hash of 0 is never deduplicated).
  absl::Status IngestNotification(NewNotification n, Callback<IngestResult> done) override;

  // OK while the last batch committed and the last notification insert did not fail for lack
  // of room or locks. Otherwise a probe write through the writer (at most once per
  // probe_interval_ms) tells whether the cause went away, so an idle store recovers too.
  // Tracking inserts separately matters on a full database: the engine's small updates keep
  // committing in pages already owned, while no new notification fits. Blocks for the probe;
  // never call it from a write callback.
  absl::Status CheckWritable() override;
  StoreStats Stats() override;
  // Finishes queued writes, then stops the writer. Further writes answer UNAVAILABLE.
  void Shutdown();

  // ---- extension point ----------------------------------------------------------------------
  // Queues `body` for the writer. UNAVAILABLE at once when the queue is full or the store is
  // shut down (then `done` is never called). Otherwise `done` is called exactly once, on the
  // writer thread: with the body's value after its batch committed, with the body's own error
  // (its writes undone, the rest of the batch unaffected), or with UNAVAILABLE when the batch
  // as a whole could not be committed. Declare kSingleStatement only for bodies that make at
  // most one writing statement (or call WriteTxn::OpenSavepoint before a second one).
  template <typename T>
  absl::Status Submit(WriteBody<T> body, Callback<T> done,
                      JobShape shape = JobShape::kMultiStatement) {
    return writer_->Enqueue(
        std::make_unique<FunctionWriteJob<T>>(shape, std::move(body), std::move(done)));
  }

  // Runs `body` on a pooled read-only connection (blocking while all are busy). SQLite
  // exceptions become UNAVAILABLE or INTERNAL.
  template <typename T>
  absl::StatusOr<T> Read(const std::function<absl::StatusOr<T>(ReadTxn&)>& body) {
    absl::StatusOr<ReaderPool::Lease> lease = readers_->Acquire();
    if (!lease.ok()) return lease.status();
    ReadTxn txn{lease->db(), lease->statements()};
    return RunRead<T>(body, txn);
  }

  // Counters of any family (e.g. the engine's "deliveries"), kept as for Stats().
  std::map<std::string, int64_t> Counts(const std::string& family) const {
    return counters_.Snapshot(family);
  }
  CheckpointCounts CheckpointStats() const { return checkpointer_->Counts(); }
  WriterStats WriterStatistics() const { return writer_->Stats(); }
  const SqliteStoreOptions& options() const { return options_; }

 private:
  SqliteStore(SqliteStoreOptions options, SqliteStoreTuning tuning);

  template <typename T>
  static absl::StatusOr<T> RunRead(const std::function<absl::StatusOr<T>(ReadTxn&)>& body,
                                   ReadTxn& txn) {
    try {
      return body(txn);
    } catch (const std::exception& e) {
      return ReadFailure(e);
    }
  }
  static absl::Status ReadFailure(const std::exception& e);

  // A write that needs a notification-sized page: tells whether the database takes writes now.
  absl::Status Probe();

  const SqliteStoreOptions options_;
  const SqliteStoreTuning tuning_;
  StoreCounters counters_;
  // Touched only by write jobs, i.e. on the writer thread (and by Open before it starts).
  std::unique_ptr<RecentDedupeKeys> recent_dedupe_keys_;
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::unique_ptr<SqliteWriter> writer_;
  std::unique_ptr<ReaderPool> readers_;

  std::mutex shutdown_mu_;
  bool shut_down_ = false;  // guarded by shutdown_mu_

  // Set when a notification insert failed as UNAVAILABLE, cleared by one that committed or by
  // a successful probe.
  std::atomic<bool> ingest_failing_{false};
  std::mutex probe_mu_;
  int64_t last_probe_ms_ = 0;  // guarded by probe_mu_
  absl::Status last_probe_;    // guarded by probe_mu_
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_SQLITE_STORE_H_
