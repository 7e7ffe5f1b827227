// FCM through the real binary: webhook in, FCM HTTP v1 out to the Node fake (tests/fakes/fcm,
// which also plays Google's OAuth2 token endpoint), status through Deliveries.GetNotification.
// The app's `fcm` config keeps Google's host names and points them at the fake with `resolve`
// and `ca_file`; the service account's key is generated per test with openssl.
#include <set>
#include <thread>

#include "gateway_fixture.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;

constexpr char kIosToken[] = "ios-token-0:APA91bHexampleexampleexample";
constexpr char kGroupToken[] = "android-token-group:APA91bHexample";

class FcmTest : public GatewayTest {
 protected:
  void SetUp() override {
    const std::string missing = MissingTools();
    ASSERT_TRUE(missing.empty()) << missing;
    ASSERT_TRUE(fcm_.Start(Dir())) << "fake FCM did not start";
    WriteFile(SaFile(), fcm_.ServiceAccountJson());
  }

  std::string SaFile() const { return Dir() + "/service-account.json"; }

  json Config(const json& rules = nullptr) const {
    json app = {{"fcm", fcm_.AppConfig(SaFile())}};
    if (!rules.is_null()) app["rules"] = rules;
    return BaseConfig(app);
  }

  // The send whose FCM message name the status API reports for this delivery.
  json SendNamed(const std::string& name) {
    for (const json& r : fcm_.Sends()) {
      if (r.value("name", "") == name) return r;
    }
    ADD_FAILURE() << "no send named " << name;
    return json();
  }

  FakeFcm fcm_;
};

void ExpectStringOnlyData(const json& message) {
  ASSERT_TRUE(message["data"].is_object()) << message.dump(2);
  for (const auto& [key, value] : message["data"].items()) {
    EXPECT_TRUE(value.is_string()) << key << " is not a string";
  }
}

