// The Engine over a real SQLite store with scripted providers: sending, retrying, giving up,
// retiring dead tokens, config errors, call expiry, a clean stop and a crash.
#include "engine/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "engine_test_util.h"
#include "providers/log_provider.h"
#include "store/delivery_summary.h"

namespace pushgate::engine::testing {
namespace {

using providers::Outcome;
using providers::SendResult;

constexpr int64_t kNoTimestamp = 0;

// A provider whose answers a test scripts. Answers come from a thread of its own (like the
// HTTP/2 client's) unless `inline_answers`, and can be held back to keep deliveries in flight.
class FakeProvider final : public providers::Provider {
 public:
  struct Seen {
    std::string token;
    std::string attempt_id;
    int64_t notification_id = 0;
    std::string title;
  };

  FakeProvider() : worker_([this] { Work(); }) {}
  ~FakeProvider() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  void Send(const providers::SendRequest& r, std::function<void(SendResult)> done) override {
    SendResult result;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(Seen{r.registration.input.token, r.attempt_id,
                           r.content ? r.content->notification_id : 0,
                           r.content ? r.content->title : ""});
      ++outstanding_;
      max_outstanding_ = std::max(max_outstanding_, outstanding_);
      result = script_.empty() ? Delivered() : script_.front();
      if (!script_.empty() && script_.size() > 1) script_.pop_front();
      if (hold_) {
        held_.push_back([done, result] { done(result); });
        return;
      }
      if (!inline_answers_) {
        queue_.push_back([done, result] { done(result); });
        cv_.notify_all();
        return;
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      --outstanding_;
    }
    done(result);
  }

  static SendResult Delivered() {
    SendResult r;
    r.outcome = Outcome::kDelivered;
    r.http_status = 200;
    r.provider_message_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
    return r;
  }
  static SendResult Answer(Outcome o, int status, std::string reason,
                           int64_t invalid_since = kNoTimestamp) {
    SendResult r;
    r.outcome = o;
    r.http_status = status;
    r.reason = std::move(reason);
    r.token_invalid_since_ms = invalid_since;
    return r;
  }

  // Answers in order; the last one repeats.
  void Script(std::vector<SendResult> answers) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
  }
  void ReleaseHeld() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& f : held) f();
  }
  // What Http2Client::Shutdown does to requests in flight.
  void FailHeld() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    // The held callbacks carry their scripted result; a shutdown answers "shutdown" instead,
    // which the engine must drop. Calling them shows it does not record them.
    for (auto& f : held) f();
  }
  void SetInline(bool v) {
    std::lock_guard<std::mutex> lock(mu_);
    inline_answers_ = v;
  }
  std::vector<Seen> seen() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  int max_outstanding() const {
    std::lock_guard<std::mutex> lock(mu_);
    return max_outstanding_;
  }
  size_t held() const {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::function<void()> f = std::move(queue_.front());
      queue_.pop_front();
      --outstanding_;
      lock.unlock();
      f();
      lock.lock();
    }
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SendResult> script_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::function<void()>> held_;
  std::vector<Seen> seen_;
  bool hold_ = false;
  bool inline_answers_ = false;
  int outstanding_ = 0;  // sent, not yet answered (queued or held answers count)
  int max_outstanding_ = 0;
  bool stop_ = false;
  std::thread worker_;
};

class FakeProviderSet final : public ProviderSet {
 public:
  // `hooks` answers for every forward hook in `hook_routes`.
  FakeProviderSet(FakeProvider* apns, providers::Provider* log, FakeProvider* hooks = nullptr,
                  std::vector<HookRoute> hook_routes = {})
      : apns_(apns), log_(log), hooks_(hooks) {
    channels_.apns = apns != nullptr;
    channels_.log_channel = log != nullptr;
    channels_.hooks = std::move(hook_routes);
  }
  providers::Provider* Find(const std::string& app, domain::Channel channel) override {
    if (app != kApp) return nullptr;
    if (channel == domain::Channel::kApns || channel == domain::Channel::kApnsVoip) return apns_;
    if (channel == domain::Channel::kLog) return log_;
    if (channel == domain::Channel::kWebhook) return hooks_;
    return nullptr;
  }
  AppChannels ChannelsOf(const std::string& app) const override {
    return app == kApp ? channels_ : AppChannels{};
  }
  void Shutdown() override {
    shut_down = true;
    if (apns_) apns_->FailHeld();
    if (hooks_) hooks_->FailHeld();
  }
  std::atomic<bool> shut_down{false};

