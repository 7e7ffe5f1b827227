// Storing webhook notifications: the row written, deduplication in and out of the window and
// inside one batch, and that a callback means "committed".
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <future>
#include <thread>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace pushgate::store {
namespace {

using testing::Ingest;
using testing::MakeNotification;
using testing::QueryInt;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.store.dedupe_window_seconds = 60;
    store_ = testing::OpenOrDie(config_);
  }

  testing::TempDir dir_;
  config::Config config_ = testing::TestConfig(dir_.path());
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(IngestTest, StoresAQueuedRowDueAtOnce) {
  NewNotification n = MakeNotification(0x1234, 5000);
  n.type = "call";
  n.call_action = "initiated";
  n.call_session_id = "v1.call.1";
  n.tag = "t";
  absl::StatusOr<IngestResult> r = Ingest(*store_, n);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->id, 0);
  EXPECT_FALSE(r->duplicate);

  auto db = testing::RawConnection(config_);
  SQLite::Statement row(*db,
                        "SELECT app_id, uid, type, call_action, call_session_id, tag, "
                        "conversation_id, sender, dedupe_hash, payload, received_at, state, "
                        "next_attempt_at, updated_at, lease_until, outcome "
                        "FROM notifications WHERE id = ?");
  row.bind(1, r->id);
  ASSERT_TRUE(row.executeStep());
  EXPECT_EQ(row.getColumn(0).getString(), "app1");
  EXPECT_EQ(row.getColumn(1).getString(), "alice");
  EXPECT_EQ(row.getColumn(2).getString(), "call");
  EXPECT_EQ(row.getColumn(3).getString(), "initiated");
  EXPECT_EQ(row.getColumn(4).getString(), "v1.call.1");
  EXPECT_EQ(row.getColumn(5).getString(), "t");
  EXPECT_EQ(row.getColumn(6).getString(), "alice_user_bob");
  EXPECT_EQ(row.getColumn(7).getString(), "bob");
  EXPECT_EQ(row.getColumn(8).getInt64(), 0x1234);
  EXPECT_EQ(row.getColumn(9).getString(), n.payload);
  EXPECT_EQ(row.getColumn(10).getInt64(), 5000);
  EXPECT_EQ(row.getColumn(11).getString(), "queued");
  EXPECT_EQ(row.getColumn(12).getInt64(), 5000);
  EXPECT_EQ(row.getColumn(13).getInt64(), 5000);
  EXPECT_TRUE(row.getColumn(14).isNull());
  EXPECT_TRUE(row.getColumn(15).isNull());
}

TEST_F(IngestTest, EmptyOptionalFieldsAreStoredAsNull) {
  NewNotification n = MakeNotification(7, 1);
  n.tag.clear();
  n.call_action.clear();
  ASSERT_TRUE(Ingest(*store_, n).ok());
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db,
                     "SELECT count(*) FROM notifications WHERE tag IS NULL AND "
                     "call_action IS NULL AND call_session_id IS NULL"),
            1);
}

TEST_F(IngestTest, DuplicateWithinWindowAnswersTheFirstId) {
  absl::StatusOr<IngestResult> first = Ingest(*store_, MakeNotification(42, 10'000));
  ASSERT_TRUE(first.ok());
  absl::StatusOr<IngestResult> again = Ingest(*store_, MakeNotification(42, 10'000 + 59'999));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->id, first->id);
  // A different payload hash is a different notification.
  absl::StatusOr<IngestResult> other = Ingest(*store_, MakeNotification(43, 10'001));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->duplicate);
  EXPECT_NE(other->id, first->id);
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), 2);
}

TEST_F(IngestTest, SamePayloadAfterWindowIsNewAndTakesOverTheKey) {
  absl::StatusOr<IngestResult> first = Ingest(*store_, MakeNotification(42, 10'000));
  ASSERT_TRUE(first.ok());
  absl::StatusOr<IngestResult> later = Ingest(*store_, MakeNotification(42, 10'000 + 60'000));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_FALSE(later->duplicate);
  EXPECT_NE(later->id, first->id);
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), 2);
  // And the new holder dedupes from now on.
  absl::StatusOr<IngestResult> dup = Ingest(*store_, MakeNotification(42, 10'000 + 61'000));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->id, later->id);
  EXPECT_EQ(store_->Stats().notifications_by_state["queued"], 2);
}

