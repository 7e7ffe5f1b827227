// The delivery store on real SQLite files: claims and leases, planning, settling every kind of
// outcome, the APNs 410 timestamp rule, the notification's summary, the start-up lease release
// and the counters.
#include <gtest/gtest.h>

#include "engine/planner.h"
#include "engine_test_util.h"
#include "store/delivery_summary.h"

namespace pushgate::engine::testing {
namespace {

using domain::DeliveryState;
using store::ClaimedNotification;
using store::DeliveryOutcome;

constexpr int64_t kT0 = 1'741'847'453'000;
constexpr int64_t kLeaseMs = 60'000;

class DeliveryStoreTest : public ::testing::Test {
 protected:
  DeliveryStoreTest() : stores_(dir_.path()) {}

  std::vector<ClaimedNotification> Claim(int64_t now, int limit = 100) {
    store::ClaimRequest request;
    request.now_ms = now;
    request.lease_ms = kLeaseMs;
    request.limit = limit;
    AppChannels channels = channels_;
    request.planner = [channels](const domain::NotificationRecord& n,
                                 const std::vector<domain::Registration>& active, int64_t now_ms) {
      return PlanDeliveries(n, active, channels, PlanOptions{30}, now_ms);
    };
    auto r = Await<std::vector<ClaimedNotification>>(
        [&](store::Callback<std::vector<ClaimedNotification>> done) {
          return stores_.deliveries().ClaimDue(request, std::move(done));
        });
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : std::vector<ClaimedNotification>();
  }

  store::RecordResult Record(std::vector<DeliveryOutcome> outcomes, int64_t now) {
    auto r = Await<store::RecordResult>([&](store::Callback<store::RecordResult> done) {
      return stores_.deliveries().RecordOutcomes(outcomes, now, std::move(done));
    });
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : store::RecordResult();
  }

  static DeliveryOutcome Outcome(const store::ClaimedDelivery& d, DeliveryState state,
                                 int http_status, const std::string& reason, int64_t at) {
    DeliveryOutcome o;
    o.delivery_id = d.delivery.id;
    o.notification_id = d.delivery.notification_id;
    o.registration_id = d.registration.id;
    o.state = state;
    o.reason = state == DeliveryState::kDelivered ? "" : reason;
    o.http_status = http_status;
    domain::AttemptRecord a;
    a.number = d.delivery.attempt_count + 1;
    a.started_at_ms = at - 20;
    a.ended_at_ms = at;
    a.http_status = http_status;
    a.reason = reason;
    a.provider_message_id = http_status == 200 ? "0f8fad5b-d9cb-469f-a165-70867728950e" : "";
    o.provider_message_id = a.provider_message_id;
    o.attempt = a;
    return o;
  }

  std::string NotificationColumn(int64_t id, const std::string& column) {
    return stores_.QueryText("SELECT " + column +
                             " FROM notifications WHERE id = " + std::to_string(id));
  }

  std::optional<store::NotificationDetail> Detail(int64_t id, const std::string& app = kApp) {
    auto r = stores_.status().GetNotification(app, id);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }

  int64_t DeliveryCount(const std::string& state) {
    return stores_.deliveries().DeliveryCounts()[state];
  }
  int64_t NotificationCount(const std::string& state) {
    return stores_.sqlite().Stats().notifications_by_state[state];
  }

  TempDir dir_;
  TestStores stores_;
  AppChannels channels_ = ApnsChannels();