 private:
  FakeProvider* apns_;
  providers::Provider* log_;
  FakeProvider* hooks_;
  AppChannels channels_;
};

bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : stores_(dir_.path()) {
    config_.max_attempts = 3;
    config_.initial_backoff_ms = 10;
    config_.max_backoff_seconds = 1;
    config_.poll_interval_ms = 20;
    config_.lease_seconds = 60;
    config_.call_expiry_seconds = 30;
  }
  ~EngineTest() override {
    if (engine_) engine_->Stop();
  }

  void StartEngine(bool with_log = false, absl::Duration grace = absl::Seconds(5)) {
    EngineOptions options;
    options.config = config_;
    options.stop_grace = grace;
    if (clock_) options.now_ms = [this] { return clock_->load(); };
    auto set = std::make_unique<FakeProviderSet>(&apns_, with_log ? &log_ : nullptr, &hooks_,
                                                 hook_routes_);
    set_ = set.get();
    // A registry per engine, as per process: a second engine's gauge callbacks would clash.
    registries_.push_back(std::make_unique<metrics::Registry>());
    engine_ = std::make_unique<Engine>(std::move(options), &stores_.deliveries(), std::move(set),
                                       registries_.back().get());
    ASSERT_TRUE(engine_->Start().ok());
  }

  int64_t Now() const { return clock_ ? clock_->load() : absl::ToUnixMillis(absl::Now()); }

  int64_t Ingest(const domain::NewNotification& n) {
    const int64_t id = IngestOrDie(stores_.sqlite(), n);
    if (engine_) engine_->Notify();
    return id;
  }

  std::string Column(int64_t id, const std::string& column) {
    return stores_.QueryText("SELECT " + column +
                             " FROM notifications WHERE id = " + std::to_string(id));
  }
  bool WaitDone(int64_t id) {
    return WaitFor([&] { return Column(id, "state") == "done"; });
  }
  store::NotificationDetail Detail(int64_t id) {
    auto r = stores_.status().GetNotification(kApp, id);
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && r->has_value() ? **r : store::NotificationDetail();
  }

  TempDir dir_;
  TestStores stores_;
  config::EngineConfig config_;
  std::vector<std::unique_ptr<metrics::Registry>> registries_;
  FakeProvider apns_;
  FakeProvider hooks_;  // every forward hook in hook_routes_
  std::vector<HookRoute> hook_routes_;
  providers::LogProvider log_;
  FakeProviderSet* set_ = nullptr;
  std::unique_ptr<std::atomic<int64_t>> clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, DeliversAChatAndRecordsTheAttempt) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine();
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "delivered");
  const auto seen = apns_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].token, kAlertToken);
  EXPECT_EQ(seen[0].notification_id, id);
  EXPECT_EQ(seen[0].title, "Andrew Joseph");  // parsed from the stored payload
  const store::NotificationDetail d = Detail(id);
  ASSERT_EQ(d.deliveries.size(), 1u);
  EXPECT_EQ(seen[0].attempt_id, std::to_string(d.deliveries[0].id) + "-1");
  EXPECT_EQ(d.deliveries[0].state, domain::DeliveryState::kDelivered);
  EXPECT_EQ(d.deliveries[0].provider_message_id, "0f8fad5b-d9cb-469f-a165-70867728950e");
  ASSERT_EQ(d.deliveries[0].attempts.size(), 1u);
  EXPECT_LE(d.deliveries[0].attempts[0].started_at_ms, d.deliveries[0].attempts[0].ended_at_ms);
  EXPECT_TRUE(WaitFor([&] { return engine_->Stats().recorded == 1; }));
  const std::string text = registries_.back()->Render();
  EXPECT_TRUE(
      absl::StrContains(text, "pushgate_pushes_total{channel=\"apns\",outcome=\"delivered\"} 1"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "pushgate_deliveries{state=\"delivered\"} 1")) << text;
}

TEST_F(EngineTest, InlineAnswersWork) {
  apns_.SetInline(true);
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine();
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "delivered");
}

TEST_F(EngineTest, ManyNotificationsAreAllDeliveredOnce) {
  config_.claim_batch = 7;  // several claims, some of them full
  config_.max_in_flight = 5;
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  RegisterOrDie(stores_.sqlite(), Apns("alice", "ipad", std::string(64, 'b')), Now());
  StartEngine();
  std::vector<int64_t> ids;
  for (int i = 0; i < 60; ++i) ids.push_back(Ingest(Chat("alice", Now())));
  ASSERT_TRUE(WaitFor([&] {
    return stores_.QueryInt("SELECT count(*) FROM notifications WHERE state = 'done'") == 60;
  }));
  EXPECT_EQ(apns_.seen().size(), 120u);
  EXPECT_LE(apns_.max_outstanding(), 5);  // max_in_flight
  EXPECT_EQ(stores_.QueryInt("SELECT count(*) FROM deliveries WHERE state = 'delivered'"), 120);
  EXPECT_EQ(stores_.deliveries().DeliveryCounts()["delivered"], 120);
}

