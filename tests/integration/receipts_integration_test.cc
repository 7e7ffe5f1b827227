// Device receipts through the real binary: every device push carries its push id (APNs payload
// and apns-id, FCM data, Web Push data) as the Node fakes receive it, the app's backend reports
// receipts with Receipts.ReportReceipt, and Deliveries, GetStats and /metrics show them.
#include <grpcpp/grpcpp.h>

#include <map>
#include <set>

#include "gateway_fixture.h"
#include "pushgate/v1/receipts.grpc.pb.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;

constexpr char kMobileKey[] = "mobile-backend-key";  // role register on app123
constexpr char kOtherKey[] = "other-app-key";        // role register on app456 only

class ReceiptsTest : public GatewayTest {
 protected:
  void SetUp() override {
    const std::string missing = MissingTools({"basenc"});
    ASSERT_TRUE(missing.empty()) << missing;
    ASSERT_TRUE(apns_.Start(Dir())) << "fake APNs did not start";
    ASSERT_TRUE(fcm_.Start(Dir())) << "fake FCM did not start";
    ASSERT_TRUE(push_.Start(Dir())) << "fake push service did not start";
    WriteFile(Dir() + "/sa.json", fcm_.ServiceAccountJson());
  }

  void StartGateway() {
    json config = BaseConfig({{"apns", apns_.AppConfig()},
                              {"fcm", fcm_.AppConfig(Dir() + "/sa.json")},
                              {"webpush", push_.AppConfig()}});
    config["apps"][0]["api_keys"].push_back(
        {{"name", "mobile"}, {"key", {{"value", kMobileKey}}}, {"role", "register"}});
    config["apps"].push_back(
        {{"app_id", "app456"},
         {"webhook",
          {{"basic_auth", {{{"username", "other"}, {"password", {{"value", "other-pass"}}}}}}}},
         {"api_keys",
          {{{"name", "other"}, {"key", {{"value", kOtherKey}}}, {"role", "register"}}}}});
    StartServer(config);
    receipts_ = v1::Receipts::NewStub(
        grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status Report(const std::string& app, const std::string& key, const std::string& push_id,
                      v1::ReceiptEvent event, v1::ReportReceiptResponse* out,
                      int64_t device_ms = 0) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + key);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::ReportReceiptRequest req;
    req.set_app_id(app);
    req.set_push_id(push_id);
    req.set_event(event);
    if (device_ms > 0) {
      req.mutable_device_time()->set_seconds(device_ms / 1000);
      req.mutable_device_time()->set_nanos(static_cast<int32_t>(device_ms % 1000) * 1'000'000);
    }
    return receipts_->ReportReceipt(&ctx, req, out);
  }

  FakeApns apns_;
  FakeFcm fcm_;
  FakeWebPush push_;
  std::unique_ptr<v1::Receipts::Stub> receipts_;
};

std::map<v1::Channel, v1::Delivery> ByChannel(const v1::Notification& n) {
  std::map<v1::Channel, v1::Delivery> out;
  for (const v1::Delivery& d : n.deliveries()) out[d.channel()] = d;
  return out;
}

bool IsCanonicalLowercaseUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  }
  return true;
}