 private:
  static AppChannels ApnsChannels() {
    AppChannels c;
    c.apns = true;
    return c;
  }
};

TEST_F(DeliveryStoreTest, FirstClaimPlansLeasesAndHandsOutTheDueDeliveries) {
  const int64_t alert = RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0 - 1000);
  RegisterOrDie(stores_.sqlite(), Voip("alice", "iphone"), kT0 - 1000);
  const int64_t fcm = RegisterOrDie(stores_.sqlite(), Fcm("alice", "pixel", "fcm-1"), kT0 - 1000);
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));

  std::vector<ClaimedNotification> claimed = Claim(kT0 + 10);
  ASSERT_EQ(claimed.size(), 1u);
  const ClaimedNotification& c = claimed[0];
  EXPECT_TRUE(c.first_claim);
  EXPECT_EQ(c.notification.id, id);
  EXPECT_EQ(c.notification.state, domain::NotificationState::kDispatching);
  EXPECT_EQ(c.payload, ChatPayload("alice"));
  ASSERT_EQ(c.to_send.size(), 1u);  // chat: not the VoIP token; FCM has no provider here
  EXPECT_EQ(c.to_send[0].registration.id, alert);
  EXPECT_EQ(c.to_send[0].registration.input.token, kAlertToken);
  EXPECT_EQ(c.to_send[0].delivery.channel, domain::Channel::kApns);
  EXPECT_EQ(c.to_send[0].delivery.state, DeliveryState::kSending);

  EXPECT_EQ(NotificationColumn(id, "state"), "dispatching");
  EXPECT_EQ(NotificationColumn(id, "lease_until"), std::to_string(kT0 + 10 + kLeaseMs));
  // The plan is durable and visible at once, the skipped delivery with its reason.
  auto detail = Detail(id);
  ASSERT_TRUE(detail);
  ASSERT_EQ(detail->deliveries.size(), 2u);
  EXPECT_EQ(detail->deliveries[1].registration_id, fcm);
  EXPECT_EQ(detail->deliveries[1].state, DeliveryState::kSkipped);
  EXPECT_EQ(detail->deliveries[1].last_reason, kReasonNoProvider);
  EXPECT_EQ(detail->deliveries[0].target_hint, "a0b1c2d3\xE2\x80\xA6");

  EXPECT_EQ(DeliveryCount("sending"), 1);
  EXPECT_EQ(DeliveryCount("skipped"), 1);
  EXPECT_EQ(NotificationCount("queued"), 0);
  EXPECT_EQ(NotificationCount("dispatching"), 1);
}

TEST_F(DeliveryStoreTest, LeasedNotificationIsClaimedAgainOnlyAfterItsLeaseRunsOut) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  ASSERT_EQ(Claim(kT0).size(), 1u);
  EXPECT_TRUE(Claim(kT0 + 1).empty());
  EXPECT_TRUE(Claim(kT0 + kLeaseMs).empty());
  std::vector<ClaimedNotification> again = Claim(kT0 + kLeaseMs + 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(again[0].first_claim);
  ASSERT_EQ(again[0].to_send.size(), 1u);  // the same delivery, still 'sending'
  EXPECT_EQ(again[0].to_send[0].delivery.attempt_count, 0);
  EXPECT_EQ(stores_.QueryInt("SELECT count(*) FROM deliveries"), 1);
  EXPECT_EQ(DeliveryCount("sending"), 1);
}

// The first claim builds what it hands out from the rows it inserts (no read-back); a re-claim
// after the lease reads them from the table. The engine must get the same thing either way.
TEST_F(DeliveryStoreTest, FirstClaimAndReclaimHandOutTheSameDeliveries) {
  channels_.hooks = {HookRoute{"crm", {}, {}}};
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0 - 1000);
  RegisterOrDie(stores_.sqlite(), Apns("alice", "ipad", std::string(64, 'e')), kT0 - 500);
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  std::vector<ClaimedNotification> first = Claim(kT0 + 10);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(first[0].first_claim);
  std::vector<ClaimedNotification> again = Claim(kT0 + 10 + kLeaseMs + 1);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_FALSE(again[0].first_claim);

  EXPECT_EQ(again[0].delivery_count, first[0].delivery_count);
  EXPECT_EQ(again[0].payload, first[0].payload);
  ASSERT_EQ(first[0].to_send.size(), 3u);  // two devices and the hook
  ASSERT_EQ(again[0].to_send.size(), first[0].to_send.size());
  for (size_t i = 0; i < first[0].to_send.size(); ++i) {
    SCOPED_TRACE(i);
    const domain::DeliveryRecord& a = first[0].to_send[i].delivery;
    const domain::DeliveryRecord& b = again[0].to_send[i].delivery;
    EXPECT_EQ(b.id, a.id);
    EXPECT_EQ(b.notification_id, a.notification_id);
    EXPECT_EQ(b.registration_id, a.registration_id);
    EXPECT_EQ(b.channel, a.channel);
    EXPECT_EQ(b.hook, a.hook);
    EXPECT_EQ(b.state, DeliveryState::kSending);
    EXPECT_EQ(a.state, DeliveryState::kSending);
    EXPECT_EQ(b.attempt_count, a.attempt_count);
    EXPECT_EQ(b.next_attempt_at_ms, a.next_attempt_at_ms);
    EXPECT_EQ(b.last_reason, a.last_reason);
    EXPECT_EQ(b.target_hint, a.target_hint);
    EXPECT_EQ(b.created_at_ms, a.created_at_ms);
    EXPECT_EQ(b.updated_at_ms, a.updated_at_ms);
    const domain::Registration& ra = first[0].to_send[i].registration;
    const domain::Registration& rb = again[0].to_send[i].registration;
    EXPECT_EQ(rb.id, ra.id);
    EXPECT_EQ(rb.active, ra.active);
    EXPECT_EQ(rb.input.app_id, ra.input.app_id);
    EXPECT_EQ(rb.input.uid, ra.input.uid);
    EXPECT_EQ(rb.input.session_id, ra.input.session_id);
    EXPECT_EQ(rb.input.token, ra.input.token);
    EXPECT_EQ(rb.input.apns_topic, ra.input.apns_topic);
    EXPECT_EQ(rb.input.apns_environment, ra.input.apns_environment);
    EXPECT_EQ(rb.input.device.device_id, ra.input.device.device_id);
    EXPECT_EQ(rb.created_at_ms, ra.created_at_ms);
    EXPECT_EQ(rb.updated_at_ms, ra.updated_at_ms);
    if (a.hook.empty()) {
      EXPECT_EQ(rb.input.platform, ra.input.platform);
      EXPECT_TRUE(ra.active);
    } else {
      EXPECT_FALSE(ra.active);  // no registration behind a hook delivery
    }
  }
  EXPECT_EQ(stores_.QueryInt("SELECT count(*) FROM deliveries"), 3);
  EXPECT_EQ(DeliveryCount("sending"), 3);
}

