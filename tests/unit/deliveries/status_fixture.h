// A real SqliteStore in a temp dir with the delivery and status stores over it, and helpers
// that put notifications through the engine's own store path (ingest, claim, settle) so every
// counter moves as in production.
#ifndef PUSHGATE_TESTS_UNIT_DELIVERIES_STATUS_FIXTURE_H_
#define PUSHGATE_TESTS_UNIT_DELIVERIES_STATUS_FIXTURE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "store/delivery_sqlite_store.h"
#include "store/status_sqlite_store.h"
#include "store_test_util.h"

namespace pushgate::store::testing {

class StatusFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = TestConfig(dir_.path());
    store_ = OpenOrDie(config_);
    auto d = SqliteDeliveryStore::Open(store_.get());
    ASSERT_TRUE(d.ok()) << d.status();
    deliveries_ = *std::move(d);
    status_ = std::make_unique<SqliteStatusStore>(store_.get());
    now_ = absl::ToUnixMillis(absl::Now());
  }
  void TearDown() override {
    status_.reset();
    deliveries_.reset();
    if (store_) store_->Shutdown();
  }

  int64_t RegisterDevice(const std::string& app, const std::string& uid, int n) {
    RegistrationInput in = MakeRegistration(uid, "s" + std::to_string(n), Platform::kFcm,
                                            "fcm-token-" + uid + std::to_string(n));
    in.app_id = app;
    absl::StatusOr<RegisterResult> r = Register(*store_, in, now_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->registration.id : 0;
  }

  // Ingests one notification and, unless `settle_as` is empty, claims it (one log delivery per
  // active registration of the uid) and settles every delivery in that state.
  int64_t Seed(const std::string& app, const std::string& uid, int64_t received_at_ms,
               std::optional<DeliveryState> settle_as, const std::string& type = "chat",
               Channel channel = Channel::kLog) {
    NewNotification n = MakeNotification(++hash_, received_at_ms);
    n.app_id = app;
    n.uid = uid;
    n.type = type;
    absl::StatusOr<IngestResult> in = Ingest(*store_, n);
    EXPECT_TRUE(in.ok()) << in.status();
    if (!in.ok() || !settle_as) return in.ok() ? in->id : 0;
    ClaimRequest claim;
    claim.now_ms = received_at_ms + 1;
    claim.planner = [channel](const NotificationRecord&, const std::vector<Registration>& active,
                              int64_t) {
      std::vector<PlannedDelivery> out;
      for (const Registration& r : active) {
        PlannedDelivery p;
        p.registration_id = r.id;
        p.channel = channel;
        p.target_hint = "log";
        out.push_back(p);
      }
      return out;
    };
    auto claimed = Await<std::vector<ClaimedNotification>>(
        [&](Callback<std::vector<ClaimedNotification>> done) {
          return deliveries_->ClaimDue(claim, std::move(done));
        });
    EXPECT_TRUE(claimed.ok()) << claimed.status();
    std::vector<DeliveryOutcome> outcomes;
    for (const ClaimedNotification& c : *claimed) {
      for (const ClaimedDelivery& d : c.to_send) {
        DeliveryOutcome o;
        o.delivery_id = d.delivery.id;
        o.notification_id = c.notification.id;
        o.state = *settle_as;
        AttemptRecord a;
        a.number = 1;
        a.started_at_ms = received_at_ms + 2;
        a.ended_at_ms = received_at_ms + 3;
        a.http_status = *settle_as == DeliveryState::kDelivered ? 200 : 400;
        a.reason = *settle_as == DeliveryState::kDelivered ? "" : "BadDeviceToken";
        o.attempt = a;
        o.http_status = a.http_status;
        o.reason = a.reason;
        outcomes.push_back(o);
      }
    }
    auto recorded = Await<RecordResult>([&](Callback<RecordResult> done) {
      return deliveries_->RecordOutcomes(outcomes, received_at_ms + 4, std::move(done));
    });
    EXPECT_TRUE(recorded.ok()) << recorded.status();
    return in->id;
  }

  // Counters next to what the table says, for exactness checks.
  void ExpectCountersExact() {
    auto db = RawConnection(config_);
    for (const char* s : {"queued", "dispatching", "done"}) {
      const int64_t rows = QueryInt(
          *db, std::string("SELECT count(*) FROM notifications WHERE state = '") + s + "'");
      std::map<std::string, int64_t> c = store_->Counts(kNotificationsFamily);
      EXPECT_EQ(c[s], rows) << "notifications " << s;
    }
    for (const char* s : {"pending", "sending", "delivered", "retry_wait", "failed", "skipped"}) {
      const int64_t rows =
          QueryInt(*db, std::string("SELECT count(*) FROM deliveries WHERE state = '") + s + "'");
      std::map<std::string, int64_t> c = store_->Counts(kDeliveriesFamily);
      EXPECT_EQ(c[s], rows) << "deliveries " << s;
    }
    const int64_t inactive =
        QueryInt(*db, "SELECT count(*) FROM registrations WHERE platform = 'fcm' AND active = 0");
    std::map<std::string, int64_t> c = store_->Counts(kRegistrationsFamily);
    EXPECT_EQ(c["fcm/inactive"], inactive);
  }

  TempDir dir_;
  config::Config config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<SqliteDeliveryStore> deliveries_;
  std::unique_ptr<SqliteStatusStore> status_;
  int64_t now_ = 0;
  int64_t hash_ = 1000;
};

}  // namespace pushgate::store::testing

#endif  // PUSHGATE_TESTS_UNIT_DELIVERIES_STATUS_FIXTURE_H_
