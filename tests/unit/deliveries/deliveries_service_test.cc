// The Deliveries service over a real server on 127.0.0.1:0 and a real SQLite store: every RPC,
// paging, each filter, auth, redrive, and watch (including a client that goes away).
#include "grpc/deliveries_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pushgate/v1/deliveries.grpc.pb.h"
#include "status_fixture.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;
using domain::DeliveryState;
using ::testing::HasSubstr;

constexpr int64_t kDay = 24LL * 3600 * 1000;

config::App App(std::string id, std::string key) {
  config::App app;
  app.app_id = std::move(id);
  config::ApiKey k;
  k.name = "backend-" + app.app_id;
  k.key.value = std::move(key);
  app.api_keys.push_back(std::move(k));
  return app;
}

class DeliveriesServiceTest : public store::testing::StatusFixture {
 protected:
  void SetUp() override {
    StatusFixture::SetUp();
    auth_ = std::make_unique<ApiKeyAuthenticator>(
        std::vector<config::App>{App("app1", "key-1"), App("app2", "key-2")});
    DeliveriesServiceOptions options;
    options.watch_poll_ms = 20;
    service_ = std::make_unique<DeliveriesService>(auth_.get(), status_.get(), options);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = pb::Deliveries::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_.reset();
    service_.reset();
    StatusFixture::TearDown();
  }

  static void Prepare(grpc::ClientContext* ctx, const std::string& key) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!key.empty()) ctx->AddMetadata("authorization", "Bearer " + key);
  }

  grpc::Status List(const pb::ListNotificationsRequest& req, pb::ListNotificationsResponse* resp,
                    const std::string& key = "key-1") {
    grpc::ClientContext ctx;
    Prepare(&ctx, key);
    return stub_->ListNotifications(&ctx, req, resp);
  }
  std::vector<std::string> ListIds(pb::ListNotificationsRequest req) {
    req.set_app_id("app1");
    pb::ListNotificationsResponse resp;
    grpc::Status s = List(req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> ids;
    for (const auto& n : resp.notifications()) ids.push_back(n.id());
    return ids;
  }
  static std::string Id(int64_t id) { return absl::StrCat(id); }

  std::unique_ptr<ApiKeyAuthenticator> auth_;
  std::unique_ptr<DeliveriesService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<pb::Deliveries::Stub> stub_;
};

TEST_F(DeliveriesServiceTest, ListNewestFirstWithPaging) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Seed("app1", "alice", now_ - 1000 + i, std::nullopt));
  Seed("app2", "alice", now_, std::nullopt);  // another app: never listed

  pb::ListNotificationsRequest req;
  req.set_app_id("app1");
  req.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    pb::ListNotificationsResponse resp;
    grpc::Status s = List(req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& n : resp.notifications()) {
      seen.push_back(n.id());
      EXPECT_EQ(n.app_id(), "app1");
      EXPECT_EQ(n.deliveries_size(), 0);
    }
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{Id(ids[4]), Id(ids[3]), Id(ids[2]), Id(ids[1]), Id(ids[0])}));
}

TEST_F(DeliveriesServiceTest, EveryFilter) {
  RegisterDevice("app1", "alice", 1);
  RegisterDevice("app1", "bob", 1);
  const int64_t a_old = Seed("app1", "alice", now_ - 2 * kDay, DeliveryState::kDelivered);
  const int64_t a_fail = Seed("app1", "alice", now_ - 3000, DeliveryState::kFailed);
  const int64_t b_call = Seed("app1", "bob", now_ - 2000, DeliveryState::kDelivered, "call");
  const int64_t c_queued = Seed("app1", "carol", now_ - 1000, std::nullopt);

  pb::ListNotificationsRequest r;
  r.set_uid("alice");
  EXPECT_EQ(ListIds(r), (std::vector<std::string>{Id(a_fail), Id(a_old)}));
  r.Clear();
  r.set_state(pb::NOTIFICATION_STATE_QUEUED);
  EXPECT_EQ(ListIds(r), (std::vector<std::string>{Id(c_queued)}));
  r.Clear();
  r.set_type(pb::NOTIFICATION_TYPE_CALL);
  EXPECT_EQ(ListIds(r), (std::vector<std::string>{Id(b_call)}));
  r.Clear();
  r.set_outcome(pb::NOTIFICATION_OUTCOME_FAILED);
  EXPECT_EQ(ListIds(r), (std::vector<std::string>{Id(a_fail)}));
  r.Clear();
  r.set_outcome(pb::NOTIFICATION_OUTCOME_DELIVERED);
  EXPECT_EQ(ListIds(r), (std::vector<std::string>{Id(b_call), Id(a_old)}));
  r.Clear();
  r.mutable_start_time()->set_seconds((now_ - kDay) / 1000);
  EXPECT_EQ(ListIds(r), (std::vector<std::string>{Id(c_queued), Id(b_call), Id(a_fail)}));
  r.mutable_end_time()->set_seconds((now_ - 1500) / 1000);
  r.set_uid("alice");
  EXPECT_EQ(ListIds(r), (std::vector<std::string>{Id(a_fail)}));
}