TEST_F(DeliveryStoreTest, ClaimTakesTheOldestFirstAndRespectsTheLimit) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  const int64_t late = IngestOrDie(stores_.sqlite(), Chat("alice", kT0 + 500));
  const int64_t early = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0 + 100'000));  // not due yet
  std::vector<ClaimedNotification> first = Claim(kT0 + 1000, /*limit=*/1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].notification.id, early);
  std::vector<ClaimedNotification> second = Claim(kT0 + 1000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].notification.id, late);
}

TEST_F(DeliveryStoreTest, RecipientWithoutRegistrationsIsDoneWithNoTargets) {
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("bob", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_TRUE(claimed[0].to_send.empty());
  EXPECT_EQ(claimed[0].notification.state, domain::NotificationState::kDone);
  EXPECT_EQ(NotificationColumn(id, "state"), "done");
  EXPECT_EQ(NotificationColumn(id, "outcome"), "no_targets");
  EXPECT_EQ(NotificationColumn(id, "lease_until"), "");
  EXPECT_EQ(NotificationCount("done"), 1);
  EXPECT_TRUE(Claim(kT0 + 10 * kLeaseMs).empty());
}

TEST_F(DeliveryStoreTest, OnlyAVoipTokenForAChatIsNoTargets) {
  RegisterOrDie(stores_.sqlite(), Voip("alice", "iphone"), kT0);
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  Claim(kT0);
  EXPECT_EQ(NotificationColumn(id, "outcome"), "no_targets");
}

TEST_F(DeliveryStoreTest, ExpiredCallIsSkippedAndTheNotificationExpired) {
  RegisterOrDie(stores_.sqlite(), Voip("alice", "iphone"), kT0);
  const int64_t id = IngestOrDie(stores_.sqlite(), Call("alice", "initiated", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0 + 31'000);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_TRUE(claimed[0].to_send.empty());
  EXPECT_EQ(NotificationColumn(id, "outcome"), "expired");
  EXPECT_EQ(stores_.QueryText("SELECT state || '/' || last_reason FROM deliveries"),
            "skipped/expired");
}

TEST_F(DeliveryStoreTest, DeliveredOutcomeIsLoggedAndFinishesTheNotification) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  ASSERT_EQ(claimed[0].to_send.size(), 1u);
  const store::RecordResult r = Record(
      {Outcome(claimed[0].to_send[0], DeliveryState::kDelivered, 200, "", kT0 + 40)}, kT0 + 41);
  EXPECT_EQ(r.settled, 1);
  EXPECT_EQ(r.finished_notifications, 1);
  EXPECT_EQ(NotificationColumn(id, "state"), "done");
  EXPECT_EQ(NotificationColumn(id, "outcome"), "delivered");

  auto detail = Detail(id);
  ASSERT_TRUE(detail);
  EXPECT_EQ(detail->notification.outcome, domain::NotificationOutcome::kDelivered);
  ASSERT_EQ(detail->deliveries.size(), 1u);
  const domain::DeliveryRecord& d = detail->deliveries[0];
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempt_count, 1);
  EXPECT_EQ(d.last_http_status, 200);
  EXPECT_EQ(d.provider_message_id, "0f8fad5b-d9cb-469f-a165-70867728950e");
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].number, 1);
  EXPECT_EQ(d.attempts[0].started_at_ms, kT0 + 20);
  EXPECT_EQ(d.attempts[0].ended_at_ms, kT0 + 40);
  EXPECT_EQ(d.attempts[0].http_status, 200);
  EXPECT_EQ(d.attempts[0].provider_message_id, "0f8fad5b-d9cb-469f-a165-70867728950e");

  EXPECT_EQ(DeliveryCount("sending"), 0);
  EXPECT_EQ(DeliveryCount("delivered"), 1);
  EXPECT_EQ(NotificationCount("dispatching"), 0);
  EXPECT_EQ(NotificationCount("done"), 1);
}