TEST_F(ReceiptsTest, EveryDevicePushCarriesItsPushIdAndTheAppReportsReceipts) {
  StartGateway();
  const std::string uid = "cometchat-uid-2";
  Register(uid, "iphone", v1::PLATFORM_APNS, kAlertToken, [](v1::RegisterTokenRequest& req) {
    req.mutable_apns()->set_topic(FakeApns::kBundle);
    req.mutable_apns()->set_environment(v1::APNS_ENVIRONMENT_SANDBOX);
  });
  RegisterFcm(uid, "pixel", kAndroidToken, v1::DEVICE_OS_ANDROID);
  const json browser = push_.Subscribe();
  RegisterWebPush(uid, "firefox", browser);

  const std::string id = Post(Fixture("chat"));
  const v1::Notification sent = WaitDone(id);
  ASSERT_EQ(sent.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << sent.DebugString();
  auto by_channel = ByChannel(sent);
  ASSERT_EQ(by_channel.size(), 3u) << sent.DebugString();
  std::map<v1::Channel, std::string> push_ids;
  std::set<std::string> distinct;
  for (const auto& [channel, d] : by_channel) {
    ASSERT_EQ(d.attempts_size(), 1) << d.DebugString();
    push_ids[channel] = d.attempts(0).push_id();
    EXPECT_TRUE(IsCanonicalLowercaseUuid(push_ids[channel])) << d.DebugString();
    distinct.insert(push_ids[channel]);
    EXPECT_FALSE(d.has_received_time());
  }
  EXPECT_EQ(distinct.size(), 3u);

  // What each provider received carries the same id under the one documented key.
  const json apns = apns_.Requests();
  ASSERT_EQ(apns.size(), 1u) << apns.dump(2);
  EXPECT_EQ(apns[0]["body"]["pushgate_push_id"], push_ids[v1::CHANNEL_APNS]) << apns.dump(2);
  EXPECT_EQ(apns[0]["headers"]["apns-id"], push_ids[v1::CHANNEL_APNS]);
  const std::vector<json> fcm = fcm_.Sends(kAndroidToken);
  ASSERT_EQ(fcm.size(), 1u);
  EXPECT_EQ(fcm[0]["body"]["message"]["data"]["pushgate_push_id"], push_ids[v1::CHANNEL_FCM]);
  const json web = push_.Requests();
  ASSERT_EQ(web.size(), 1u) << web.dump(2);
  EXPECT_EQ(web[0]["payload"]["pushgate_push_id"], push_ids[v1::CHANNEL_WEBPUSH]) << web.dump(2);

  // The mobile backend (role register) reports; repeating is harmless.
  const int64_t device_ms = NowMs() - 1234;
  v1::ReportReceiptResponse r;
  grpc::Status s = Report("app123", kMobileKey, push_ids[v1::CHANNEL_APNS],
                          v1::RECEIPT_EVENT_RECEIVED, &r, device_ms);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(r.first_report());
  EXPECT_EQ(r.notification_id(), id);
  s = Report("app123", kMobileKey, push_ids[v1::CHANNEL_APNS], v1::RECEIPT_EVENT_RECEIVED, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(r.first_report());
  s = Report("app123", kMobileKey, push_ids[v1::CHANNEL_FCM], v1::RECEIPT_EVENT_OPENED, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(r.first_report());

  // Another app's caller learns nothing about app123's pushes; made-up ids are unknown.
  s = Report("app456", kOtherKey, push_ids[v1::CHANNEL_WEBPUSH], v1::RECEIPT_EVENT_RECEIVED, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  s = Report("app123", kOtherKey, push_ids[v1::CHANNEL_WEBPUSH], v1::RECEIPT_EVENT_RECEIVED, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  std::string altered = push_ids[v1::CHANNEL_WEBPUSH];
  altered[35] = altered[35] == '0' ? '1' : '0';
  s = Report("app123", kMobileKey, altered, v1::RECEIPT_EVENT_RECEIVED, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  s = Report("app123", kMobileKey, "123e4567-e89b-12d3-a456-426655440000",
             v1::RECEIPT_EVENT_RECEIVED, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  s = Report("app123", kMobileKey, "", v1::RECEIPT_EVENT_RECEIVED, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("push_id"), std::string::npos) << s.error_message();
  s = Report("app123", kMobileKey, push_ids[v1::CHANNEL_APNS], v1::RECEIPT_EVENT_UNSPECIFIED, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("event"), std::string::npos) << s.error_message();

  // The deliveries show what was reported.
  v1::Notification n;
  ASSERT_TRUE(Get(id, &n).ok());
  by_channel = ByChannel(n);
  const v1::Delivery& ios = by_channel[v1::CHANNEL_APNS];
  EXPECT_TRUE(ios.has_received_time());
  EXPECT_EQ(
      ios.received_device_time().seconds() * 1000 + ios.received_device_time().nanos() / 1000000,
      device_ms);
  EXPECT_FALSE(ios.has_opened_time());
  const v1::Delivery& android = by_channel[v1::CHANNEL_FCM];
  EXPECT_TRUE(android.has_received_time());  // opened implies received
  EXPECT_TRUE(android.has_opened_time());
  EXPECT_FALSE(by_channel[v1::CHANNEL_WEBPUSH].has_received_time());

  // Rates per channel and platform.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer test-api-key");
  v1::GetStatsRequest stats_req;
  stats_req.set_app_id("app123");
  v1::GetStatsResponse stats;
  ASSERT_TRUE(deliveries_->GetStats(&ctx, stats_req, &stats).ok());
  std::map<std::string, v1::ReceiptRate> rates;
  for (const v1::ReceiptRate& rate : stats.receipt_rates()) {
    rates[rate.channel() + "/" + rate.platform()] = rate;
  }
  ASSERT_EQ(rates.size(), 3u) << stats.DebugString();
  EXPECT_EQ(rates["apns/ios"].delivered(), 1);
  EXPECT_EQ(rates["apns/ios"].received(), 1);
  EXPECT_DOUBLE_EQ(rates["apns/ios"].received_rate(), 1.0);
  EXPECT_EQ(rates["apns/ios"].opened(), 0);
  EXPECT_DOUBLE_EQ(rates["fcm/android"].opened_rate(), 1.0);
  EXPECT_EQ(rates["webpush/web"].delivered(), 1);
  EXPECT_DOUBLE_EQ(rates["webpush/web"].received_rate(), 0.0);

  // And /metrics counts receipts against device pushes delivered.
  const std::string metrics = HttpGet(server_->http_url("/metrics")).body;
  EXPECT_NE(metrics.find(
                "pushgate_receipts_total{channel=\"apns\",platform=\"ios\",event=\"received\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(
                "pushgate_receipts_total{channel=\"fcm\",platform=\"android\",event=\"opened\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find(
                "pushgate_device_pushes_delivered_total{channel=\"webpush\",platform=\"web\"} 1"),
            std::string::npos);
}

// The dry run: the same registrations get the exact requests their providers would receive,
// credentials redacted, and nothing reaches a fake or the database.
TEST_F(ReceiptsTest, PreviewShowsEachProvidersRequestAndNothingIsSentOrStored) {
  StartGateway();
  const std::string uid = "cometchat-uid-2";
  Register(uid, "iphone", v1::PLATFORM_APNS, kAlertToken, [](v1::RegisterTokenRequest& req) {
    req.mutable_apns()->set_topic(FakeApns::kBundle);
    req.mutable_apns()->set_environment(v1::APNS_ENVIRONMENT_SANDBOX);
  });
  RegisterFcm(uid, "pixel", kAndroidToken, v1::DEVICE_OS_ANDROID);
  RegisterWebPush(uid, "firefox", push_.Subscribe());

  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer test-api-key");
  v1::PreviewNotificationRequest req;
  req.set_app_id("app123");
  req.set_payload_json(Fixture("chat"));
  v1::PreviewNotificationResponse preview;
  grpc::Status s = deliveries_->PreviewNotification(&ctx, req, &preview);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(preview.uid(), uid);
  EXPECT_EQ(preview.kind(), "chat");
  ASSERT_EQ(preview.requests_size(), 3) << preview.DebugString();
  std::map<v1::Channel, v1::PreviewedRequest> by_channel;
  for (const v1::PreviewedRequest& r : preview.requests()) by_channel[r.channel()] = r;
  auto header = [](const v1::PreviewedRequest& r, const std::string& name) {
    for (const v1::HttpHeader& h : r.headers()) {
      if (h.name() == name) return h.value();
    }
    return std::string("(absent)");
  };

  const v1::PreviewedRequest& apns = by_channel[v1::CHANNEL_APNS];
  EXPECT_EQ(apns.skipped_reason(), "");
  EXPECT_EQ(apns.method(), "POST");
  EXPECT_NE(apns.url().find(std::string("/3/device/") + kAlertToken), std::string::npos);
  EXPECT_EQ(header(apns, "apns-topic"), FakeApns::kBundle);
  EXPECT_EQ(header(apns, "authorization"), "bearer <redacted>");
  const json apns_body = json::parse(apns.body());
  EXPECT_EQ(apns_body["aps"]["alert"]["body"], "Hello!");
  EXPECT_TRUE(apns_body.contains("pushgate_push_id"));

  const v1::PreviewedRequest& fcm = by_channel[v1::CHANNEL_FCM];
  EXPECT_NE(fcm.url().find("/messages:send"), std::string::npos) << fcm.url();
  EXPECT_EQ(header(fcm, "authorization"), "Bearer <redacted>");
  EXPECT_EQ(json::parse(fcm.body())["message"]["token"], kAndroidToken);

  const v1::PreviewedRequest& web = by_channel[v1::CHANNEL_WEBPUSH];
  EXPECT_EQ(header(web, "authorization").rfind("vapid t=<redacted>, k=", 0), 0u)
      << header(web, "authorization");
  EXPECT_EQ(json::parse(web.body())["body"], "Hello!");
  EXPECT_FALSE(web.note().empty());

  // Nothing of a credential, nothing sent, nothing stored.
  EXPECT_EQ(preview.DebugString().find("BEGIN"), std::string::npos);
  EXPECT_TRUE(apns_.Requests().empty());
  EXPECT_TRUE(fcm_.Sends().empty());
  EXPECT_TRUE(push_.Requests().empty());
  grpc::ClientContext list_ctx;
  list_ctx.AddMetadata("authorization", "Bearer test-api-key");
  v1::ListNotificationsRequest list_req;
  list_req.set_app_id("app123");
  v1::ListNotificationsResponse list;
  ASSERT_TRUE(deliveries_->ListNotifications(&list_ctx, list_req, &list).ok());
  EXPECT_EQ(list.notifications_size(), 0);

  // A body the webhook would refuse is refused the same way, naming the field.
  grpc::ClientContext bad_ctx;
  bad_ctx.AddMetadata("authorization", "Bearer test-api-key");
  json bad = json::parse(Fixture("chat"));
  bad["data"]["to"].erase("uid");
  req.set_payload_json(bad.dump());
  s = deliveries_->PreviewNotification(&bad_ctx, req, &preview);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("data.to.uid"), std::string::npos) << s.error_message();
}

}  // namespace
}  // namespace pushgate::testing
