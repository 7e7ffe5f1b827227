#include "store/sqlite_writer.h"

#include <SQLiteCpp/Exception.h>
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <utility>

#include "common/log.h"
#include "store/sqlite_status.h"
#include "store/write_txn.h"

namespace pushgate::store {
namespace {

uint64_t ThreadCpuMicros() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

// Only the writer thread stores; readers may see a slightly stale maximum.
void RaiseMax(std::atomic<uint64_t>& max, uint64_t value) {
  if (value > max.load(std::memory_order_relaxed)) max.store(value, std::memory_order_relaxed);
}

uint64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// A job's callback is caller code; an exception escaping it must not kill the writer thread,
// which every other caller depends on.
void CompleteSafely(WriteJob& job, const absl::Status& outcome) {
  try {
    job.Complete(outcome);
  } catch (const std::exception& e) {
    LogError("store_callback_threw", {{"what", e.what()}});
  } catch (...) {
    LogError("store_callback_threw");
  }
}

}  // namespace

SqliteWriter::SqliteWriter(std::unique_ptr<SQLite::Database> db, WriterOptions options,
                           StoreCounters* counters)
    : db_(std::move(db)),
      statements_(std::make_unique<StatementCache>(*db_)),
      options_(options),
      counters_(counters) {}

SqliteWriter::~SqliteWriter() { Stop(); }

void SqliteWriter::Start() {
  thread_ = std::thread([this] { Loop(); });
}

absl::Status SqliteWriter::Enqueue(std::unique_ptr<WriteJob> job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return absl::UnavailableError("store is shut down");
  if (queue_.size() >= options_.queue_capacity) {
    return absl::UnavailableError("write queue full");
  }
  queue_.push_back(std::move(job));
  // Only wake the thread when it sleeps: while it runs a batch it will find the job itself,
  // and a signal per job would cost a syscall per request.
  if (writer_waiting_) work_ready_.notify_one();
  return absl::OkStatus();
}

void SqliteWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    work_ready_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  // Jobs left behind only if the thread never started: they still get their answer.
  std::deque<std::unique_ptr<WriteJob>> leftover;
  {
    std::lock_guard<std::mutex> lock(mu_);
    leftover.swap(queue_);
  }
  for (auto& job : leftover) CompleteSafely(*job, absl::UnavailableError("store is shut down"));
  statements_.reset();  // statements must be finalized before their connection closes
  db_.reset();
}

WriterStats SqliteWriter::Stats() const {
  WriterStats stats;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats.queue_depth = queue_.size();
  }
  stats.queue_capacity = options_.queue_capacity;
  stats.commits = commits_.load(std::memory_order_relaxed);
  stats.failed_commits = failed_commits_.load(std::memory_order_relaxed);
  stats.jobs_committed = jobs_committed_.load(std::memory_order_relaxed);
  stats.last_commit_ok = last_commit_ok_.load(std::memory_order_relaxed);
  stats.begin_micros = begin_micros_.load(std::memory_order_relaxed);
  stats.run_micros = run_micros_.load(std::memory_order_relaxed);
  stats.commit_micros = commit_micros_.load(std::memory_order_relaxed);
  stats.callback_micros = callback_micros_.load(std::memory_order_relaxed);
  stats.cpu_micros = cpu_micros_.load(std::memory_order_relaxed);
  stats.max_begin_micros = max_begin_micros_.load(std::memory_order_relaxed);
  stats.max_commit_micros = max_commit_micros_.load(std::memory_order_relaxed);
  return stats;
}

void SqliteWriter::Loop() {
  pthread_setname_np(pthread_self(), "store-writer");  // visible in top -H and perf
  std::vector<std::unique_ptr<WriteJob>> batch;
  batch.reserve(options_.max_batch);
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (queue_.empty() && !stopping_) {
        writer_waiting_ = true;
        work_ready_.wait(lock);
        writer_waiting_ = false;
      }
      if (queue_.empty()) return;  // stopping, and everything queued has been written
      // Whatever accumulated while the previous batch was committing forms the next batch:
      // the busier the store, the larger the batches and the cheaper each row.
      const size_t n = std::min(queue_.size(), options_.max_batch);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const uint64_t cpu_before = ThreadCpuMicros();
    RunBatch(batch);
    batch.clear();
    cpu_micros_.fetch_add(ThreadCpuMicros() - cpu_before, std::memory_order_relaxed);
  }
}