// The first attempt's log is written as text by the store, later ones are appended by SQLite's
// json_insert: both must be the JSON SQLite itself writes, escapes included, so the status API
// reads every attempt back as it was recorded.
TEST_F(DeliveryStoreTest, FirstAttemptLogIsTheJsonSqliteWritesAndLaterAttemptsAppendToIt) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_EQ(claimed[0].to_send.size(), 1u);
  const std::string reason = "say \"hi\" \\ then\nnext\tline\x01 caf\xC3\xA9";
  DeliveryOutcome retry =
      Outcome(claimed[0].to_send[0], DeliveryState::kRetryWait, 429, reason, kT0 + 40);
  retry.next_attempt_at_ms = kT0 + 5000;
  retry.provider_message_id = "apns-\"id\"";
  retry.attempt->provider_message_id = retry.provider_message_id;
  Record({retry}, kT0 + 41);

  const int64_t delivery_id = claimed[0].to_send[0].delivery.id;
  const std::string log_sql =
      "SELECT attempts FROM deliveries WHERE id = " + std::to_string(delivery_id);
  const std::string sqlite_json = stores_.QueryText(
      "SELECT json_array(json_array(1, " + std::to_string(kT0 + 20) + ", " +
      std::to_string(kT0 + 40) +
      ", 429, 'say \"hi\" \\ then' || char(10) || 'next' || char(9) || 'line' || char(1) || "
      "' café', 'apns-\"id\"'))");
  EXPECT_EQ(stores_.QueryText(log_sql), sqlite_json);

  std::vector<ClaimedNotification> again = Claim(kT0 + 5000);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].to_send.size(), 1u);
  Record({Outcome(again[0].to_send[0], DeliveryState::kDelivered, 200, "", kT0 + 5040)},
         kT0 + 5041);
  auto detail = Detail(id);
  ASSERT_TRUE(detail);
  ASSERT_EQ(detail->deliveries.size(), 1u);
  const std::vector<domain::AttemptRecord>& attempts = detail->deliveries[0].attempts;
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].number, 1);
  EXPECT_EQ(attempts[0].started_at_ms, kT0 + 20);
  EXPECT_EQ(attempts[0].ended_at_ms, kT0 + 40);
  EXPECT_EQ(attempts[0].http_status, 429);
  EXPECT_EQ(attempts[0].reason, reason);
  EXPECT_EQ(attempts[0].provider_message_id, "apns-\"id\"");
  EXPECT_EQ(attempts[1].number, 2);
  EXPECT_EQ(attempts[1].http_status, 200);
  EXPECT_EQ(attempts[1].reason, "");
  EXPECT_EQ(attempts[1].provider_message_id, "0f8fad5b-d9cb-469f-a165-70867728950e");
}

