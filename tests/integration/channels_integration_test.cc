// Web Push, and every channel at once, through the real binary: browser subscriptions handed
// out by the Node push-service fake (which decrypts what it receives with the subscription's
// key and checks the VAPID JWT), and one user with an iPhone (APNs alert + VoIP), an Android
// phone (FCM), a browser (Web Push) and the app's forward hook.
#include <set>

#include "gateway_fixture.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;

class WebPushTest : public GatewayTest {
 protected:
  void SetUp() override {
    const std::string missing = MissingTools({"basenc"});
    ASSERT_TRUE(missing.empty()) << missing;
    ASSERT_TRUE(push_.Start(Dir())) << "fake push service did not start";
  }

  std::vector<json> PushesTo(const std::string& subscription_id) {
    std::vector<json> out;
    for (const json& r : push_.Requests()) {
      if (r.value("subscription", "") == subscription_id) out.push_back(r);
    }
    return out;
  }

  FakeWebPush push_;
};

TEST_F(WebPushTest, SubscriptionGetsTheDecryptableMessageAndGoneRetiresIt) {
  StartServer(BaseConfig({{"webpush", push_.AppConfig()}}));
  // Operators read the key browsers must subscribe with from the log; it is the key's real
  // public half (computed by openssl, not by the gateway).
  EXPECT_NE(server_->Log().find("event=webpush_vapid_public_key app=app123 public_key=" +
                                push_.vapid_public_key()),
            std::string::npos)
      << server_->Log();
  EXPECT_EQ(server_->Log().find("PRIVATE KEY"), std::string::npos);

  const json browser = push_.Subscribe();
  RegisterWebPush("cometchat-uid-2", "firefox", browser);
  const v1::Notification chat = WaitDone(Post(Fixture("chat")));
  EXPECT_EQ(chat.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << chat.DebugString();
  ASSERT_EQ(chat.deliveries_size(), 1);
  const v1::Delivery& d = chat.deliveries(0);
  EXPECT_EQ(d.channel(), v1::CHANNEL_WEBPUSH);
  EXPECT_EQ(d.last_http_status(), 201);
  // The target is the push service's origin, never the subscription's secret path.
  EXPECT_EQ(d.target_hint(), "https://push.example:" + std::to_string(push_.port()));

  const std::vector<json> pushes = PushesTo(browser["id"]);
  ASSERT_EQ(pushes.size(), 1u);
  const json& p = pushes[0];
  EXPECT_EQ(p["status"], 201);
  EXPECT_EQ(p["httpVersion"], "2.0");
  EXPECT_TRUE(p["vapid"]["valid"].get<bool>()) << p.dump(2);
  EXPECT_EQ(p["vapid"]["claims"]["sub"], "mailto:ops@example.com");
  EXPECT_EQ(p["decryptError"], nullptr);
  // What the service worker will see, decrypted by the fake with the browser's key.
  EXPECT_EQ(p["payload"]["title"], "Andrew Joseph");
  EXPECT_EQ(p["payload"]["body"], "Hello!");
  EXPECT_EQ(p["payload"]["conversationId"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(p["payload"]["unreadMessageCount"], 5);
  EXPECT_EQ(d.provider_message_id().empty(), false);

  // The browser unsubscribed: the push service answers 410 and the subscription is retired.
  push_.Control("POST", "/control/subscriptions/" + browser["id"].get<std::string>(),
                {{"status", 410}});
  const v1::Notification gone = WaitDone(Post(ChatNumbered("cometchat-uid-2", 2)));
  EXPECT_EQ(gone.outcome(), v1::NOTIFICATION_OUTCOME_FAILED);
  ASSERT_EQ(gone.deliveries_size(), 1);
  EXPECT_EQ(gone.deliveries(0).last_http_status(), 410);
  const v1::Registration r = OnlyRegistrationOf("cometchat-uid-2");
  EXPECT_EQ(r.state(), v1::REGISTRATION_STATE_INACTIVE);
  EXPECT_EQ(r.inactive_reason(), v1::INACTIVE_REASON_PROVIDER_REJECTED);
  EXPECT_EQ(WaitDone(Post(ChatNumbered("cometchat-uid-2", 3))).outcome(),
            v1::NOTIFICATION_OUTCOME_NO_TARGETS);
}

TEST_F(WebPushTest, LoopbackEndpointsAreRefusedUnlessAllowed) {
  json webpush = push_.AppConfig();
  webpush.erase("allow_loopback_endpoints");  // the production default
  StartServer(BaseConfig({{"webpush", webpush}}));
  RegisterWebPush("alice", "firefox", push_.Subscribe());
  const v1::Notification n = WaitDone(Post(ChatPayloadFor("alice")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_FAILED);
  ASSERT_EQ(n.deliveries_size(), 1);
  EXPECT_EQ(n.deliveries(0).last_reason().rfind("EndpointRefused", 0), 0u)
      << n.deliveries(0).last_reason();
  EXPECT_TRUE(push_.Requests().empty());
}

class AllChannelsTest : public WebPushTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(WebPushTest::SetUp());
    ASSERT_TRUE(apns_.Start(Dir())) << "fake APNs did not start";
    ASSERT_TRUE(fcm_.Start(Dir())) << "fake FCM did not start";
    ASSERT_TRUE(hook_.Start(Dir())) << "fake hook receiver did not start";
    WriteFile(Dir() + "/sa.json", fcm_.ServiceAccountJson());
  }

  FakeApns apns_;
  FakeFcm fcm_;
  FakeHook hook_;
};

// Each delivery of the notification by channel; every one must be delivered.
std::map<v1::Channel, v1::Delivery> DeliveredByChannel(const v1::Notification& n) {
  std::map<v1::Channel, v1::Delivery> out;
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << n.DebugString();
  for (const v1::Delivery& d : n.deliveries()) {
    EXPECT_EQ(d.state(), v1::DELIVERY_STATE_DELIVERED) << d.DebugString();
    EXPECT_TRUE(out.emplace(d.channel(), d).second) << "two deliveries on " << d.channel();
  }
  return out;
}

TEST_F(AllChannelsTest, OneChatAndOneCallReachEveryDeviceAndTheHook) {
  StartServer(BaseConfig({{"apns", apns_.AppConfig()},
                          {"fcm", fcm_.AppConfig(Dir() + "/sa.json")},
                          {"webpush", push_.AppConfig()},
                          {"forward_hooks", {hook_.HookConfig("crm")}}}));
  const std::string uid = "cometchat-uid-2";
  auto apns = [](v1::RegisterTokenRequest& req) {
    req.mutable_apns()->set_topic(FakeApns::kBundle);
    req.mutable_apns()->set_environment(v1::APNS_ENVIRONMENT_SANDBOX);
  };
  Register(uid, "iphone", v1::PLATFORM_APNS, kAlertToken, apns);
  Register(uid, "iphone", v1::PLATFORM_APNS_VOIP, kVoipToken, apns);
  RegisterFcm(uid, "pixel", kAndroidToken, v1::DEVICE_OS_ANDROID);
  const json browser = push_.Subscribe();
  RegisterWebPush(uid, "firefox", browser);

  // A chat: an alert on the iPhone (never VoIP), FCM, Web Push and the hook.
  const std::string chat_id = Post(Fixture("chat"));
  const auto chat = DeliveredByChannel(WaitDone(chat_id));
  EXPECT_EQ(chat.size(), 4u);
  for (v1::Channel c :
       {v1::CHANNEL_APNS, v1::CHANNEL_FCM, v1::CHANNEL_WEBPUSH, v1::CHANNEL_WEBHOOK}) {
    EXPECT_EQ(chat.count(c), 1u) << "chat not delivered on channel " << c;
  }

  // A ringing call: PushKit on the iPhone (not an alert), FCM data-only, Web Push, the hook.
  const std::string call_id = Post(Fixture("call"));
  const auto call = DeliveredByChannel(WaitDone(call_id));
  EXPECT_EQ(call.size(), 4u);
  for (v1::Channel c :
       {v1::CHANNEL_APNS_VOIP, v1::CHANNEL_FCM, v1::CHANNEL_WEBPUSH, v1::CHANNEL_WEBHOOK}) {
    EXPECT_EQ(call.count(c), 1u) << "call not delivered on channel " << c;
  }

  // Every fake received exactly what the status API says was delivered.
  const json apns_requests = apns_.Requests();
  ASSERT_EQ(apns_requests.size(), 2u) << apns_requests.dump(2);
  std::map<std::string, json> apns_by_token;
  for (const json& r : apns_requests) apns_by_token[r["token"]] = r;
  EXPECT_EQ(apns_by_token[kAlertToken]["headers"]["apns-push-type"], "alert");
  EXPECT_EQ(apns_by_token[kAlertToken]["body"]["aps"]["alert"]["body"], "Hello!");
  EXPECT_EQ(apns_by_token[kVoipToken]["headers"]["apns-push-type"], "voip");
  EXPECT_EQ(apns_by_token[kVoipToken]["body"]["callAction"], "initiated");
  EXPECT_EQ(apns_by_token[kAlertToken]["headers"]["apns-id"],
            chat.at(v1::CHANNEL_APNS).provider_message_id());

  const std::vector<json> fcm_sends = fcm_.Sends(kAndroidToken);
  ASSERT_EQ(fcm_sends.size(), 2u);
  EXPECT_EQ(fcm_sends[0]["body"]["message"]["notification"]["body"], "Hello!");
  EXPECT_EQ(fcm_sends[0]["name"], chat.at(v1::CHANNEL_FCM).provider_message_id());
  EXPECT_FALSE(fcm_sends[1]["body"]["message"].contains("notification"));  // data-only ring
  EXPECT_EQ(fcm_sends[1]["body"]["message"]["data"]["callAction"], "initiated");

  const std::vector<json> pushes = PushesTo(browser["id"]);
  ASSERT_EQ(pushes.size(), 2u);
  EXPECT_EQ(pushes[0]["payload"]["body"], "Hello!");
  EXPECT_EQ(pushes[1]["payload"]["callAction"], "initiated");
  EXPECT_EQ(pushes[1]["urgency"], "high");

  const json hooked = hook_.Requests();
  ASSERT_EQ(hooked.size(), 2u) << hooked.dump(2);
  std::set<std::string> hooked_ids;
  for (const json& h : hooked) {
    EXPECT_TRUE(h["signatureValid"].get<bool>());
    hooked_ids.insert(h["body"]["id"].get<std::string>());
  }
  EXPECT_EQ(hooked_ids, (std::set<std::string>{chat_id, call_id}));
}

}  // namespace
}  // namespace pushgate::testing
