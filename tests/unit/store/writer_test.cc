// The single writer: group commit, backpressure, one job failing alone, the whole batch
// failing on a database outage and the store recovering by itself, shutdown, checkpoints.
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "store/migrations.h"
#include "store/migrator.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_store.h"
#include "store/sqlite_writer.h"
#include "store_test_util.h"

namespace pushgate::store {
namespace {

using testing::Await;
using testing::Ingest;
using testing::MakeNotification;
using testing::QueryInt;

class WriterTest : public ::testing::Test {
 protected:
  void Open(const SqliteStoreTuning& tuning = testing::FastTuning()) {
    store_ = testing::OpenOrDie(config_, tuning);
  }

  testing::TempDir dir_;
  config::Config config_ = testing::TestConfig(dir_.path());
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(WriterTest, ConcurrentSubmitsShareCommits) {
  config_.store.synchronous = "full";  // each commit costs an fsync: batching is what helps
  Open();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<int> pending{kThreads * kPerThread};
  std::promise<void> all_done;
  const uint64_t commits_before = store_->Stats().commits;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::Status queued = store_->IngestNotification(
            MakeNotification(1 + t * kPerThread + i, 1000), [&](absl::StatusOr<IngestResult> r) {
              (r.ok() && !r->duplicate ? ok : failed)++;
              if (--pending == 0) all_done.set_value();
            });
        ASSERT_TRUE(queued.ok()) << queued;
      }
    });
  }
  for (auto& p : producers) p.join();
  all_done.get_future().wait();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(failed.load(), 0);
  const uint64_t commits = store_->Stats().commits - commits_before;
  EXPECT_GE(commits, 1u);
  EXPECT_LT(commits, static_cast<uint64_t>(kThreads * kPerThread) / 4)
      << "jobs were not grouped into shared transactions";
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), kThreads * kPerThread);
}

TEST_F(WriterTest, BatchesAreCappedAtMaxBatch) {
  config_.store.max_batch = 4;
  Open();
  const uint64_t commits_before = store_->Stats().commits;
  std::vector<std::future<absl::StatusOr<IngestResult>>> results;
  {
    testing::WriterHold hold(*store_);
    for (int i = 0; i < 10; ++i) {
      auto promise = std::make_shared<std::promise<absl::StatusOr<IngestResult>>>();
      results.push_back(promise->get_future());
      ASSERT_TRUE(store_
                      ->IngestNotification(MakeNotification(100 + i, 1),
                                           [promise](absl::StatusOr<IngestResult> r) {
                                             promise->set_value(std::move(r));
                                           })
                      .ok());
    }
  }
  for (auto& f : results) ASSERT_TRUE(f.get().ok());
  // The hold's own batch, then 10 jobs in batches of at most 4: 4 + 4 + 2.
  EXPECT_EQ(store_->Stats().commits - commits_before, 4u);
}