TEST_F(DeliveryStoreTest, RetryReleasesTheLeaseAndComesBackWhenDue) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  DeliveryOutcome retry =
      Outcome(claimed[0].to_send[0], DeliveryState::kRetryWait, 503, "ServiceUnavailable", kT0);
  retry.next_attempt_at_ms = kT0 + 5000;
  const store::RecordResult r = Record({retry}, kT0 + 1);
  EXPECT_EQ(r.earliest_retry_at_ms, kT0 + 5000);
  EXPECT_EQ(NotificationColumn(id, "state"), "dispatching");
  EXPECT_EQ(NotificationColumn(id, "lease_until"), "");
  EXPECT_EQ(NotificationColumn(id, "next_attempt_at"), std::to_string(kT0 + 5000));
  EXPECT_EQ(DeliveryCount("retry_wait"), 1);

  EXPECT_TRUE(Claim(kT0 + 4999).empty());
  std::vector<ClaimedNotification> again = Claim(kT0 + 5000);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].to_send.size(), 1u);
  EXPECT_EQ(again[0].to_send[0].delivery.attempt_count, 1);
  EXPECT_EQ(again[0].to_send[0].delivery.last_reason, "ServiceUnavailable");
  EXPECT_EQ(DeliveryCount("retry_wait"), 0);
  EXPECT_EQ(DeliveryCount("sending"), 1);

  Record({Outcome(again[0].to_send[0], DeliveryState::kDelivered, 200, "", kT0 + 5050)},
         kT0 + 5051);
  auto detail = Detail(id);
  ASSERT_EQ(detail->deliveries[0].attempts.size(), 2u);
  EXPECT_EQ(detail->deliveries[0].attempts[0].reason, "ServiceUnavailable");
  EXPECT_EQ(detail->deliveries[0].attempts[1].number, 2);
  EXPECT_EQ(detail->deliveries[0].attempt_count, 2);
  EXPECT_EQ(detail->deliveries[0].last_reason, "");
  EXPECT_EQ(NotificationColumn(id, "outcome"), "delivered");
}

TEST_F(DeliveryStoreTest, NotificationWaitsForAllDeliveriesAndSumsThemUp) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  RegisterOrDie(stores_.sqlite(), Apns("alice", "ipad", std::string(64, 'b')), kT0);
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  ASSERT_EQ(claimed[0].to_send.size(), 2u);
  store::RecordResult r = Record(
      {Outcome(claimed[0].to_send[0], DeliveryState::kDelivered, 200, "", kT0 + 30)}, kT0 + 31);
  EXPECT_EQ(r.finished_notifications, 0);
  EXPECT_EQ(NotificationColumn(id, "state"), "dispatching");
  r = Record(
      {Outcome(claimed[0].to_send[1], DeliveryState::kFailed, 413, "PayloadTooLarge", kT0 + 40)},
      kT0 + 41);
  EXPECT_EQ(r.finished_notifications, 1);
  EXPECT_EQ(NotificationColumn(id, "outcome"), "partially_delivered");
}

// The engine passes the claim's delivery_count with each outcome: a batch that settles all of a
// notification's deliveries settles the notification from them; one that settles fewer (here:
// a planned-skipped sibling that was never sent) still sums up every delivery.
TEST_F(DeliveryStoreTest, BatchSettlesANotificationFromAllItsDeliveriesAndNoFewer) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  RegisterOrDie(stores_.sqlite(), Apns("alice", "ipad", std::string(64, 'b')), kT0);
  RegisterOrDie(stores_.sqlite(), Fcm("alice", "pixel", "fcm-1"), kT0);  // no provider: skipped
  RegisterOrDie(stores_.sqlite(), Apns("bob", "iphone", std::string(64, 'c')), kT0);
  RegisterOrDie(stores_.sqlite(), Apns("bob", "ipad", std::string(64, 'd')), kT0);
  const int64_t for_alice = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  const int64_t for_bob = IngestOrDie(stores_.sqlite(), Chat("bob", kT0 + 1));
  std::vector<ClaimedNotification> claimed = Claim(kT0 + 10);
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_EQ(claimed[0].notification.id, for_alice);
  EXPECT_EQ(claimed[0].delivery_count, 3);
  EXPECT_EQ(claimed[1].delivery_count, 2);
  ASSERT_EQ(claimed[0].to_send.size(), 2u);
  ASSERT_EQ(claimed[1].to_send.size(), 2u);

  std::vector<DeliveryOutcome> batch;
  for (const ClaimedNotification& c : claimed) {
    for (const store::ClaimedDelivery& d : c.to_send) {
      batch.push_back(Outcome(d, DeliveryState::kDelivered, 200, "", kT0 + 30));
      batch.back().sibling_count = c.delivery_count;
    }
  }
  // Bob's second device asks for a retry: his notification waits for it, without a lease.
  batch.back() =
      Outcome(claimed[1].to_send[1], DeliveryState::kRetryWait, 503, "Unavailable", kT0 + 30);
  batch.back().next_attempt_at_ms = kT0 + 5000;
  batch.back().sibling_count = 2;
  store::RecordResult r = Record(batch, kT0 + 31);
  EXPECT_EQ(r.settled, 4);
  EXPECT_EQ(r.finished_notifications, 1);
  EXPECT_EQ(r.earliest_retry_at_ms, kT0 + 5000);
  EXPECT_EQ(NotificationColumn(for_alice, "state"), "done");
  EXPECT_EQ(NotificationColumn(for_alice, "outcome"), "partially_delivered");  // the skipped one
  EXPECT_EQ(NotificationColumn(for_bob, "state"), "dispatching");
  EXPECT_EQ(NotificationColumn(for_bob, "next_attempt_at"), std::to_string(kT0 + 5000));
  EXPECT_EQ(NotificationColumn(for_bob, "lease_until"), "");
  EXPECT_EQ(NotificationCount("done"), 1);
  EXPECT_EQ(NotificationCount("dispatching"), 1);
}