TEST_F(FcmTest, EachFixtureReachesFcmAsExpectedAndIsReportedDelivered) {
  StartServer(Config());
  // An Android phone and an iPhone whose app uses FCM (no VoIP): one user, two sessions.
  RegisterFcm("cometchat-uid-2", "pixel", kAndroidToken, v1::DEVICE_OS_ANDROID);
  RegisterFcm("cometchat-uid-2", "iphone", kIosToken, v1::DEVICE_OS_IOS);
  RegisterFcm("g-messages-none", "pixel", kGroupToken, v1::DEVICE_OS_ANDROID);

  std::map<std::string, v1::Notification> done;
  for (const char* name : {"chat", "call", "reaction", "group_action"}) {
    done[name] = WaitDone(Post(Fixture(name)));
  }
  // 3 notifications × 2 devices + the group action × 1; every token fetched once at most.
  EXPECT_EQ(fcm_.Sends().size(), 7u);
  const json stats = fcm_.Control("GET", "/control/stats");
  EXPECT_EQ(stats["tokenRequests"], 1) << stats.dump();

  // Each delivery's send, by the session it went to.
  auto sends_of = [&](const std::string& name) {
    std::map<std::string, json> by_token;
    const v1::Notification& n = done[name];
    EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << name << n.DebugString();
    for (const v1::Delivery& d : n.deliveries()) {
      EXPECT_EQ(d.channel(), v1::CHANNEL_FCM);
      EXPECT_EQ(d.state(), v1::DELIVERY_STATE_DELIVERED);
      EXPECT_EQ(d.attempt_count(), 1);
      EXPECT_EQ(d.last_http_status(), 200);
      // The status API shows the message name FCM (the fake) answered with.
      EXPECT_EQ(d.provider_message_id().rfind("projects/pushgate-it/messages/", 0), 0u)
          << d.provider_message_id();
      const json send = SendNamed(d.provider_message_id());
      if (send.is_object()) {
        EXPECT_EQ(send["status"], 200);
        EXPECT_EQ(send["httpVersion"], "2.0");
        EXPECT_EQ(send["path"], "/v1/projects/pushgate-it/messages:send");
        ExpectStringOnlyData(send["body"]["message"]);
        by_token[send["token"]] = send["body"]["message"];
      }
    }
    return by_token;
  };

  auto chat = sends_of("chat");
  ASSERT_EQ(chat.size(), 2u);
  const json& android = chat[kAndroidToken];
  EXPECT_EQ(android["notification"]["title"], "Andrew Joseph");
  EXPECT_EQ(android["notification"]["body"], "Hello!");
  EXPECT_EQ(android["android"]["priority"], "HIGH");
  EXPECT_EQ(android["android"]["collapse_key"], "123");
  EXPECT_EQ(android["android"]["notification"]["tag"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(android["android"]["notification"]["channel_id"], "chat_messages");
  EXPECT_EQ(android["data"]["unreadMessageCount"], "5");
  EXPECT_EQ(android["data"]["sender"], "cometchat-uid-1");
  EXPECT_EQ(android["data"]["conversationId"], "cometchat-uid-1_user_cometchat-uid-2");
  const json& ios = chat[kIosToken];
  EXPECT_EQ(ios["notification"]["title"], "Andrew Joseph");
  EXPECT_EQ(ios["apns"]["headers"]["apns-push-type"], "alert");
  EXPECT_EQ(ios["apns"]["headers"]["apns-collapse-id"], "123");
  EXPECT_EQ(ios["apns"]["payload"]["aps"]["badge"], 5);
  EXPECT_EQ(ios["apns"]["payload"]["aps"]["thread-id"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_FALSE(ios.contains("android"));

  // A ringing call: data-only, high priority, short TTL on Android; an alert on the iPhone
  // (CometChat does not ring iOS through FCM).
  auto call = sends_of("call");
  ASSERT_EQ(call.size(), 2u);
  const json& ring = call[kAndroidToken];
  EXPECT_FALSE(ring.contains("notification")) << ring.dump(2);
  EXPECT_EQ(ring["android"]["priority"], "HIGH");
  EXPECT_EQ(ring["android"]["ttl"], "30s");
  EXPECT_EQ(ring["android"]["collapse_key"], "v1.123.aik2");
  EXPECT_EQ(ring["data"]["callAction"], "initiated");
  EXPECT_EQ(ring["data"]["sessionId"], "v1.123.aik2");
  EXPECT_EQ(ring["data"]["title"], "Caller");
  EXPECT_EQ(call[kIosToken]["apns"]["headers"]["apns-push-type"], "alert");
  EXPECT_FALSE(call[kIosToken]["apns"]["headers"]["apns-expiration"].is_null());

  auto reaction = sends_of("reaction");
  ASSERT_EQ(reaction.size(), 2u);
  EXPECT_EQ(reaction[kAndroidToken]["android"]["collapse_key"], "58");

  auto group = sends_of("group_action");
  ASSERT_EQ(group.size(), 1u);
  EXPECT_EQ(group[kGroupToken]["notification"]["title"], "Hiking group");
  EXPECT_EQ(group[kGroupToken]["android"]["collapse_key"], "cometchat-guid-1");
  EXPECT_EQ(group[kGroupToken]["android"]["notification"]["tag"], "group_cometchat-guid-1");

  // The service account's key never reaches the log; its project id does (for operators).
  const std::string log = server_->Log();
  EXPECT_NE(log.find("event=fcm_provider_ready app=app123 project=pushgate-it"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(log.find(kAndroidToken), std::string::npos);
}

TEST_F(FcmTest, UnregisteredAndSenderIdMismatchRetireTheRegistration) {
  StartServer(Config());
  RegisterFcm("alice", "pixel", "alice-token", v1::DEVICE_OS_ANDROID);
  RegisterFcm("bob", "pixel", "bob-token", v1::DEVICE_OS_ANDROID);
  fcm_.SetToken("alice-token", {{"status", 404}});  // UNREGISTERED
  fcm_.SetToken("bob-token", {{"status", 403}});    // SENDER_ID_MISMATCH
  for (const auto& [uid, reason] : {std::pair<std::string, std::string>{"alice", "UNREGISTERED"},
                                    {"bob", "SENDER_ID_MISMATCH"}}) {
    const v1::Notification n = WaitDone(Post(ChatPayloadFor(uid)));
    EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_FAILED);
    ASSERT_EQ(n.deliveries_size(), 1);
    EXPECT_EQ(n.deliveries(0).last_reason(), reason);
    EXPECT_EQ(n.deliveries(0).attempt_count(), 1);
    const v1::Registration r = OnlyRegistrationOf(uid);
    EXPECT_EQ(r.state(), v1::REGISTRATION_STATE_INACTIVE);
    EXPECT_EQ(r.inactive_reason(), v1::INACTIVE_REASON_PROVIDER_REJECTED);
    EXPECT_EQ(r.inactive_detail(),
              "fcm " + std::to_string(uid == "alice" ? 404 : 403) + " " + reason);
    // No longer a target.
    EXPECT_EQ(WaitDone(Post(ChatNumbered(uid, 2))).outcome(), v1::NOTIFICATION_OUTCOME_NO_TARGETS);
  }
  EXPECT_EQ(fcm_.Sends("alice-token").size(), 1u);
}

TEST_F(FcmTest, InvalidArgumentFailsWithoutRetiringUnlessItNamesTheToken) {
  StartServer(Config());
  RegisterFcm("alice", "pixel", "alice-token", v1::DEVICE_OS_ANDROID);
  RegisterFcm("bob", "pixel", "bob-token", v1::DEVICE_OS_ANDROID);
  fcm_.SetToken("alice-token",
                {{"status", 400}, {"message", "Request contains an invalid argument."}});
  fcm_.SetToken("bob-token",
                {{"status", 400},
                 {"message", "The registration token is not a valid FCM registration token"}});
  const v1::Notification payload_problem = WaitDone(Post(ChatPayloadFor("alice")));
  EXPECT_EQ(payload_problem.outcome(), v1::NOTIFICATION_OUTCOME_FAILED);
  EXPECT_EQ(payload_problem.deliveries(0).last_reason(), "INVALID_ARGUMENT");
  EXPECT_EQ(payload_problem.deliveries(0).attempt_count(), 1);  // resending cannot help
  EXPECT_EQ(OnlyRegistrationOf("alice").state(), v1::REGISTRATION_STATE_ACTIVE);

  const v1::Notification bad_token = WaitDone(Post(ChatPayloadFor("bob")));
  EXPECT_EQ(bad_token.outcome(), v1::NOTIFICATION_OUTCOME_FAILED);
  EXPECT_EQ(OnlyRegistrationOf("bob").state(), v1::REGISTRATION_STATE_INACTIVE);
}

TEST_F(FcmTest, UnavailableIsRetriedAndThenDelivered) {
  StartServer(Config());
  RegisterFcm("alice", "pixel", "alice-token", v1::DEVICE_OS_ANDROID);
  fcm_.SetToken("alice-token", {{"status", 503}, {"times", 1}});
  const v1::Notification n = WaitDone(Post(ChatPayloadFor("alice")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED);
  ASSERT_EQ(n.deliveries_size(), 1);
  const v1::Delivery& d = n.deliveries(0);
  EXPECT_EQ(d.attempt_count(), 2);
  ASSERT_EQ(d.attempts_size(), 2);
  EXPECT_EQ(d.attempts(0).http_status(), 503);
  EXPECT_EQ(d.attempts(0).reason(), "UNAVAILABLE");
  EXPECT_EQ(d.attempts(1).http_status(), 200);
  EXPECT_EQ(fcm_.Sends("alice-token").size(), 2u);
}

TEST_F(FcmTest, QuotaExceededWaitsForRetryAfterAndAtLeastAMinute) {
  StartServer(Config());
  RegisterFcm("alice", "pixel", "alice-token", v1::DEVICE_OS_ANDROID);
  RegisterFcm("bob", "pixel", "bob-token", v1::DEVICE_OS_ANDROID);
  fcm_.SetToken("alice-token", {{"status", 429}, {"retryAfter", 120}});
  fcm_.SetToken("bob-token", {{"status", 429}, {"retryAfter", 1}});
  const int64_t before_s = NowMs() / 1000;
  auto waiting = [](const v1::Delivery& d) { return d.state() == v1::DELIVERY_STATE_RETRY_WAIT; };
  const v1::Notification alice = WaitDelivery(Post(ChatPayloadFor("alice")), waiting);
  const v1::Notification bob = WaitDelivery(Post(ChatPayloadFor("bob")), waiting);
  for (const v1::Notification* n : {&alice, &bob}) {
    ASSERT_EQ(n->deliveries_size(), 1);
    EXPECT_EQ(n->deliveries(0).last_http_status(), 429);
    EXPECT_EQ(n->deliveries(0).last_reason(), "QUOTA_EXCEEDED");
  }
  // Retry-After 120 s is honoured; a shorter one is raised to Google's one-minute floor.
  EXPECT_GE(alice.deliveries(0).next_attempt_time().seconds(), before_s + 119);
  EXPECT_GE(bob.deliveries(0).next_attempt_time().seconds(), before_s + 59);
  EXPECT_LE(bob.deliveries(0).next_attempt_time().seconds(), NowMs() / 1000 + 61);
  EXPECT_EQ(fcm_.Sends("alice-token").size(), 1u);
}

TEST_F(FcmTest, AuthErrorsAreConfigAlertsThatKeepTheToken) {
  StartServer(Config());
  RegisterFcm("alice", "iphone", "alice-token", v1::DEVICE_OS_IOS);
  // Firebase's APNs credentials are wrong: not the device's fault.
  fcm_.SetToken("alice-token", {{"status", 401}, {"errorCode", "THIRD_PARTY_AUTH_ERROR"}});
  const v1::Notification n = WaitDelivery(Post(ChatPayloadFor("alice")), [](const v1::Delivery& d) {
    return d.state() == v1::DELIVERY_STATE_RETRY_WAIT;
  });
  EXPECT_EQ(n.deliveries(0).last_reason(), "THIRD_PARTY_AUTH_ERROR");
  // Config errors wait at least a minute: an operator has to act.
  EXPECT_GE(n.deliveries(0).next_attempt_time().seconds(), NowMs() / 1000 + 50);
  EXPECT_EQ(OnlyRegistrationOf("alice").state(), v1::REGISTRATION_STATE_ACTIVE);
}

TEST_F(FcmTest, BrokenServiceAccountIsAConfigErrorAndKeepsTokens) {
  // A truncated download: the file is there but is not a usable service account.
  const std::string sa = fcm_.ServiceAccountJson();
  WriteFile(SaFile(), sa.substr(0, sa.size() / 2));
  StartServer(Config());  // the gateway still starts: other apps and channels keep working
  RegisterFcm("alice", "pixel", "alice-token", v1::DEVICE_OS_ANDROID);
  const v1::Notification n = WaitDelivery(Post(ChatPayloadFor("alice")), [](const v1::Delivery& d) {
    return d.state() == v1::DELIVERY_STATE_RETRY_WAIT;
  });
  const std::string reason = n.deliveries(0).last_reason();
  EXPECT_EQ(reason.rfind("FCM service account: ", 0), 0u) << reason;
  EXPECT_EQ(reason.find("PRIVATE KEY"), std::string::npos) << reason;
  EXPECT_EQ(n.deliveries(0).last_http_status(), 0);
  EXPECT_EQ(OnlyRegistrationOf("alice").state(), v1::REGISTRATION_STATE_ACTIVE);
  EXPECT_TRUE(fcm_.Sends().empty());
  const std::string log = server_->Log();
  EXPECT_NE(log.find("event=fcm_provider_unusable app=app123"), std::string::npos) << log;
  EXPECT_EQ(log.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(FcmTest, PrivacyModeSendsNoMessageTextAndDroppedKindsAreSkippedVisibly) {
  const json rules = {{"privacy", {{"title", "New activity"}, {"body", "Open the app"}}},
                      {"drop_kinds", {"reaction"}},
                      {"extra_data", {{"env", "it"}}},
                      {"overrides", {{"call", {{"fcm", {{"android_channel_id", "calls"}}}}}}}};
  StartServer(Config(rules));
  RegisterFcm("cometchat-uid-2", "pixel", kAndroidToken, v1::DEVICE_OS_ANDROID);
  json chat = json::parse(Fixture("chat"));
  chat["data"]["notificationDetails"]["body"] = "the vault code is 4711";
  chat["data"]["notificationDetails"]["message"] = {{"text", "the vault code is 4711"}};
  chat["data"]["notificationDetails"]["custom"] = {{"secret", "x-custom-secret"}};
  const v1::Notification sent = WaitDone(Post(chat.dump()));
  EXPECT_EQ(sent.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED);
  const v1::Notification call = WaitDone(Post(Fixture("call")));
  EXPECT_EQ(call.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED);

  const v1::Notification reaction = WaitDone(Post(Fixture("reaction")));
  ASSERT_EQ(reaction.deliveries_size(), 1);
  EXPECT_EQ(reaction.deliveries(0).state(), v1::DELIVERY_STATE_SKIPPED);
  EXPECT_EQ(reaction.deliveries(0).last_reason(), "dropped_by_rule");
  EXPECT_EQ(reaction.deliveries(0).attempt_count(), 0);

  const std::vector<json> sends = fcm_.Sends();
  ASSERT_EQ(sends.size(), 2u);  // the chat and the call; never the reaction
  for (const json& s : sends) {
    const std::string raw = s["body"].dump();
    for (const char* secret :
         {"4711", "x-custom-secret", "Andrew", "George", "senderAvatar", "Reacted"}) {
      EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << raw;
    }
    const json& m = s["body"]["message"];
    EXPECT_EQ(m["data"]["conversationId"], "cometchat-uid-1_user_cometchat-uid-2");
    EXPECT_EQ(m["data"]["env"], "it");
  }
  const json& chat_message = sends[0]["body"]["message"];
  EXPECT_EQ(chat_message["notification"]["title"], "New activity");
  EXPECT_EQ(chat_message["notification"]["body"], "Open the app");
  EXPECT_EQ(chat_message["data"]["tag"], "123");
  EXPECT_EQ(chat_message["android"]["notification"]["channel_id"], "chat_messages");
  const json& call_message = sends[1]["body"]["message"];
  EXPECT_EQ(call_message["data"]["sessionId"], "v1.123.aik2");
  EXPECT_EQ(call_message["data"]["callAction"], "initiated");
  EXPECT_EQ(call_message["data"]["title"], "New activity");
}

}  // namespace
}  // namespace pushgate::testing