TEST_F(WriterTest, FullQueueIsRefusedAtOnce) {
  config_.store.write_queue_capacity = 3;
  Open();
  testing::WriterHold hold(*store_);  // the hold's job has left the queue: 3 slots are free
  std::atomic<int> answered{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_
                    ->IngestNotification(MakeNotification(1 + i, 1),
                                         [&](absl::StatusOr<IngestResult> r) {
                                           EXPECT_TRUE(r.ok()) << r.status();
                                           ++answered;
                                         })
                    .ok());
  }
  bool refused_callback_ran = false;
  absl::Status refused = store_->IngestNotification(
      MakeNotification(50, 1), [&](absl::StatusOr<IngestResult>) { refused_callback_ran = true; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(refused.message(), "write queue full");
  EXPECT_EQ(store_->Stats().write_queue_depth, 3u);
  EXPECT_EQ(store_->Stats().write_queue_capacity, 3u);
  hold.Release();
  store_->Shutdown();  // drains
  EXPECT_EQ(answered.load(), 3);
  EXPECT_FALSE(refused_callback_ran);
}

TEST_F(WriterTest, AFailingJobRollsBackAloneInsideItsBatch) {
  Open();
  std::future<absl::StatusOr<IngestResult>> before;
  std::future<absl::StatusOr<int>> failing;
  std::future<absl::StatusOr<IngestResult>> after;
  const uint64_t commits_before = store_->Stats().commits;
  {
    testing::WriterHold hold(*store_);
    auto p1 = std::make_shared<std::promise<absl::StatusOr<IngestResult>>>();
    before = p1->get_future();
    ASSERT_TRUE(store_
                    ->IngestNotification(MakeNotification(1, 1),
                                         [p1](auto r) { p1->set_value(std::move(r)); })
                    .ok());
    // Writes a row, counts it, then fails: the row and the count must both disappear.
    auto p2 = std::make_shared<std::promise<absl::StatusOr<int>>>();
    failing = p2->get_future();
    ASSERT_TRUE(store_
                    ->Submit<int>(
                        [](WriteTxn& txn) -> absl::StatusOr<int> {
                          txn.db().exec(
                              "INSERT INTO notifications (app_id, uid, type, payload, "
                              "received_at, next_attempt_at, updated_at) "
                              "VALUES ('x', 'doomed', 'chat', '{}', 1, 1, 1)");
                          txn.Count(kNotificationsFamily, "queued", 1);
                          return absl::InvalidArgumentError("the job gave up");
                        },
                        [p2](absl::StatusOr<int> r) { p2->set_value(std::move(r)); })
                    .ok());
    auto p3 = std::make_shared<std::promise<absl::StatusOr<IngestResult>>>();
    after = p3->get_future();
    ASSERT_TRUE(store_
                    ->IngestNotification(MakeNotification(2, 1),
                                         [p3](auto r) { p3->set_value(std::move(r)); })
                    .ok());
  }
  EXPECT_TRUE(before.get().ok());
  absl::StatusOr<int> failed = failing.get();
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(failed.status().message(), "the job gave up");
  EXPECT_TRUE(after.get().ok());
  EXPECT_EQ(store_->Stats().commits - commits_before, 2u);  // the hold's, then one batch
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), 2);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications WHERE uid = 'doomed'"), 0);
  EXPECT_EQ(store_->Stats().notifications_by_state["queued"], 2);
}

TEST_F(WriterTest, SubmitDeliversTheBodysValueAfterCommit) {
  Open();
  absl::StatusOr<int64_t> id = Await<int64_t>([&](Callback<int64_t> done) {
    return store_->Submit<int64_t>(
        [](WriteTxn& txn) -> absl::StatusOr<int64_t> {
          CachedStatement insert = txn.Statement(
              "INSERT INTO notifications (app_id, uid, type, payload, received_at, "
              "next_attempt_at, updated_at) VALUES ('a', 'u', 'chat', '{}', 1, 1, 1) "
              "RETURNING id");
          insert->executeStep();
          return insert->getColumn(0).getInt64();
        },
        std::move(done), JobShape::kSingleStatement);
  });
  ASSERT_TRUE(id.ok()) << id.status();
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT id FROM notifications"), *id);
}