TEST_F(DeliveryStoreTest, StaleOutcomeIsIgnored) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  const DeliveryOutcome ok =
      Outcome(claimed[0].to_send[0], DeliveryState::kDelivered, 200, "", kT0 + 30);
  EXPECT_EQ(Record({ok}, kT0 + 31).settled, 1);
  DeliveryOutcome late =
      Outcome(claimed[0].to_send[0], DeliveryState::kRetryWait, 0, "timeout", kT0 + 40);
  late.next_attempt_at_ms = kT0 + 1000;
  EXPECT_EQ(Record({late}, kT0 + 41).settled, 0);
  EXPECT_EQ(stores_.QueryText("SELECT state FROM deliveries"), "delivered");
  EXPECT_EQ(DeliveryCount("delivered"), 1);
  EXPECT_EQ(DeliveryCount("retry_wait"), 0);
}

TEST_F(DeliveryStoreTest, Apns410RetiresOnlyARegistrationOlderThanItsTimestamp) {
  // alice's iPhone registered at T0; bob's re-registered at T0 + 20 s, after APNs saw its token
  // die at T0 + 10 s (protocols.md §2.6): bob keeps his registration.
  const int64_t alice = RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  const int64_t bob =
      RegisterOrDie(stores_.sqlite(), Apns("bob", "iphone", std::string(64, 'c')), kT0 + 20'000);
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0 + 30'000));
  IngestOrDie(stores_.sqlite(), Chat("bob", kT0 + 30'000));
  std::vector<ClaimedNotification> claimed = Claim(kT0 + 30'000);
  ASSERT_EQ(claimed.size(), 2u);
  std::vector<DeliveryOutcome> outcomes;
  for (const ClaimedNotification& c : claimed) {
    DeliveryOutcome o =
        Outcome(c.to_send[0], DeliveryState::kFailed, 410, "Unregistered", kT0 + 30'050);
    o.retire_registration = true;
    o.retire_detail = "apns 410 Unregistered";
    o.retire_unless_updated_since_ms = kT0 + 10'000;
    outcomes.push_back(o);
  }
  const store::RecordResult r = Record(outcomes, kT0 + 30'100);
  EXPECT_EQ(r.retired_registrations, 1);
  const std::string where = " FROM registrations WHERE id = ";
  EXPECT_EQ(stores_.QueryText("SELECT active || '/' || inactive_reason || '/' || inactive_detail" +
                              where + std::to_string(alice)),
            "0/provider_rejected/apns 410 Unregistered");
  EXPECT_EQ(stores_.QueryInt("SELECT inactive_at" + where + std::to_string(alice)), kT0 + 30'100);
  EXPECT_EQ(stores_.QueryInt("SELECT active" + where + std::to_string(bob)), 1);
  const auto regs = stores_.sqlite().Stats().registrations_by_platform_state;
  EXPECT_EQ(regs.at("apns/active"), 1);
  EXPECT_EQ(regs.at("apns/inactive"), 1);
  // Both notifications failed; the retired one is no longer a target.
  EXPECT_EQ(NotificationCount("done"), 2);
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0 + 40'000));
  std::vector<ClaimedNotification> next = Claim(kT0 + 40'000);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].notification.outcome, domain::NotificationOutcome::kNoTargets);
}

TEST_F(DeliveryStoreTest, ExpiredCallSkippedAtSettleMarksTheNotificationExpired) {
  RegisterOrDie(stores_.sqlite(), Voip("alice", "iphone"), kT0);
  const int64_t id = IngestOrDie(stores_.sqlite(), Call("alice", "initiated", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  DeliveryOutcome o;
  o.delivery_id = claimed[0].to_send[0].delivery.id;
  o.notification_id = id;
  o.state = DeliveryState::kSkipped;
  o.reason = store::kReasonExpired;
  Record({o}, kT0 + 40'000);
  EXPECT_EQ(NotificationColumn(id, "outcome"), "expired");
  EXPECT_EQ(stores_.QueryInt("SELECT attempt_count FROM deliveries"), 0);
  EXPECT_EQ(stores_.QueryText("SELECT attempts FROM deliveries"), "");
}

TEST_F(DeliveryStoreTest, StartupReleasesEveryLeaseOfADeadProcess) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  IngestOrDie(stores_.sqlite(), Chat("alice", kT0 + 1));
  ASSERT_EQ(Claim(kT0 + 10).size(), 2u);
  // The process dies with both leased (its outcomes never written); a new one starts.
  stores_.Close();
  stores_.Open();
  EXPECT_EQ(DeliveryCount("sending"), 2);  // counted afresh at open
  EXPECT_TRUE(Claim(kT0 + 20).empty());    // still leased...
  auto released = Await<int>([&](store::Callback<int> done) {
    return stores_.deliveries().ReleaseLeasesOnStartup(kT0 + 20, std::move(done));
  });
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, 2);
  std::vector<ClaimedNotification> again = Claim(kT0 + 20);  // ...until released
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].to_send.size(), 1u);
  EXPECT_EQ(stores_.QueryInt("SELECT count(*) FROM deliveries"), 2);  // not planned twice
}

TEST_F(DeliveryStoreTest, GetNotificationIsScopedToItsApp) {
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("alice", kT0));
  auto mine = Detail(id);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->notification.state, domain::NotificationState::kQueued);
  EXPECT_EQ(mine->notification.uid, "alice");
  EXPECT_EQ(mine->notification.type, "chat");
  EXPECT_EQ(mine->notification.received_at_ms, kT0);
  EXPECT_TRUE(mine->deliveries.empty());
  EXPECT_FALSE(Detail(id, "another-app"));
  EXPECT_FALSE(Detail(id + 1000));
}

TEST_F(DeliveryStoreTest, CountersMatchTheTablesAfterMixedWork) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  RegisterOrDie(stores_.sqlite(), Fcm("alice", "pixel", "fcm-1"), kT0);
  for (int i = 0; i < 5; ++i) IngestOrDie(stores_.sqlite(), Chat("alice", kT0 + i));
  IngestOrDie(stores_.sqlite(), Chat("nobody", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0 + 10);
  std::vector<DeliveryOutcome> outcomes;
  int i = 0;
  for (const ClaimedNotification& c : claimed) {
    for (const store::ClaimedDelivery& d : c.to_send) {
      DeliveryOutcome o = Outcome(d, i % 2 ? DeliveryState::kDelivered : DeliveryState::kRetryWait,
                                  i % 2 ? 200 : 500, "InternalServerError", kT0 + 50);
      o.next_attempt_at_ms = kT0 + 1000;
      outcomes.push_back(o);
      ++i;
    }
  }
  Record(outcomes, kT0 + 60);
  auto check = [&] {
    for (const char* state :
         {"pending", "sending", "delivered", "retry_wait", "failed", "skipped"}) {
      EXPECT_EQ(DeliveryCount(state),
                stores_.QueryInt(std::string("SELECT count(*) FROM deliveries WHERE state = '") +
                                 state + "'"))
          << state;
    }
    for (const char* state : {"queued", "dispatching", "done"}) {
      EXPECT_EQ(NotificationCount(state),
                stores_.QueryInt(std::string("SELECT count(*) FROM notifications WHERE state = '") +
                                 state + "'"))
          << state;
    }
  };
  check();
  Claim(kT0 + 2000);
  check();
  stores_.Close();
  stores_.Open();
  check();
}

// ---- forward hooks ---------------------------------------------------------------------------

TEST_F(DeliveryStoreTest, HookDeliveriesNeedNoRegistrationAndAreKeyedByHook) {
  channels_.hooks = {HookRoute{"crm", {}, {}}, HookRoute{"audit", {"chat"}, {}}};
  const int64_t alert = RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), kT0);
  const int64_t lonely = IngestOrDie(stores_.sqlite(), Chat("bob", kT0));  // no devices
  const int64_t with_device = IngestOrDie(stores_.sqlite(), Chat("alice", kT0 + 1));
  std::vector<ClaimedNotification> claimed = Claim(kT0 + 10);
  ASSERT_EQ(claimed.size(), 2u);

  // bob has no registration: the two hooks are his targets, not 'no_targets'.
  const ClaimedNotification& bob = claimed[0].notification.id == lonely ? claimed[0] : claimed[1];
  ASSERT_EQ(bob.to_send.size(), 2u);
  for (const store::ClaimedDelivery& d : bob.to_send) {
    EXPECT_EQ(d.delivery.channel, domain::Channel::kWebhook);
    EXPECT_EQ(d.delivery.registration_id, 0);
    EXPECT_EQ(d.delivery.target_hint, d.delivery.hook);
    EXPECT_FALSE(d.registration.active);  // none: the engine must not read it as a device
  }
  EXPECT_EQ(NotificationColumn(lonely, "state"), "dispatching");
  EXPECT_EQ(stores_.QueryText("SELECT group_concat(hook, ',') FROM (SELECT hook FROM deliveries "
                              "WHERE notification_id = " +
                              std::to_string(lonely) + " ORDER BY hook)"),
            "audit,crm");

  // alice: her iPhone and the two hooks, three deliveries in all.
  const ClaimedNotification& a =
      claimed[0].notification.id == with_device ? claimed[0] : claimed[1];
  ASSERT_EQ(a.to_send.size(), 3u);
  int to_device = 0;
  for (const store::ClaimedDelivery& d : a.to_send) {
    if (d.delivery.hook.empty()) {
      ++to_device;
      EXPECT_EQ(d.registration.id, alert);
    }
  }
  EXPECT_EQ(to_device, 1);

  // Their lease runs out: the next claim hands out the same rows again with their hook, and
  // plans nothing twice.
  std::vector<ClaimedNotification> again = Claim(kT0 + 10 + kLeaseMs + 1);
  ASSERT_EQ(again.size(), 2u);
  for (const ClaimedNotification& c : again) {
    EXPECT_FALSE(c.first_claim);
    for (const store::ClaimedDelivery& d : c.to_send) {
      if (d.delivery.registration_id == 0) EXPECT_FALSE(d.delivery.hook.empty());
    }
  }
  EXPECT_EQ(stores_.QueryInt("SELECT count(*) FROM deliveries"), 5);
}

TEST_F(DeliveryStoreTest, HookDeliverySettlesAndShowsInTheStatusRead) {
  channels_.hooks = {HookRoute{"crm", {}, {}}};
  const int64_t id = IngestOrDie(stores_.sqlite(), Chat("bob", kT0));
  std::vector<ClaimedNotification> claimed = Claim(kT0);
  ASSERT_EQ(claimed[0].to_send.size(), 1u);
  Record({Outcome(claimed[0].to_send[0], DeliveryState::kDelivered, 204, "", kT0 + 50)}, kT0 + 50);
  EXPECT_EQ(NotificationColumn(id, "outcome"), "delivered");
  std::optional<store::NotificationDetail> detail = Detail(id);
  ASSERT_TRUE(detail.has_value());
  ASSERT_EQ(detail->deliveries.size(), 1u);
  EXPECT_EQ(detail->deliveries[0].hook, "crm");
  EXPECT_EQ(detail->deliveries[0].target_hint, "crm");
  EXPECT_EQ(detail->deliveries[0].channel, domain::Channel::kWebhook);
  EXPECT_EQ(detail->deliveries[0].last_http_status, 204);
}

}  // namespace
}  // namespace pushgate::engine::testing
