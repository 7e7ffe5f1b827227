// Stats() comes from in-memory counters; these tests hold them against real COUNT(*) queries.
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <map>

#include "store/sqlite_store.h"
#include "store_test_util.h"

namespace pushgate::store {
namespace {

using testing::Await;
using testing::Ingest;
using testing::MakeNotification;
using testing::MakeRegistration;
using testing::Register;

class StatsTest : public ::testing::Test {
 protected:
  // What the counters should say, counted the slow way.
  std::map<std::string, int64_t> RealNotificationCounts() {
    std::map<std::string, int64_t> counts = {{"queued", 0}, {"dispatching", 0}, {"done", 0}};
    auto db = testing::RawConnection(config_);
    SQLite::Statement q(*db, "SELECT state, count(*) FROM notifications GROUP BY state");
    while (q.executeStep()) counts[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
    return counts;
  }
  std::map<std::string, int64_t> RealRegistrationCounts() {
    std::map<std::string, int64_t> counts;
    for (const char* p : {"apns", "apns_voip", "fcm", "webpush"}) {
      counts[std::string(p) + "/active"] = 0;
      counts[std::string(p) + "/inactive"] = 0;
    }
    auto db = testing::RawConnection(config_);
    SQLite::Statement q(*db,
                        "SELECT platform, active, count(*) FROM registrations "
                        "GROUP BY platform, active");
    while (q.executeStep()) {
      counts[q.getColumn(0).getString() + (q.getColumn(1).getInt() ? "/active" : "/inactive")] =
          q.getColumn(2).getInt64();
    }
    return counts;
  }

  testing::TempDir dir_;
  config::Config config_ = testing::TestConfig(dir_.path());
};

TEST_F(StatsTest, CountersFollowEveryKindOfWrite) {
  config_.registry.max_registrations_per_user = 2;
  auto store = testing::OpenOrDie(config_);
  StoreStats empty = store->Stats();
  EXPECT_EQ(empty.notifications_by_state, RealNotificationCounts());
  EXPECT_EQ(empty.registrations_by_platform_state, RealRegistrationCounts());
  EXPECT_EQ(empty.write_queue_capacity, config_.store.write_queue_capacity);

  // Notifications: new, duplicate, zero-hash.
  ASSERT_TRUE(Ingest(*store, MakeNotification(1, 1)).ok());
  ASSERT_TRUE(Ingest(*store, MakeNotification(1, 2)).ok());
  ASSERT_TRUE(Ingest(*store, MakeNotification(0, 3)).ok());
  // Registrations: create, refresh, replace, cap, move, reactivate, each unregister kind.
  ASSERT_TRUE(Register(*store, MakeRegistration("a", "s1", Platform::kApns, "t1"), 1).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("a", "s1", Platform::kApns, "t1"), 2).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("a", "s1", Platform::kApns, "t2"), 3).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("a", "s2", Platform::kFcm, "f1"), 4).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("a", "s3", Platform::kWebPush, "w1"), 5).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("b", "s9", Platform::kFcm, "f1"), 6).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("a", "s1", Platform::kApns, "t1"), 7).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("c", "s1", Platform::kApnsVoip, "v"), 8).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("c", "s2", Platform::kFcm, "cf"), 8).ok());
  ASSERT_TRUE(Register(*store, MakeRegistration("d", "s1", Platform::kFcm, "df"), 8).ok());
  ASSERT_TRUE(Await<int>([&](Callback<int> done) {
                return store->UnregisterToken("app1", "v", std::nullopt, 9, std::move(done));
              }).ok());
  ASSERT_TRUE(Await<int>([&](Callback<int> done) {
                return store->UnregisterSession("app1", "c", "s2", 9, std::move(done));
              }).ok());
  ASSERT_TRUE(Await<int>([&](Callback<int> done) {
                return store->UnregisterUser("app1", "d", 9, std::move(done));
              }).ok());

  StoreStats stats = store->Stats();
  EXPECT_EQ(stats.notifications_by_state, RealNotificationCounts());
  EXPECT_EQ(stats.notifications_by_state["queued"], 2);
  EXPECT_EQ(stats.registrations_by_platform_state, RealRegistrationCounts());
  EXPECT_GT(stats.registrations_by_platform_state["apns/inactive"], 0);
  EXPECT_GT(stats.commits, 0u);
  EXPECT_EQ(stats.failed_commits, 0u);
  EXPECT_TRUE(stats.last_commit_ok);
  EXPECT_EQ(stats.write_queue_depth, 0u);

  // A reopened store counts the same from the rows themselves.
  store.reset();
  auto reopened = testing::OpenOrDie(config_);
  EXPECT_EQ(reopened->Stats().notifications_by_state, stats.notifications_by_state);
  EXPECT_EQ(reopened->Stats().registrations_by_platform_state,
            stats.registrations_by_platform_state);
}

TEST_F(StatsTest, ExtensionFamiliesAreCountedToo) {
  auto store = testing::OpenOrDie(config_);
  ASSERT_TRUE(Await<bool>([&](Callback<bool> done) {
                return store->Submit<bool>(
                    [](WriteTxn& txn) -> absl::StatusOr<bool> {
                      txn.Count("deliveries", "pending", 3);
                      txn.Count("deliveries", "pending", -1);
                      txn.Count("deliveries", "sent", 1);
                      return true;
                    },
                    std::move(done));
              }).ok());
  std::map<std::string, int64_t> deliveries = store->Counts("deliveries");
  EXPECT_EQ(deliveries["pending"], 2);
  EXPECT_EQ(deliveries["sent"], 1);
}

TEST_F(StatsTest, ReadsRunThroughTheReaderPool) {
  auto store = testing::OpenOrDie(config_);
  ASSERT_TRUE(Ingest(*store, MakeNotification(1, 1)).ok());
  absl::StatusOr<int64_t> count = store->Read<int64_t>([](ReadTxn& txn) -> absl::StatusOr<int64_t> {
    CachedStatement q = txn.statements.Get("SELECT count(*) FROM notifications");
    q->executeStep();
    return q->getColumn(0).getInt64();
  });
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 1);
  // Reader connections cannot write.
  absl::StatusOr<int64_t> write = store->Read<int64_t>([](ReadTxn& txn) -> absl::StatusOr<int64_t> {
    txn.db.exec("DELETE FROM notifications");
    return 0;
  });
  EXPECT_FALSE(write.ok());
}

}  // namespace
}  // namespace pushgate::store