TEST_F(WriterTest, FullDatabaseAnswersUnavailableThenRecovers) {
  config_.store.max_db_bytes = 256 * 1024;
  Open();
  // Fill it: 2 KB payloads until the page cap stops an ingest.
  absl::Status failure;
  int stored = 0;
  for (int i = 0; i < 1000 && failure.ok(); ++i) {
    absl::StatusOr<IngestResult> r = Ingest(*store_, MakeNotification(1000 + i, 1, 2048));
    if (r.ok()) {
      ++stored;
    } else {
      failure = r.status();
    }
  }
  ASSERT_FALSE(failure.ok()) << "the cap never bit";
  EXPECT_GT(stored, 10);
  EXPECT_EQ(failure.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(failure.message(), "database unavailable: database or disk is full");
  StoreStats stats = store_->Stats();
  EXPECT_FALSE(stats.last_commit_ok);
  EXPECT_GE(stats.failed_commits, 1u);
  EXPECT_EQ(stats.notifications_by_state["queued"], stored);  // nothing counted for the failure
  // Idle writer: CheckWritable probes, and the probe hits the cap too.
  EXPECT_EQ(store_->CheckWritable().code(), absl::StatusCode::kUnavailable);

  // An operator frees space from another connection.
  {
    auto db = testing::RawConnection(config_);
    db->exec("DELETE FROM notifications WHERE id % 2 = 0");
  }
  EXPECT_TRUE(store_->CheckWritable().ok());
  absl::StatusOr<IngestResult> r = Ingest(*store_, MakeNotification(5000, 1, 2048));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(store_->Stats().last_commit_ok);
}

TEST_F(WriterTest, FullDatabaseStaysNotWritableWhileSmallUpdatesStillCommit) {
  config_.store.max_db_bytes = 256 * 1024;
  Open();
  absl::Status failure;
  for (int i = 0; i < 1000 && failure.ok(); ++i) {
    absl::StatusOr<IngestResult> r = Ingest(*store_, MakeNotification(1000 + i, 1, 2048));
    if (!r.ok()) failure = r.status();
  }
  ASSERT_EQ(failure.code(), absl::StatusCode::kUnavailable) << failure;
  // The engine's settle updates rewrite rows in pages the file already has, so they commit
  // on a full database; that must not make the store look ready for new notifications.
  absl::StatusOr<int> updated = Await<int>([&](Callback<int> done) {
    return store_->Submit<int>(
        [](WriteTxn& txn) -> absl::StatusOr<int> {
          CachedStatement update =
              txn.Statement("UPDATE notifications SET updated_at = 2 WHERE id = 1");
          update->exec();
          return txn.db().getChanges();
        },
        std::move(done), JobShape::kSingleStatement);
  });
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(store_->Stats().last_commit_ok);
  EXPECT_EQ(store_->CheckWritable().code(), absl::StatusCode::kUnavailable);
}

TEST_F(WriterTest, ExternalLockAnswersUnavailableThenRecovers) {
  Open();
  ASSERT_TRUE(Ingest(*store_, MakeNotification(1, 1)).ok());
  auto other = testing::RawConnection(config_);
  other->exec("BEGIN EXCLUSIVE");
  absl::StatusOr<IngestResult> blocked = Ingest(*store_, MakeNotification(2, 1));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(blocked.status().message(), "database unavailable: database is locked");
  EXPECT_EQ(store_->CheckWritable().code(), absl::StatusCode::kUnavailable);
  other->exec("COMMIT");
  absl::StatusOr<IngestResult> retried = Ingest(*store_, MakeNotification(2, 1));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->duplicate);  // the failed attempt left nothing behind
  EXPECT_TRUE(store_->CheckWritable().ok());
  EXPECT_EQ(QueryInt(*other, "SELECT count(*) FROM notifications"), 2);
}

TEST_F(WriterTest, IdleStoreRecoversThroughCheckWritableAlone) {
  Open();
  auto other = testing::RawConnection(config_);
  other->exec("BEGIN EXCLUSIVE");
  EXPECT_FALSE(Ingest(*store_, MakeNotification(2, 1)).ok());
  EXPECT_FALSE(store_->Stats().last_commit_ok);
  other->exec("COMMIT");
  // No request arrives, yet the health check notices the lock is gone.
  EXPECT_TRUE(store_->CheckWritable().ok());
  EXPECT_TRUE(store_->Stats().last_commit_ok);
}

TEST_F(WriterTest, ShutdownDrainsQueuedJobsThenRefuses) {
  Open();
  std::atomic<int> committed{0};
  {
    testing::WriterHold hold(*store_);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(store_
                      ->IngestNotification(MakeNotification(1 + i, 1),
                                           [&](absl::StatusOr<IngestResult> r) {
                                             if (r.ok()) ++committed;
                                           })
                      .ok());
    }
  }
  store_->Shutdown();
  EXPECT_EQ(committed.load(), 20);
  absl::Status late = store_->IngestNotification(MakeNotification(99, 1), [](auto) {});
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->ListTokens(ListTokensQuery{}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store_->CheckWritable().code(), absl::StatusCode::kUnavailable);
  store_->Shutdown();  // twice is harmless
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), 20);
}

