// Retention's store step: old notifications (with their deliveries) and long-inactive
// registrations go in bounded batches, recent rows stay, and the in-memory counters still
// match the tables afterwards.
#include "engine/retention.h"

#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "status_fixture.h"

namespace pushgate::store::testing {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

class RetentionTest : public StatusFixture {
 protected:
  absl::StatusOr<RetentionBatch> Step(int64_t notifications_before, int64_t registrations_before,
                                      int limit) {
    return Await<RetentionBatch>([&](Callback<RetentionBatch> done) {
      return status_->DeleteExpired(notifications_before, registrations_before, limit,
                                    std::move(done));
    });
  }
};

TEST_F(RetentionTest, OldRowsGoInBatchesRecentStayCountersExact) {
  RegisterDevice("app1", "alice", 1);
  RegisterDevice("app1", "alice", 2);
  // Five old notifications (two deliveries each, mixed states), two recent ones.
  std::vector<int64_t> old;
  for (int i = 0; i < 5; ++i) {
    old.push_back(Seed("app1", "alice", now_ - 10 * kDay + i,
                       i % 2 == 0 ? DeliveryState::kDelivered : DeliveryState::kFailed));
  }
  const int64_t recent1 = Seed("app1", "alice", now_ - kDay, DeliveryState::kDelivered);
  const int64_t recent2 = Seed("app1", "bob", now_ - 1000, std::nullopt);  // still queued
  ExpectCountersExact();

  const int64_t cutoff = now_ - 7 * kDay;
  absl::StatusOr<RetentionBatch> first = Step(cutoff, 0, 3);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->notifications_deleted, 3);
  EXPECT_EQ(first->deliveries_deleted, 6);
  ExpectCountersExact();
  absl::StatusOr<RetentionBatch> second = Step(cutoff, 0, 3);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->notifications_deleted, 2);
  absl::StatusOr<RetentionBatch> third = Step(cutoff, 0, 3);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->notifications_deleted, 0);  // the recent ones stay
  ExpectCountersExact();

  for (int64_t id : old) {
    auto gone = status_->GetNotification("app1", id);
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE(gone->has_value()) << id;
  }
  auto kept = status_->GetNotification("app1", recent1);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->deliveries.size(), 2u);
  kept = status_->GetNotification("app1", recent2);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  auto db = RawConnection(config_);
  EXPECT_EQ(QueryInt(*db,
                     "SELECT count(*) FROM deliveries WHERE notification_id NOT IN "
                     "(SELECT id FROM notifications)"),
            0);
}

TEST_F(RetentionTest, InactiveRegistrationsGoActiveOnesStay) {
  RegisterDevice("app1", "alice", 1);
  RegisterDevice("app1", "bob", 1);
  RegisterDevice("app1", "carol", 1);
  // alice logged out 40 days ago, bob 2 days ago, carol is active.
  auto ended = Await<int>([&](Callback<int> done) {
    return store_->UnregisterUser("app1", "alice", now_ - 40 * kDay, std::move(done));
  });
  ASSERT_TRUE(ended.ok());
  ended = Await<int>([&](Callback<int> done) {
    return store_->UnregisterUser("app1", "bob", now_ - 2 * kDay, std::move(done));
  });
  ASSERT_TRUE(ended.ok());
  ExpectCountersExact();

  absl::StatusOr<RetentionBatch> step = Step(0, now_ - 30 * kDay, 500);
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(step->registrations_deleted, 1);
  EXPECT_EQ(step->notifications_deleted, 0);
  ExpectCountersExact();
  auto db = RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM registrations WHERE uid = 'alice'"), 0);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM registrations WHERE uid = 'bob'"), 1);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM registrations WHERE uid = 'carol'"), 1);
}

// Redrive lives in the same status store; its batching is tested here beside retention's.
TEST_F(RetentionTest, RedriveSinceRunsInBatchesAndCountsEveryDelivery) {
  RegisterDevice("app1", "bulk", 1);
  constexpr int kFailed = 1100;  // three writer jobs of at most 500
  for (int i = 0; i < kFailed; ++i) {
    Seed("app1", "bulk", now_ - 100'000 + i, DeliveryState::kFailed);
  }
  RedriveScope scope;
  scope.app_id = "app1";
  scope.since_ms = now_ - kDay;
  auto redriven = Await<int>(
      [&](Callback<int> done) { return status_->Redrive(scope, now_ + 1, std::move(done)); });
  ASSERT_TRUE(redriven.ok()) << redriven.status();
  EXPECT_EQ(*redriven, kFailed);
  ExpectCountersExact();
  auto db = RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM deliveries WHERE state = 'failed'"), 0);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications WHERE state = 'dispatching'"),
            kFailed);
}

TEST(RetentionCutoffsTest, DaysBeforeNow) {
  config::RetentionConfig c;
  engine::RetentionCutoffs cut = engine::ComputeRetentionCutoffs(c, 100 * kDay);
  EXPECT_EQ(cut.notifications_before_ms, 93 * kDay);
  EXPECT_EQ(cut.registrations_before_ms, 70 * kDay);
}

TEST_F(RetentionTest, SweeperRunsBatchesToTheEnd) {
  RegisterDevice("app1", "alice", 1);
  for (int i = 0; i < 7; ++i) Seed("app1", "alice", now_ - 9 * kDay + i, DeliveryState::kFailed);
  Seed("app1", "alice", now_ - 1000, DeliveryState::kDelivered);
  config::RetentionConfig c;
  c.batch_rows = 2;  // four batches for seven rows
  c.pause_ms = 1;
  engine::RetentionSweeper sweeper(status_.get(), c, [this] { return now_; });
  engine::RetentionTotals t = sweeper.SweepOnce();
  EXPECT_EQ(t.notifications_deleted, 7);
  EXPECT_EQ(t.deliveries_deleted, 7);
  ExpectCountersExact();
  auto db = RawConnection(config_);
  EXPECT_EQ(QueryInt(*db, "SELECT count(*) FROM notifications"), 1);

  // In the background too: started, one sweep, stopped promptly.
  engine::RetentionSweeper background(status_.get(), c, [this] { return now_; });
  background.Start();
  for (int i = 0; i < 200 && background.sweeps() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  background.Stop();
  EXPECT_GE(background.sweeps(), 1);
}

}  // namespace
}  // namespace pushgate::store::testing
