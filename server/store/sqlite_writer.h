// The single writer: one thread that owns the only connection allowed to write rows. Callers
// enqueue jobs into a bounded queue; the thread takes up to max_batch of them, runs them in ONE
// transaction (group commit: one fsync for the whole batch) and then tells each job its
// outcome. A full queue is refused at once, never waited on.
#ifndef PUSHGATE_STORE_SQLITE_WRITER_H_
#define PUSHGATE_STORE_SQLITE_WRITER_H_

#include <SQLiteCpp/Database.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "store/statement_cache.h"
#include "store/store_counters.h"
#include "store/write_job.h"

namespace pushgate::store {

struct WriterOptions {
  size_t queue_capacity = 20'000;
  size_t max_batch = 1024;
  // Our own checkpointer briefly takes the write lock (RESTART/TRUNCATE checkpoints). A BEGIN
  // that finds the database locked while this counter is odd, or changed meanwhile, waits and
  // tries again instead of failing the batch: only someone else's lock is an outage.
  std::function<uint64_t()> own_lock_epoch;
  int max_own_lock_wait_ms = 10'000;
};

struct WriterStats {
  size_t queue_depth = 0;
  size_t queue_capacity = 0;
  uint64_t commits = 0;
  uint64_t failed_commits = 0;
  uint64_t jobs_committed = 0;  // jobs in committed batches (including jobs that failed alone)
  bool last_commit_ok = true;
  // Where the writer thread's time goes (for benchmarks and profiling): running the jobs'
  // statements, COMMIT (WAL append + fsync), and the callbacks.
  uint64_t begin_micros = 0;  // BEGIN IMMEDIATE, i.e. waiting for the write lock
  uint64_t run_micros = 0;
  uint64_t commit_micros = 0;
  uint64_t callback_micros = 0;
  uint64_t cpu_micros = 0;  // CPU time of the writer thread (the rest of its busy time is I/O)
  uint64_t max_begin_micros = 0;   // longest wait for the write lock
  uint64_t max_commit_micros = 0;  // longest COMMIT
};

class SqliteWriter {
 public:
  // `counters` receives each committed batch's row-count changes; it must outlive the writer.
  SqliteWriter(std::unique_ptr<SQLite::Database> db, WriterOptions options,
               StoreCounters* counters);
  ~SqliteWriter();
  SqliteWriter(const SqliteWriter&) = delete;
  SqliteWriter& operator=(const SqliteWriter&) = delete;

  void Start();

  // UNAVAILABLE "write queue full" when the queue holds capacity jobs, "store is shut down"
  // after Stop(). On error the job is dropped without its Complete() being called.
  absl::Status Enqueue(std::unique_ptr<WriteJob> job);

  // Refuses new jobs, runs every queued one, stops the thread and closes the connection.
  void Stop();

  WriterStats Stats() const;

 private:
  void Loop();
  void RunBatch(std::vector<std::unique_ptr<WriteJob>>& jobs);
  void RecordOutcome(bool committed, size_t jobs, const absl::Status& error);
  // BEGIN IMMEDIATE, waiting out our own checkpointer's hold on the write lock.
  int Begin();

  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<StatementCache> statements_;
  const WriterOptions options_;
  StoreCounters* const counters_;
  std::thread thread_;

  // std::mutex rather than absl::Mutex throughout the store: Debian's abseil is built without
  // ThreadSanitizer annotations, so TSan cannot see absl::Mutex hand-offs and reports them as
  // races; with std::mutex the store's own threading is checked for real.
  mutable std::mutex mu_;
  std::condition_variable work_ready_;
  // Guarded by mu_:
  std::deque<std::unique_ptr<WriteJob>> queue_;
  bool stopping_ = false;
  bool writer_waiting_ = false;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> failed_commits_{0};
  std::atomic<uint64_t> jobs_committed_{0};
  std::atomic<bool> last_commit_ok_{true};
  std::atomic<uint64_t> begin_micros_{0};
  std::atomic<uint64_t> run_micros_{0};
  std::atomic<uint64_t> commit_micros_{0};
  std::atomic<uint64_t> callback_micros_{0};
  std::atomic<uint64_t> cpu_micros_{0};
  std::atomic<uint64_t> max_begin_micros_{0};
  std::atomic<uint64_t> max_commit_micros_{0};

  // Writer-thread only: reused across batches to avoid re-allocating.
  std::vector<CounterChange> changes_;
  std::vector<absl::Status> job_outcomes_;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_SQLITE_WRITER_H_