TEST_F(WriterTest, CallbackExceptionDoesNotStopTheWriter) {
  Open();
  ASSERT_TRUE(store_
                  ->IngestNotification(
                      MakeNotification(1, 1),
                      [](absl::StatusOr<IngestResult>) { throw std::runtime_error("caller bug"); })
                  .ok());
  EXPECT_TRUE(Ingest(*store_, MakeNotification(2, 1)).ok());
}

TEST_F(WriterTest, CheckpointerKeepsTheWalSmall) {
  SqliteStoreTuning tuning = testing::FastTuning();
  tuning.checkpoint.passive_frames = 16;
  tuning.checkpoint.restart_frames = 64;
  tuning.checkpoint.idle_ms = 100;
  tuning.checkpoint.poll_ms = 20;
  Open(tuning);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(Ingest(*store_, MakeNotification(1 + i, 1, 2048)).ok());
  }
  // Commits never checkpoint themselves, so any copying was done by the checkpointer.
  const std::string wal = config_.DatabasePath() + "-wal";
  bool truncated = false;
  for (int i = 0; i < 100 && !truncated; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    truncated = store_->CheckpointStats().truncate > 0 && std::filesystem::file_size(wal) == 0;
  }
  CheckpointCounts counts = store_->CheckpointStats();
  EXPECT_GT(counts.passive, 0u);
  EXPECT_GT(counts.restart, 0u);
  EXPECT_TRUE(truncated) << "the idle WAL was not truncated";
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), 300);
}

// The checkpointer's RESTART/TRUNCATE hold the write lock for a moment; the writer must wait
// for that rather than fail a batch, while a lock held by anyone else still fails it.
class WriterLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.path = dir_.path() + "/w.db";
    settings_.synchronous_full = false;
    settings_.busy_timeout_ms = 50;
    ASSERT_TRUE(CreateDatabaseFileIfMissing(settings_.path).ok());
    auto db = OpenConnection(settings_, ConnectionRole::kWriter);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE(ApplyMigrations(**db, EmbeddedMigrations()).ok());
    WriterOptions options;
    options.own_lock_epoch = [this] { return epoch_.load(); };
    writer_ = std::make_unique<SqliteWriter>(*std::move(db), options, &counters_);
    writer_->Start();
  }

  // Holds the write lock from another connection for `hold`, as the checkpointer would when
  // `ours`; returns the outcome of a write submitted meanwhile.
  absl::Status WriteWhileLocked(bool ours, std::chrono::milliseconds hold) {
    SQLite::Database other(settings_.path, SQLite::OPEN_READWRITE);
    if (ours) epoch_ = 1;
    other.exec("BEGIN EXCLUSIVE");
    auto done = std::make_shared<std::promise<absl::Status>>();
    std::future<absl::Status> outcome = done->get_future();
    absl::Status queued = writer_->Enqueue(std::make_unique<FunctionWriteJob<bool>>(
        JobShape::kSingleStatement,
        [](WriteTxn& txn) -> absl::StatusOr<bool> {
          txn.db().exec(
              "INSERT INTO notifications (app_id, uid, type, payload, received_at, "
              "next_attempt_at, updated_at) VALUES ('a', 'u', 'chat', '{}', 1, 1, 1)");
          return true;
        },
        [done](absl::StatusOr<bool> r) { done->set_value(r.status()); }));
    if (!queued.ok()) return queued;
    std::this_thread::sleep_for(hold);
    other.exec("COMMIT");
    if (ours) epoch_ = 2;
    return outcome.get();
  }

  testing::TempDir dir_;
  ConnectionSettings settings_;
  std::atomic<uint64_t> epoch_{0};
  StoreCounters counters_;
  std::unique_ptr<SqliteWriter> writer_;
};

TEST_F(WriterLockTest, WaitsOutOurOwnLockLongerThanBusyTimeout) {
  absl::Status s = WriteWhileLocked(/*ours=*/true, std::chrono::milliseconds(400));
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(writer_->Stats().failed_commits, 0u);
}

TEST_F(WriterLockTest, FailsOnSomeoneElsesLock) {
  absl::Status s = WriteWhileLocked(/*ours=*/false, std::chrono::milliseconds(400));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(writer_->Stats().failed_commits, 1u);
}

}  // namespace
}  // namespace pushgate::store