TEST_F(IngestTest, DuplicatesInsideOneBatch) {
  const uint64_t commits_before = store_->Stats().commits;
  testing::WriterHold hold(*store_);
  // All of these wait in the queue while the writer is held, then form one batch.
  std::vector<std::future<absl::StatusOr<IngestResult>>> results;
  auto submit = [&](const NewNotification& n) {
    auto promise = std::make_shared<std::promise<absl::StatusOr<IngestResult>>>();
    results.push_back(promise->get_future());
    ASSERT_TRUE(
        store_
            ->IngestNotification(
                n, [promise](absl::StatusOr<IngestResult> r) { promise->set_value(std::move(r)); })
            .ok());
  };
  submit(MakeNotification(7, 1000));           // new
  submit(MakeNotification(7, 1001));           // duplicate of the row above, same batch
  submit(MakeNotification(8, 1002));           // new
  submit(MakeNotification(7, 1000 + 60'000));  // same payload past the window: new, takes key
  submit(MakeNotification(7, 1000 + 60'001));  // duplicate of the previous one
  hold.Release();
  std::vector<IngestResult> r;
  for (auto& f : results) {
    absl::StatusOr<IngestResult> one = f.get();
    ASSERT_TRUE(one.ok()) << one.status();
    r.push_back(*one);
  }
  EXPECT_FALSE(r[0].duplicate);
  EXPECT_TRUE(r[1].duplicate);
  EXPECT_EQ(r[1].id, r[0].id);
  EXPECT_FALSE(r[2].duplicate);
  EXPECT_FALSE(r[3].duplicate);
  EXPECT_NE(r[3].id, r[0].id);
  EXPECT_TRUE(r[4].duplicate);
  EXPECT_EQ(r[4].id, r[3].id);
  // The hold's batch and one batch for the five.
  EXPECT_EQ(store_->Stats().commits - commits_before, 2u);
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), 3);
}

TEST_F(IngestTest, ZeroHashIsNeverDeduplicated) {
  absl::StatusOr<IngestResult> a = Ingest(*store_, MakeNotification(0, 1));
  absl::StatusOr<IngestResult> b = Ingest(*store_, MakeNotification(0, 1));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(b->duplicate);
  EXPECT_NE(a->id, b->id);
}

TEST_F(IngestTest, CallbackRunsOnlyAfterCommit) {
  // Inside the callback, a separate connection must already see the row: the transaction that
  // holds it has committed (the webhook answers 200 at this point).
  config_.store.synchronous = "full";
  store_.reset();
  store_ = testing::OpenOrDie(config_);
  std::atomic<int64_t> seen{-2};
  std::promise<void> done;
  const config::Config config = config_;
  ASSERT_TRUE(store_
                  ->IngestNotification(
                      MakeNotification(99, 1),
                      [&](absl::StatusOr<IngestResult> r) {
                        if (!r.ok()) {
                          seen = -3;
                        } else {
                          auto db = testing::RawConnection(config);
                          seen = QueryInt(*db, "SELECT count(*) FROM notifications WHERE id = " +
                                                   std::to_string(r->id));
                        }
                        done.set_value();
                      })
                  .ok());
  done.get_future().wait();
  EXPECT_EQ(seen.load(), 1);
}

TEST_F(IngestTest, CommittedRowsSurviveReopen) {
  config_.store.synchronous = "full";
  store_.reset();
  store_ = testing::OpenOrDie(config_);
  absl::StatusOr<IngestResult> r = Ingest(*store_, MakeNotification(5, 1));
  ASSERT_TRUE(r.ok());
  store_.reset();
  store_ = testing::OpenOrDie(config_);
  absl::StatusOr<IngestResult> again = Ingest(*store_, MakeNotification(5, 2));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);  // the reopened store found the first row
  EXPECT_EQ(again->id, r->id);
  EXPECT_EQ(store_->Stats().notifications_by_state["queued"], 1);
}

TEST_F(IngestTest, ReopenedStoreKnowsWhichRowTookTheKeyOver) {
  absl::StatusOr<IngestResult> first = Ingest(*store_, MakeNotification(42, 10'000));
  absl::StatusOr<IngestResult> later = Ingest(*store_, MakeNotification(42, 10'000 + 60'000));
  ASSERT_TRUE(first.ok() && later.ok());
  ASSERT_NE(first->id, later->id);
  store_.reset();
  store_ = testing::OpenOrDie(config_);
  absl::StatusOr<IngestResult> dup = Ingest(*store_, MakeNotification(42, 10'000 + 61'000));
  ASSERT_TRUE(dup.ok()) << dup.status();
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->id, later->id);
}

TEST_F(IngestTest, ReopenedStoreForgetsRowsOlderThanAWindowBeforeTheNewest) {
  ASSERT_TRUE(Ingest(*store_, MakeNotification(41, 10'000)).ok());
  ASSERT_TRUE(Ingest(*store_, MakeNotification(42, 10'000 + 60'000)).ok());
  store_.reset();
  store_ = testing::OpenOrDie(config_);
  // Within a window of 41's row by its own clock (a stepped clock), but a full window older
  // than the newest row: start-up did not load it, so this is a new notification.
  absl::StatusOr<IngestResult> r = Ingest(*store_, MakeNotification(41, 10'000 + 30'000));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->duplicate);
  auto db = testing::RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications WHERE dedupe_hash = 41"), 2);
}

// The in-memory key names a row; these change that row behind the store's back (`change` gets
// the row's id) and return what a copy of the payload gets then.
absl::StatusOr<IngestResult> CopyAfterChangingTheHolder(
    SqliteStore& store, const config::Config& config, int64_t first_id,
    const std::function<std::string(int64_t)>& change) {
  testing::RawConnection(config)->exec(change(first_id));
  return Ingest(store, MakeNotification(42, 10'001));
}

TEST_F(IngestTest, DeletedHolderNoLongerDedupes) {
  // An operator (or retention) deletes the row while the store runs: the in-memory key still
  // names it, but a copy of the payload must become a new notification, not an id that is gone.
  absl::StatusOr<IngestResult> first = Ingest(*store_, MakeNotification(42, 10'000));
  ASSERT_TRUE(first.ok());
  absl::StatusOr<IngestResult> again = CopyAfterChangingTheHolder(
      *store_, config_, first->id,
      [](int64_t id) { return "DELETE FROM notifications WHERE id = " + std::to_string(id); });
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->duplicate);
  // The new row holds the key from now on.
  absl::StatusOr<IngestResult> dup = Ingest(*store_, MakeNotification(42, 10'002));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->id, again->id);
}

TEST_F(IngestTest, KeyOfARowReusingARolledBackRowidIsNotTakenForIt) {
  // A batch that fails after its rows were remembered leaves keys naming rowids that SQLite
  // hands out again. Simulated: the key 42 names an id whose row now holds another key.
  absl::StatusOr<IngestResult> first = Ingest(*store_, MakeNotification(42, 10'000));
  ASSERT_TRUE(first.ok());
  absl::StatusOr<IngestResult> again =
      CopyAfterChangingTheHolder(*store_, config_, first->id, [](int64_t id) {
        return "UPDATE notifications SET dedupe_hash = 43 WHERE id = " + std::to_string(id);
      });
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->duplicate);
  EXPECT_NE(again->id, first->id);
}

// The durability contract end to end: a child process stores notifications and reports each
// id the moment its callback runs; the parent kills it with SIGKILL mid-stream, reopens the
// database and finds every reported id. (A process crash, not a power cut: FULL sync is what
// covers the latter, and no test here can pull the plug.)
TEST_F(IngestTest, EveryAcknowledgedRowSurvivesKill9) {
  store_.reset();
  config_.store.synchronous = "full";
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(report[0]);
    auto store = SqliteStore::Open(SqliteStoreOptionsFrom(config_), testing::FastTuning());
    if (!store.ok()) ::_exit(3);
    for (int64_t i = 1;; ++i) {
      // Keep a few in flight so batches form, but never more than the queue takes.
      absl::Status queued = (*store)->IngestNotification(
          MakeNotification(i, 1), [fd = report[1]](absl::StatusOr<IngestResult> r) {
            if (!r.ok()) ::_exit(4);
            const int64_t id = r->id;
            if (::write(fd, &id, sizeof(id)) != sizeof(id)) ::_exit(5);
          });
      if (!queued.ok()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  ::close(report[1]);
  std::vector<int64_t> acknowledged;
  int64_t id = 0;
  while (acknowledged.size() < 2000 && ::read(report[0], &id, sizeof(id)) == sizeof(id)) {
    acknowledged.push_back(id);
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  // Acks written between our last read and the kill count as well.
  while (::read(report[0], &id, sizeof(id)) == sizeof(id)) acknowledged.push_back(id);
  ::close(report[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself with " << WEXITSTATUS(status);
  ASSERT_GE(acknowledged.size(), 2000u);

  store_ = testing::OpenOrDie(config_);  // recovers the WAL the killed process left
  auto db = testing::RawConnection(config_);
  SQLite::Statement exists(*db, "SELECT count(*) FROM notifications WHERE id = ?");
  size_t missing = 0;
  for (int64_t acked : acknowledged) {
    exists.bind(1, acked);
    exists.executeStep();
    if (exists.getColumn(0).getInt64() != 1) ++missing;
    exists.reset();
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged rows";
  EXPECT_EQ(store_->Stats().notifications_by_state["queued"],
            QueryInt(*db, "SELECT count(*) FROM notifications"));
}

}  // namespace
}  // namespace pushgate::store