TEST_F(DeliveriesServiceTest, InvalidArgumentsNameTheField) {
  struct Case {
    std::function<void(pb::ListNotificationsRequest&)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto& r) { r.set_page_size(-1); }, "page_size"},
      {[](auto& r) { r.set_page_token("!!"); }, "page_token"},
      {[](auto& r) { r.set_state(static_cast<pb::NotificationState>(42)); }, "state"},
      {[](auto& r) { r.set_type(static_cast<pb::NotificationType>(42)); }, "type"},
      {[](auto& r) { r.set_outcome(static_cast<pb::NotificationOutcome>(42)); }, "outcome"},
      {[](auto& r) {
         r.mutable_start_time()->set_seconds(100);
         r.mutable_end_time()->set_seconds(50);
       },
       "end_time"},
      {[](auto& r) { r.mutable_start_time()->set_nanos(-1); }, "start_time"},
  };
  for (const Case& c : cases) {
    pb::ListNotificationsRequest r;
    r.set_app_id("app1");
    c.mutate(r);
    pb::ListNotificationsResponse resp;
    grpc::Status s = List(r, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
  }
  pb::RetryNotificationRequest retry;
  retry.set_app_id("app1");
  pb::RetryNotificationResponse rr;
  grpc::ClientContext ctx;
  Prepare(&ctx, "key-1");
  grpc::Status s = stub_->RetryNotification(&ctx, retry, &rr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("since"));
  pb::GetStatsRequest stats;
  stats.set_app_id("app1");
  stats.set_window_seconds(-5);
  pb::GetStatsResponse sr;
  grpc::ClientContext ctx2;
  Prepare(&ctx2, "key-1");
  s = stub_->GetStats(&ctx2, stats, &sr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("window_seconds"));
}

