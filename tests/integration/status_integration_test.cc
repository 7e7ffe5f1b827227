// Delivery status through the real binary on its demo defaults (the log channel): a chat
// fixture in through the webhook, then list, stats, watch (and a watcher that goes away before
// a clean shutdown) and retry through pushgate_client.
#include <atomic>
#include <chrono>
#include <thread>

#include "gtest/gtest.h"
#include "harness.h"
#include "nlohmann/json.hpp"
#include "pushgate_client.h"

namespace pushgate::testing {
namespace {

namespace v1 = pushgate::v1;
using nlohmann::json;

class StatusIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PushgateProcess::Options options;
    options.data_dir = dir_.path() + "/data";  // no config: the embedded demo defaults
    server_ = PushgateProcess::Start(options);
    ASSERT_NE(server_, nullptr);
    const json creds = json::parse(ReadFile(options.data_dir + "/demo-credentials.json"));
    api_key_ = creds["api_key"].get<std::string>();
    webhook_password_ = creds["webhook_password"].get<std::string>();
    client::ClientOptions c;
    c.address = server_->grpc_address();
    c.api_key = api_key_;
    client_ = client::PushgateClient::Connect(c);
  }

  std::string PostChat(const std::string& message_id) {
    json doc = json::parse(Fixture("chat"));
    doc["data"]["notificationDetails"]["message"]["id"] = message_id;
    HttpResult r = PostWebhook(*server_, doc.dump(), "cometchat", webhook_password_);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false).value("id", "");
  }

  v1::Notification WaitDone(const std::string& id) {
    v1::GetNotificationRequest req;
    req.set_app_id("app123");
    req.set_id(id);
    v1::Notification n;
    for (int i = 0; i < 300; ++i) {
      auto got = client_->GetNotification(req);
      if (got.ok()) n = *got;
      if (n.state() == v1::NOTIFICATION_STATE_DONE) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return n;
  }

  TempDir dir_;
  std::unique_ptr<PushgateProcess> server_;
  std::string api_key_, webhook_password_;
  std::unique_ptr<client::PushgateClient> client_;
};

TEST_F(StatusIntegrationTest, ChatFixtureIsListedCountedWatchedAndRetried) {
  v1::RegisterTokenRequest reg;
  reg.set_app_id("app123");
  reg.set_uid("cometchat-uid-2");
  reg.set_session_id("phone-1");
  reg.set_platform(v1::PLATFORM_FCM);
  reg.set_token("fcm-token-of-cometchat-uid-2-0123456789");
  ASSERT_TRUE(client_->RegisterToken(reg).ok());

  const std::string first = PostChat("m-1");
  v1::Notification n = WaitDone(first);
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED);
  ASSERT_EQ(n.deliveries_size(), 1);
  EXPECT_EQ(n.deliveries(0).channel(), v1::CHANNEL_LOG);

  // Watch from another thread while a second notification goes through.
  std::atomic<bool> saw_done{false};
  std::string second;
  std::atomic<bool> posted{false};
  std::thread watcher([&] {
    v1::WatchNotificationsRequest w;
    w.set_app_id("app123");
    absl::Status s = client_->WatchNotifications(w, [&](const v1::NotificationEvent& e) {
      if (posted && e.notification_id() == second && !e.has_delivery() &&
          e.state() == v1::NOTIFICATION_STATE_DONE) {
        saw_done = true;
        return false;  // the client goes away
      }
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  second = PostChat("m-2");
  posted = true;
  watcher.join();
  EXPECT_TRUE(saw_done);

  v1::ListNotificationsRequest list;
  list.set_app_id("app123");
  list.set_page_size(1);
  auto page = client_->ListNotifications(list);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->notifications_size(), 1);
  EXPECT_EQ(page->notifications(0).id(), second);  // newest first
  list.set_page_token(page->next_page_token());
  page = client_->ListNotifications(list);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->notifications_size(), 1);
  EXPECT_EQ(page->notifications(0).id(), first);
  EXPECT_TRUE(page->next_page_token().empty());

  v1::GetStatsRequest stats_req;
  stats_req.set_app_id("app123");
  auto stats = client_->GetStats(stats_req);
  ASSERT_TRUE(stats.ok()) << stats.status();
  int64_t delivered = 0;
  for (const auto& c : stats->deliveries_by_state()) {
    if (c.key() == "delivered") delivered = c.count();
  }
  EXPECT_EQ(delivered, 2);
  EXPECT_EQ(stats->queue_depth(), 0);

  v1::RetryNotificationRequest retry;
  retry.set_app_id("app123");
  retry.set_id(first);
  auto redriven = client_->RetryNotification(retry);
  ASSERT_TRUE(redriven.ok()) << redriven.status();
  EXPECT_EQ(redriven->redriven_count(), 0);  // nothing failed

  // A watcher still connected does not prevent a clean shutdown (gRPC cancels it after the
  // server's shutdown grace).
  std::thread lingering([&] {
    v1::WatchNotificationsRequest w;
    w.set_app_id("app123");
    (void)client_->WatchNotifications(w, [](const v1::NotificationEvent&) { return true; });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server_->Terminate(), 0);
  lingering.join();
}

}  // namespace
}  // namespace pushgate::testing