TEST_F(EngineTest, RetriesATransientErrorThenDelivers) {
  apns_.Script({FakeProvider::Answer(Outcome::kRetry, 503, "ServiceUnavailable"),
                FakeProvider::Answer(Outcome::kRetry, 0, "timeout"), FakeProvider::Delivered()});
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine();
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "delivered");
  const store::NotificationDetail d = Detail(id);
  ASSERT_EQ(d.deliveries[0].attempts.size(), 3u);
  EXPECT_EQ(d.deliveries[0].attempts[0].http_status, 503);
  EXPECT_EQ(d.deliveries[0].attempts[0].reason, "ServiceUnavailable");
  EXPECT_EQ(d.deliveries[0].attempts[1].reason, "timeout");
  EXPECT_EQ(d.deliveries[0].attempts[2].http_status, 200);
  const auto seen = apns_.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].attempt_id, std::to_string(d.deliveries[0].id) + "-3");
}

TEST_F(EngineTest, GivesUpAfterMaxAttempts) {
  apns_.Script({FakeProvider::Answer(Outcome::kRetry, 500, "InternalServerError")});
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine();
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "failed");
  const store::NotificationDetail d = Detail(id);
  EXPECT_EQ(d.deliveries[0].state, domain::DeliveryState::kFailed);
  EXPECT_EQ(d.deliveries[0].last_reason, kReasonMaxAttempts);
  EXPECT_EQ(d.deliveries[0].attempt_count, 3);
  EXPECT_EQ(apns_.seen().size(), 3u);
}

TEST_F(EngineTest, DeadTokenIsRetiredAndNotTriedAgain) {
  const int64_t reg = RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now() - 60'000);
  apns_.Script({FakeProvider::Answer(Outcome::kTokenDead, 410, "Unregistered", Now() - 1000)});
  StartEngine();
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "failed");
  EXPECT_EQ(stores_.QueryText("SELECT inactive_reason || '/' || inactive_detail FROM "
                              "registrations WHERE id = " +
                              std::to_string(reg)),
            "provider_rejected/apns 410 Unregistered");
  const int64_t next = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitDone(next));
  EXPECT_EQ(Column(next, "outcome"), "no_targets");
  EXPECT_EQ(apns_.seen().size(), 1u);
}

TEST_F(EngineTest, ConfigErrorKeepsTheTokenAlertsAndRetriesLater) {
  apns_.Script({FakeProvider::Answer(Outcome::kConfigError, 403, "InvalidProviderToken")});
  const int64_t reg = RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine();
  const int64_t start = Now();
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(
      WaitFor([&] { return stores_.QueryText("SELECT state FROM deliveries") == "retry_wait"; }));
  EXPECT_GE(stores_.QueryInt("SELECT next_attempt_at FROM deliveries"), start + 60'000);
  EXPECT_EQ(Column(id, "state"), "dispatching");
  EXPECT_EQ(Column(id, "lease_until"), "");
  EXPECT_EQ(stores_.QueryInt("SELECT active FROM registrations WHERE id = " + std::to_string(reg)),
            1);
  EXPECT_TRUE(
      absl::StrContains(registries_.back()->Render(),
                        "pushgate_provider_config_errors_total{app=\"app1\",channel=\"apns\"} 1"));
}

TEST_F(EngineTest, RingingCallGoesToTheVoipToken) {
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  RegisterOrDie(stores_.sqlite(), Voip("alice", "iphone"), Now());
  StartEngine();
  const int64_t id = Ingest(Call("alice", "initiated", Now()));
  ASSERT_TRUE(WaitDone(id));
  const auto seen = apns_.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].token, kVoipToken);
  EXPECT_EQ(Detail(id).deliveries[0].channel, domain::Channel::kApnsVoip);
}