void SqliteWriter::RunBatch(std::vector<std::unique_ptr<WriteJob>>& jobs) {
  changes_.clear();
  job_outcomes_.assign(jobs.size(), absl::OkStatus());
  absl::Status batch_error;
  sqlite3* handle = db_->getHandle();

  // IMMEDIATE: take the write lock now, so a database locked by another process fails the
  // batch here (after busy_timeout) rather than in the middle of it.
  const auto begin_started = std::chrono::steady_clock::now();
  const int begin = Begin();
  const uint64_t begin_micros = MicrosSince(begin_started);
  begin_micros_.fetch_add(begin_micros, std::memory_order_relaxed);
  RaiseMax(max_begin_micros_, begin_micros);
  if (begin != SQLITE_OK) {
    batch_error = DatabaseUnavailable(begin);
  } else {
    const auto started = std::chrono::steady_clock::now();
    WriteTxn txn(*db_, *statements_, changes_);
    for (size_t i = 0; i < jobs.size(); ++i) {
      txn.StartJob();
      absl::Status outcome;
      try {
        if (jobs[i]->shape() == JobShape::kMultiStatement) txn.OpenSavepoint();
        outcome = jobs[i]->Run(txn);
        if (outcome.ok()) txn.ReleaseJob();
      } catch (const SQLite::Exception& e) {
        if (IsEnvironmentalSqliteError(e.getErrorCode())) {
          batch_error = DatabaseUnavailable(e.getErrorCode());
          break;
        }
        outcome = StatusFromException(e);
      } catch (const std::exception& e) {
        outcome = StatusFromException(e);
      }
      if (outcome.ok()) continue;
      // SQLite may have rolled back the whole transaction on its own (it does for some
      // errors); then the earlier jobs' writes are gone too and the batch has failed.
      if (sqlite3_get_autocommit(handle)) {
        batch_error = absl::UnavailableError("database unavailable: transaction rolled back");
        break;
      }
      try {
        txn.RollbackJob();
      } catch (const SQLite::Exception& e) {
        batch_error = DatabaseUnavailable(e.getErrorCode());
        break;
      }
      job_outcomes_[i] = std::move(outcome);
    }
    run_micros_.fetch_add(MicrosSince(started), std::memory_order_relaxed);
    if (batch_error.ok()) {
      const auto commit_started = std::chrono::steady_clock::now();
      const int commit = db_->tryExec("COMMIT");
      const uint64_t commit_micros = MicrosSince(commit_started);
      commit_micros_.fetch_add(commit_micros, std::memory_order_relaxed);
      RaiseMax(max_commit_micros_, commit_micros);
      if (commit != SQLITE_OK) batch_error = DatabaseUnavailable(commit);
    }
    if (!batch_error.ok() && !sqlite3_get_autocommit(handle)) db_->tryExec("ROLLBACK");
  }

  const bool committed = batch_error.ok();
  RecordOutcome(committed, jobs.size(), batch_error);
  if (committed) counters_->Apply(changes_);
  const auto callbacks_started = std::chrono::steady_clock::now();
  for (size_t i = 0; i < jobs.size(); ++i) {
    // A job that failed on its own keeps its own error either way: retrying it would not help.
    const absl::Status& outcome =
        (committed || !job_outcomes_[i].ok()) ? job_outcomes_[i] : batch_error;
    CompleteSafely(*jobs[i], outcome);
  }
  callback_micros_.fetch_add(MicrosSince(callbacks_started), std::memory_order_relaxed);
}

int SqliteWriter::Begin() {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.max_own_lock_wait_ms);
  while (true) {
    uint64_t epoch = options_.own_lock_epoch ? options_.own_lock_epoch() : 0;
    // Our checkpointer wants or holds the lock: stay out of its way without touching SQLite.
    // Polling with BEGIN would take and drop a WAL read lock every time, which RESTART has to
    // wait out, and the two would slow each other down.
    while ((epoch & 1) != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      epoch = options_.own_lock_epoch();
    }
    const int rc = db_->tryExec("BEGIN IMMEDIATE");
    if ((rc & 0xff) != SQLITE_BUSY || !options_.own_lock_epoch) return rc;
    const uint64_t now_epoch = options_.own_lock_epoch();
    const bool ours = (now_epoch & 1) != 0 || now_epoch != epoch;
    if (!ours || std::chrono::steady_clock::now() >= deadline) return rc;
  }
}

void SqliteWriter::RecordOutcome(bool committed, size_t jobs, const absl::Status& error) {
  const bool was_ok = last_commit_ok_.exchange(committed, std::memory_order_relaxed);
  if (committed) {
    commits_.fetch_add(1, std::memory_order_relaxed);
    jobs_committed_.fetch_add(jobs, std::memory_order_relaxed);
    if (!was_ok) LogInfo("store_writes_recovered");
    return;
  }
  failed_commits_.fetch_add(1, std::memory_order_relaxed);
  // Log the transition only: a full disk would otherwise log once per batch.
  if (was_ok) {
    const std::string count = std::to_string(jobs);
    const std::string message(error.message());
    LogWarn("store_writes_failing", {{"error", message}, {"jobs", count}});
  }
}

}  // namespace pushgate::store