TEST_F(DeliveriesServiceTest, AuthMissingKeyAndOtherAppsKey) {
  const int64_t id = Seed("app1", "alice", now_, std::nullopt);
  for (const auto& [key, code] : std::vector<std::pair<std::string, grpc::StatusCode>>{
           {"", grpc::StatusCode::UNAUTHENTICATED},
           {"nope", grpc::StatusCode::UNAUTHENTICATED},
           {"key-2", grpc::StatusCode::PERMISSION_DENIED}}) {
    {
      pb::ListNotificationsRequest r;
      r.set_app_id("app1");
      pb::ListNotificationsResponse resp;
      EXPECT_EQ(List(r, &resp, key).error_code(), code) << key;
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::GetStatsRequest r;
      r.set_app_id("app1");
      pb::GetStatsResponse resp;
      EXPECT_EQ(stub_->GetStats(&ctx, r, &resp).error_code(), code) << key;
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::RetryNotificationRequest r;
      r.set_app_id("app1");
      r.set_id(Id(id));
      pb::RetryNotificationResponse resp;
      EXPECT_EQ(stub_->RetryNotification(&ctx, r, &resp).error_code(), code) << key;
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::WatchNotificationsRequest r;
      r.set_app_id("app1");
      auto reader = stub_->WatchNotifications(&ctx, r);
      pb::NotificationEvent e;
      while (reader->Read(&e)) {
      }
      EXPECT_EQ(reader->Finish().error_code(), code) << key;
    }
    {
      grpc::ClientContext ctx;
      Prepare(&ctx, key);
      pb::GetNotificationRequest r;
      r.set_app_id("app1");
      r.set_id(Id(id));
      pb::Notification resp;
      EXPECT_EQ(stub_->GetNotification(&ctx, r, &resp).error_code(), code) << key;
    }
  }
  // app2's key sees app2 only: app1's notification is unknown there.
  grpc::ClientContext ctx;
  Prepare(&ctx, "key-2");
  pb::GetNotificationRequest r;
  r.set_app_id("app2");
  r.set_id(Id(id));
  pb::Notification resp;
  EXPECT_EQ(stub_->GetNotification(&ctx, r, &resp).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(DeliveriesServiceTest, Stats) {
  RegisterDevice("app1", "alice", 1);
  RegisterDevice("app1", "alice", 2);
  Seed("app1", "alice", now_ - 60'000, DeliveryState::kDelivered);
  Seed("app1", "alice", now_ - 30'000, DeliveryState::kFailed);
  Seed("app1", "alice", now_ - 3 * 3600'000LL, DeliveryState::kFailed);  // outside 1 h
  Seed("app1", "bob", now_ - 10'000, std::nullopt);                      // queued

  grpc::ClientContext ctx;
  Prepare(&ctx, "key-1");
  pb::GetStatsRequest req;
  req.set_app_id("app1");
  pb::GetStatsResponse resp;
  grpc::Status s = stub_->GetStats(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto as_map = [](const auto& counts) {
    std::map<std::string, int64_t> m;
    for (const auto& c : counts) m[c.key()] = c.count();
    return m;
  };
  EXPECT_EQ(as_map(resp.notifications_by_state()),
            (std::map<std::string, int64_t>{{"queued", 1}, {"dispatching", 0}, {"done", 2}}));
  EXPECT_EQ(as_map(resp.deliveries_by_state()),
            (std::map<std::string, int64_t>{{"delivered", 2}, {"failed", 2}}));
  EXPECT_EQ(as_map(resp.deliveries_by_channel()), (std::map<std::string, int64_t>{{"log", 4}}));
  EXPECT_EQ(as_map(resp.deliveries_by_reason()),
            (std::map<std::string, int64_t>{{"", 2}, {"BadDeviceToken", 2}}));
  EXPECT_EQ(resp.queue_depth(), 1);
  EXPECT_GE(resp.oldest_waiting_age_seconds(), 9);
  EXPECT_LE(resp.oldest_waiting_age_seconds(), 60);

  // A wider window counts the old one too.
  grpc::ClientContext ctx2;
  Prepare(&ctx2, "key-1");
  req.set_window_seconds(24 * 3600);
  ASSERT_TRUE(stub_->GetStats(&ctx2, req, &resp).ok());
  EXPECT_EQ(as_map(resp.notifications_by_state())["done"], 3);
}

TEST_F(DeliveriesServiceTest, RetryByIdAndSince) {
  RegisterDevice("app1", "alice", 1);
  RegisterDevice("app1", "alice", 2);
  const int64_t failed = Seed("app1", "alice", now_ - 5000, DeliveryState::kFailed);
  const int64_t old_failed = Seed("app1", "alice", now_ - 2 * kDay, DeliveryState::kFailed);
  Seed("app1", "alice", now_ - 4000, DeliveryState::kDelivered);
  ExpectCountersExact();

  auto retry = [&](pb::RetryNotificationRequest req, const std::string& key = "key-1") {
    req.set_app_id("app1");
    grpc::ClientContext ctx;
    Prepare(&ctx, key);
    pb::RetryNotificationResponse resp;
    grpc::Status s = stub_->RetryNotification(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.redriven_count();
  };
  pb::RetryNotificationRequest by_id;
  by_id.set_id(Id(failed));
  EXPECT_EQ(retry(by_id), 2);
  ExpectCountersExact();
  auto detail = status_->GetNotification("app1", failed);
  ASSERT_TRUE(detail.ok() && detail->has_value());
  EXPECT_EQ((*detail)->notification.state, domain::NotificationState::kDispatching);
  EXPECT_EQ((*detail)->notification.outcome, domain::NotificationOutcome::kNone);
  EXPECT_LE((*detail)->notification.next_attempt_at_ms, absl::ToUnixMillis(absl::Now()));
  for (const auto& d : (*detail)->deliveries) {
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.attempt_count, 0);
    EXPECT_EQ(d.attempts.size(), 1u);  // the log is kept
  }
  EXPECT_EQ(retry(by_id), 0);  // nothing failed any more

  // The engine claims it again: the redriven deliveries come back as due.
  store::ClaimRequest claim;
  claim.now_ms = absl::ToUnixMillis(absl::Now()) + 10;
  claim.planner = [](const domain::NotificationRecord&, const std::vector<domain::Registration>&,
                     int64_t) { return std::vector<store::PlannedDelivery>(); };
  auto claimed = store::testing::Await<std::vector<store::ClaimedNotification>>(
      [&](store::Callback<std::vector<store::ClaimedNotification>> done) {
        return deliveries_->ClaimDue(claim, std::move(done));
      });
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].notification.id, failed);
  ASSERT_EQ((*claimed)[0].to_send.size(), 2u);
  for (const store::ClaimedDelivery& d : (*claimed)[0].to_send) {
    EXPECT_EQ(d.delivery.attempt_count, 0);    // the budget starts again
    EXPECT_EQ(d.delivery.attempts_logged, 1);  // the numbering does not: the next is 2
  }

  pb::RetryNotificationRequest since;
  since.mutable_since()->set_seconds((now_ - 3 * kDay) / 1000);
  EXPECT_EQ(retry(since), 2);  // old_failed's two; the redriven one is no longer failed
  ExpectCountersExact();
  (void)old_failed;
}

TEST_F(DeliveriesServiceTest, WatchStreamsChangesAndReleasesOnDisconnect) {
  Seed("app1", "alice", now_ - 5000, std::nullopt);  // before the watch: not streamed
  grpc::ClientContext ctx;
  Prepare(&ctx, "key-1");
  pb::WatchNotificationsRequest req;
  req.set_app_id("app1");
  req.set_uid("bob");
  auto reader = stub_->WatchNotifications(&ctx, req);
  // The stream is registered once the server saw the call.
  for (int i = 0; i < 200 && service_->active_watchers() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(service_->active_watchers(), 1);
  Seed("app1", "alice", now_ + 1000, std::nullopt);  // another uid: filtered out
  Seed("app2", "bob", now_ + 1000, std::nullopt);    // another app: filtered out
  RegisterDevice("app1", "bob", 1);
  const int64_t id = Seed("app1", "bob", now_ + 2000, DeliveryState::kDelivered);

  pb::NotificationEvent e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.notification_id(), Id(id));
  EXPECT_EQ(e.uid(), "bob");
  // Ingest, claim and settle may land in one poll or several; the last event of the
  // notification itself says done/delivered.
  bool saw_delivery = e.has_delivery();
  pb::NotificationEvent last = e;
  while (!(last.state() == pb::NOTIFICATION_STATE_DONE && !last.has_delivery())) {
    ASSERT_TRUE(reader->Read(&last));
    EXPECT_EQ(last.notification_id(), Id(id));
    saw_delivery |= last.has_delivery();
  }
  EXPECT_EQ(last.outcome(), pb::NOTIFICATION_OUTCOME_DELIVERED);
  EXPECT_TRUE(saw_delivery);

  // The client goes away: the server releases the stream.
  ctx.TryCancel();
  while (reader->Read(&e)) {
  }
  reader->Finish();
  for (int i = 0; i < 300 && service_->active_watchers() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(service_->active_watchers(), 0);
}

// A watcher with more events waiting than its buffer holds is ended with a status that says
// so, rather than shown a stream with transitions missing.
TEST_F(DeliveriesServiceTest, AWatcherThatFallsBehindIsEndedWithResourceExhausted) {
  DeliveriesServiceOptions options;
  options.watch_poll_ms = 300;  // the seeds below land in one poll
  options.watch_queue_limit = 2;
  DeliveriesService service(auth_.get(), status_.get(), options);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = pb::Deliveries::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  Prepare(&ctx, "key-1");
  pb::WatchNotificationsRequest req;
  req.set_app_id("app1");
  auto reader = stub->WatchNotifications(&ctx, req);
  for (int i = 0; i < 200 && service.active_watchers() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(service.active_watchers(), 1);
  for (int i = 0; i < 5; ++i) Seed("app1", "alice", now_ + 1000 + i, std::nullopt);
  pb::NotificationEvent e;
  int read = 0;
  while (reader->Read(&e)) ++read;
  const grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_NE(s.error_message().find("fell behind"), std::string::npos) << s.error_message();
  EXPECT_LE(read, 2);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

TEST_F(DeliveriesServiceTest, WatchSeesAChangeCommittedAfterANewerOne) {
  grpc::ClientContext ctx;
  Prepare(&ctx, "key-1");
  pb::WatchNotificationsRequest req;
  req.set_app_id("app1");
  auto reader = stub_->WatchNotifications(&ctx, req);
  for (int i = 0; i < 200 && service_->active_watchers() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int64_t newer = Seed("app1", "alice", now_ + 5000, std::nullopt);
  pb::NotificationEvent e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.notification_id(), Id(newer));
  // Stamped earlier, committed later (as a slow writer batch would): still streamed, once.
  const int64_t late = Seed("app1", "alice", now_ + 4000, std::nullopt);
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.notification_id(), Id(late));
  const int64_t last = Seed("app1", "alice", now_ + 6000, std::nullopt);
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.notification_id(), Id(last));  // nothing repeated in between
  ctx.TryCancel();
  while (reader->Read(&e)) {
  }
  reader->Finish();
}

}  // namespace
}  // namespace pushgate::grpc_api