TEST_F(EngineTest, CallClaimedBeforeACrashIsNotSentAfterItsExpiry) {
  clock_ = std::make_unique<std::atomic<int64_t>>(1'741'847'453'000);
  RegisterOrDie(stores_.sqlite(), Voip("alice", "iphone"), Now());
  const int64_t id = IngestOrDie(stores_.sqlite(), Call("alice", "initiated", Now()));
  // A previous process claimed it (planned, leased) and died before sending.
  store::ClaimRequest claim;
  claim.now_ms = Now();
  claim.planner = [](const domain::NotificationRecord& n,
                     const std::vector<domain::Registration>& active, int64_t now) {
    AppChannels c;
    c.apns = true;
    return PlanDeliveries(n, active, c, PlanOptions{30}, now);
  };
  auto claimed = Await<std::vector<store::ClaimedNotification>>(
      [&](auto done) { return stores_.deliveries().ClaimDue(claim, std::move(done)); });
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->at(0).to_send.size(), 1u);
  *clock_ += 31'000;  // the restart comes after the call stopped ringing
  StartEngine();
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "expired");
  EXPECT_EQ(stores_.QueryText("SELECT state || '/' || last_reason FROM deliveries"),
            "skipped/expired");
  EXPECT_TRUE(apns_.seen().empty());
}

TEST_F(EngineTest, LogChannelDeliversForAppsWithoutProviders) {
  RegisterOrDie(stores_.sqlite(), Fcm("alice", "pixel", "fcm-token-1"), Now());
  StartEngine(/*with_log=*/true);
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "delivered");
  const store::NotificationDetail d = Detail(id);
  EXPECT_EQ(d.deliveries[0].channel, domain::Channel::kLog);
  EXPECT_EQ(d.deliveries[0].provider_message_id,
            "log-" + std::to_string(d.deliveries[0].id) + "-1");
}

TEST_F(EngineTest, StopLetsDeliveriesInFlightFinishAndRecordsThem) {
  apns_.Hold(true);
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine();
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitFor([&] { return apns_.held() == 1; }));
  std::thread stopper([&] { engine_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(set_->shut_down);  // still waiting for the answer
  apns_.ReleaseHeld();
  stopper.join();
  EXPECT_TRUE(set_->shut_down);
  EXPECT_EQ(Column(id, "outcome"), "delivered");
}

TEST_F(EngineTest, AfterTheGraceADeliveryStaysLeasedAndTheNextStartSendsIt) {
  apns_.Hold(true);
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine(false, absl::Milliseconds(100));
  const int64_t id = Ingest(Chat("alice", Now()));
  ASSERT_TRUE(WaitFor([&] { return apns_.held() == 1; }));
  engine_->Stop();  // the held answer arrives during Shutdown, too late: dropped
  EXPECT_EQ(stores_.QueryText("SELECT state FROM deliveries"), "sending");
  EXPECT_EQ(Column(id, "state"), "dispatching");
  EXPECT_NE(Column(id, "lease_until"), "");
  // Restart: the lease is released at start, and the delivery goes out again.
  apns_.Hold(false);
  engine_.reset();
  StartEngine();
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "delivered");
  const auto seen = apns_.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].attempt_id, seen[1].attempt_id);  // the same attempt, sent again
}

TEST_F(EngineTest, NoRegistrationsMeansNoTargets) {
  StartEngine();
  const int64_t id = Ingest(Chat("nobody", Now()));
  ASSERT_TRUE(WaitDone(id));
  EXPECT_EQ(Column(id, "outcome"), "no_targets");
  EXPECT_TRUE(apns_.seen().empty());
}

TEST_F(EngineTest, ASlowForwardHookCannotStarveDevicePushes) {
  config_.max_in_flight = 8;  // hooks may hold HookInFlightCap(8) = 2 of them
  hook_routes_ = {HookRoute{"crm", {}, {}}};
  hooks_.Hold(true);  // the receiver never answers
  RegisterOrDie(stores_.sqlite(), Apns("alice", "iphone"), Now());
  StartEngine();
  std::vector<int64_t> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(Ingest(Chat("alice", Now())));
  }
  // Every iPhone push goes out although twelve hook requests hang.
  ASSERT_TRUE(WaitFor([&] { return apns_.seen().size() == ids.size(); }))
      << apns_.seen().size() << " of " << ids.size() << " pushes sent";
  EXPECT_EQ(hooks_.max_outstanding(), HookInFlightCap(8));
  // When the receiver answers, the waiting hook deliveries go out and everything finishes.
  hooks_.Hold(false);
  hooks_.ReleaseHeld();
  for (int64_t id : ids) {
    ASSERT_TRUE(WaitDone(id)) << id;
    EXPECT_EQ(Column(id, "outcome"), "delivered");
  }
  EXPECT_EQ(hooks_.seen().size(), ids.size());
}

}  // namespace
}  // namespace pushgate::engine::testing
