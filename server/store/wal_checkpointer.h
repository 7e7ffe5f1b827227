// Copies the WAL back into the database file on its own connection and thread, so the writer's
// commits never pay for a checkpoint (an auto-checkpoint inside a commit stalls every job of
// its batch).
//
// Policy:
//  - PASSIVE when the WAL has grown by `passive_frames` since the last checkpoint. It never
//    blocks the writer, but under constant load the writer keeps appending, so the WAL file is
//    never fully checkpointed and never starts over;
//  - hence RESTART once the WAL holds `restart_frames`, after PASSIVE rounds have caught up
//    to a few MiB (forced at twice that size, so the WAL file stays bounded): it waits for the
//    writer's current transaction, holds off the next one while it copies the little that is
//    left, and makes the writer start the WAL from the beginning (a stall of about one fsync);
//  - TRUNCATE when no commit happened for `idle_ms`: the WAL file shrinks to nothing.
#ifndef PUSHGATE_STORE_WAL_CHECKPOINTER_H_
#define PUSHGATE_STORE_WAL_CHECKPOINTER_H_

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace pushgate::store {

// Small, frequent PASSIVE rounds keep the disk's work even. With 64 MiB rounds (chosen while a
// random-key dedupe index made every commit rewrite scattered pages, gone since migration 0005)
// each round's burst of database writes and its fsync slowed the WAL fsyncs of the commits
// running meanwhile: webhook p99 35 ms at 33k req/s. With 4 MiB rounds the p99 is 5 ms at
// 32k req/s, for about 1 µs more CPU per request (docs/BENCHMARKS.md, "checkpoint size").
struct CheckpointPolicy {
  int passive_frames = 1024;   // ~4 MiB of 4 KiB pages
  int restart_frames = 16384;  // ~64 MiB
  int idle_ms = 1000;
  int poll_ms = 250;
};

struct CheckpointCounts {
  uint64_t passive = 0;
  uint64_t restart = 0;
  uint64_t truncate = 0;
  uint64_t busy = 0;                // a checkpoint that could not get its locks in time
  uint64_t total_micros = 0;        // time spent checkpointing
  int64_t wal_frames = 0;           // WAL size after the last commit
  uint64_t frames_written = 0;      // pages appended to the WAL by all commits so far
  uint64_t max_locking_micros = 0;  // longest RESTART/TRUNCATE (the writer waits that long)
};

class WalCheckpointer {
 public:
  WalCheckpointer(std::unique_ptr<SQLite::Database> db, CheckpointPolicy policy);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Makes the writer connection report each commit's WAL size to this checkpointer (replacing
  // SQLite's auto-checkpoint hook). Call before the writer starts; the checkpointer must outlive
  // the writer connection.
  void AttachToWriter(sqlite3* writer_connection);

  void Start();
  // Stops the thread, then truncates the WAL once more (the writer has stopped by then).
  void Stop();

  CheckpointCounts Counts() const;

  // Odd while a checkpoint that takes the write lock (RESTART, TRUNCATE) runs; it changes with
  // each one. The writer uses it to tell our own brief lock from someone else's.
  uint64_t LockEpoch() const { return lock_epoch_.load(std::memory_order_acquire); }

 private:
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Loop();
  // One sqlite3_wal_checkpoint_v2 call; false when it could not get its locks.
  bool Checkpoint(int mode, int* log_frames, int* checkpointed_frames);
  bool RestartWhenCaughtUp(int* log_frames, int* checkpointed_frames);

  std::unique_ptr<SQLite::Database> db_;
  const CheckpointPolicy policy_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_

  // Written by the writer's commit hook, read by the checkpointer thread.
  std::atomic<int> wal_frames_{0};
  std::atomic<int64_t> last_commit_ms_{0};
  std::atomic<uint64_t> commit_seq_{0};
  std::atomic<uint64_t> lock_epoch_{0};
  std::atomic<uint64_t> frames_written_{0};
  std::atomic<bool> poke_pending_{false};
  // Frames of the current WAL already copied (written by the checkpointer thread; the hook
  // reads it to decide when to wake it).
  std::atomic<int> backfilled_hint_{0};

  std::atomic<uint64_t> passive_{0}, restart_{0}, truncate_{0}, busy_{0}, total_micros_{0};
  std::atomic<uint64_t> max_locking_micros_{0};
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_WAL_CHECKPOINTER_H_
