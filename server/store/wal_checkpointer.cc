#include "store/wal_checkpointer.h"

#include <pthread.h>

#include <utility>

#include "common/log.h"

namespace pushgate::store {
namespace {

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

WalCheckpointer::WalCheckpointer(std::unique_ptr<SQLite::Database> db, CheckpointPolicy policy)
    : db_(std::move(db)), policy_(policy) {}

WalCheckpointer::~WalCheckpointer() { Stop(); }

void WalCheckpointer::AttachToWriter(sqlite3* writer_connection) {
  sqlite3_wal_hook(writer_connection, &WalCheckpointer::OnWalCommit, this);
}

// Runs on the writer thread right after each commit, so it only records and, rarely, wakes.
int WalCheckpointer::OnWalCommit(void* self, sqlite3* /*db*/, const char* /*schema*/, int frames) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  const int before = checkpointer->wal_frames_.exchange(frames, std::memory_order_relaxed);
  // A WAL that started over has only this commit's frames.
  checkpointer->frames_written_.fetch_add(frames >= before ? frames - before : frames,
                                          std::memory_order_relaxed);
  checkpointer->last_commit_ms_.store(SteadyNowMs(), std::memory_order_relaxed);
  checkpointer->commit_seq_.fetch_add(1, std::memory_order_relaxed);
  const int backfilled = checkpointer->backfilled_hint_.load(std::memory_order_relaxed);
  const int unchecked = frames >= backfilled ? frames - backfilled : frames;
  if (unchecked >= checkpointer->policy_.passive_frames &&
      !checkpointer->poke_pending_.exchange(true, std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(checkpointer->mu_);
    checkpointer->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WalCheckpointer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (db_ != nullptr) {
    int log = 0;
    int checkpointed = 0;
    Checkpoint(SQLITE_CHECKPOINT_TRUNCATE, &log, &checkpointed);
    db_.reset();
  }
}

CheckpointCounts WalCheckpointer::Counts() const {
  CheckpointCounts counts;
  counts.passive = passive_.load(std::memory_order_relaxed);
  counts.restart = restart_.load(std::memory_order_relaxed);
  counts.truncate = truncate_.load(std::memory_order_relaxed);
  counts.busy = busy_.load(std::memory_order_relaxed);
  counts.total_micros = total_micros_.load(std::memory_order_relaxed);
  counts.wal_frames = wal_frames_.load(std::memory_order_relaxed);
  counts.frames_written = frames_written_.load(std::memory_order_relaxed);
  counts.max_locking_micros = max_locking_micros_.load(std::memory_order_relaxed);
  return counts;
}

bool WalCheckpointer::Checkpoint(int mode, int* log_frames, int* checkpointed_frames) {
  const auto start = std::chrono::steady_clock::now();
  const bool takes_write_lock = mode != SQLITE_CHECKPOINT_PASSIVE;
  if (takes_write_lock) lock_epoch_.fetch_add(1, std::memory_order_acq_rel);  // now odd
  const int rc =
      sqlite3_wal_checkpoint_v2(db_->getHandle(), nullptr, mode, log_frames, checkpointed_frames);
  if (takes_write_lock) lock_epoch_.fetch_add(1, std::memory_order_acq_rel);  // even again
  const uint64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  if (takes_write_lock && micros > max_locking_micros_.load(std::memory_order_relaxed)) {
    max_locking_micros_.store(micros, std::memory_order_relaxed);
  }
  total_micros_.fetch_add(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count(),
                          std::memory_order_relaxed);
  if (rc == SQLITE_BUSY) {
    busy_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (rc != SQLITE_OK) {
    LogWarn("store_checkpoint_failed", {{"error", sqlite3_errstr(rc)}});
    return false;
  }
  switch (mode) {
    case SQLITE_CHECKPOINT_PASSIVE:
      passive_.fetch_add(1, std::memory_order_relaxed);
      break;
    case SQLITE_CHECKPOINT_RESTART:
      restart_.fetch_add(1, std::memory_order_relaxed);
      break;
    case SQLITE_CHECKPOINT_TRUNCATE:
      truncate_.fetch_add(1, std::memory_order_relaxed);
      break;
  }
  return true;
}

// RESTART holds the writer off while it copies what is not yet in the database file, so first
// let PASSIVE rounds shrink that remainder: each copies what the writer appended during the
// previous one, which shrinks quickly while copying outpaces appending. Then RESTART costs
// about one small copy and an fsync.
bool WalCheckpointer::RestartWhenCaughtUp(int* log, int* checkpointed) {
  constexpr int kSmallRemainder = 256;  // frames (1 MiB): copied in a few milliseconds
  constexpr int kMaxRounds = 8;
  for (int round = 0; round < kMaxRounds && (*log - *checkpointed) > kSmallRemainder; ++round) {
    if (!Checkpoint(SQLITE_CHECKPOINT_PASSIVE, log, checkpointed)) return false;
  }
  // Still far behind after all rounds: the writer outpaces the copy. Restart anyway once the
  // WAL is twice the target, accepting a longer stall to keep the file bounded.
  if ((*log - *checkpointed) > kSmallRemainder && *log < 2 * policy_.restart_frames) {
    return false;
  }
  return Checkpoint(SQLITE_CHECKPOINT_RESTART, log, checkpointed);
}

void WalCheckpointer::Loop() {
  pthread_setname_np(pthread_self(), "store-ckpt");  // visible in top -H and perf
  uint64_t seen_commit_seq = commit_seq_.load(std::memory_order_relaxed);
  bool truncated_since_commit = true;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!stopping_ && !poke_pending_.load(std::memory_order_relaxed)) {
        wake_.wait_for(lock, std::chrono::milliseconds(policy_.poll_ms));
      }
      if (stopping_) return;
    }
    poke_pending_.store(false, std::memory_order_relaxed);

    const int frames = wal_frames_.load(std::memory_order_relaxed);
    const uint64_t commit_seq = commit_seq_.load(std::memory_order_relaxed);
    if (commit_seq != seen_commit_seq) {
      seen_commit_seq = commit_seq;
      truncated_since_commit = false;
    }
    int backfilled = backfilled_hint_.load(std::memory_order_relaxed);
    if (frames < backfilled) backfilled = 0;  // the writer has started the WAL over

    int log = 0;
    int checkpointed = 0;
    if (frames - backfilled >= policy_.passive_frames) {
      if (Checkpoint(SQLITE_CHECKPOINT_PASSIVE, &log, &checkpointed)) {
        backfilled = checkpointed;
        if (log >= policy_.restart_frames && RestartWhenCaughtUp(&log, &checkpointed)) {
          backfilled = log;  // everything is copied; the next commit starts a new WAL
        }
      }
    } else if (!truncated_since_commit && frames > 0 &&
               SteadyNowMs() - last_commit_ms_.load(std::memory_order_relaxed) >= policy_.idle_ms) {
      if (Checkpoint(SQLITE_CHECKPOINT_TRUNCATE, &log, &checkpointed)) {
        truncated_since_commit = true;
        backfilled = 0;
        int expected = frames;
        wal_frames_.compare_exchange_strong(expected, 0, std::memory_order_relaxed);
      }
    }
    backfilled_hint_.store(backfilled, std::memory_order_relaxed);
  }
}

}  // namespace pushgate::store
