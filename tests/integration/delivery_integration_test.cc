// The delivery engine through the real binary: webhook in, APNs out to the Node fake
// (tests/fakes/apns), status through Deliveries.GetNotification. The app's config keeps Apple's
// host names and points them at the fake with `resolve` and `ca_file`, exactly as production
// overrides nothing but those; keys and certificates are generated per test with openssl.
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "gateway_fixture.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;

constexpr char kBundle[] = "com.example.chat";
constexpr char kGroupToken[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class DeliveryTest : public GatewayTest {
 protected:
  void SetUp() override {
    const std::string missing = MissingTools();
    ASSERT_TRUE(missing.empty()) << missing;
    ASSERT_TRUE(fake_.Start(Dir())) << "fake APNs did not start";
  }

  // app123 sends to APNs (the fake); app456 has the demo log channel only.
  json Config(const json& engine) const {
    json config = BaseConfig({{"apns", fake_.AppConfig()}});
    config["engine"] = engine;
    config["apps"].push_back(
        {{"app_id", "app456"},
         {"webhook",
          {{"basic_auth", {{{"username", "other"}, {"password", {{"value", "other-pass"}}}}}}}},
         {"api_keys",
          {{{"name", "other-backend"}, {"key", {{"value", "other-api-key"}}}, {"role", "admin"}}}},
         {"log_channel", true}});
    return config;
  }

  void StartServer(const json& engine = FastRetries()) { GatewayTest::StartServer(Config(engine)); }

  std::unique_ptr<client::PushgateClient> Client(const std::string& key) const {
    client::ClientOptions options;
    options.address = server_->grpc_address();
    options.api_key = key;
    return client::PushgateClient::Connect(options);
  }

  // An iPhone's alert (or VoIP) token, sandbox.
  void Register(const std::string& uid, const std::string& session, const std::string& token,
                v1::Platform platform = v1::PLATFORM_APNS) {
    GatewayTest::Register(uid, session, platform, token, [](v1::RegisterTokenRequest& req) {
      req.mutable_apns()->set_topic(kBundle);
      req.mutable_apns()->set_environment(v1::APNS_ENVIRONMENT_SANDBOX);
    });
  }

  static std::string Header(const json& request, const std::string& name) {
    const json& h = request["headers"];
    return h.contains(name) && h[name].is_string() ? h[name].get<std::string>() : "";
  }

  std::vector<json> RequestsFor(const std::string& token) {
    std::vector<json> out;
    for (const json& r : fake_.Requests()) {
      if (r.value("token", "") == token) out.push_back(r);
    }
    return out;
  }

  FakeApns fake_;
};

TEST_F(DeliveryTest, EachFixtureReachesApnsAsExpectedAndIsReportedDelivered) {
  StartServer();
  // An iPhone: alert token and PushKit token in one session; a group member's alert token.
  Register("cometchat-uid-2", "iphone-session", kAlertToken);
  Register("cometchat-uid-2", "iphone-session", kVoipToken, v1::PLATFORM_APNS_VOIP);
  Register("g-messages-none", "phone", kGroupToken);

  std::map<std::string, std::string> ids;
  for (const char* name : {"chat", "call", "reaction", "group_action"}) {
    ids[name] = Post(Fixture(name));
  }
  std::map<std::string, v1::Notification> done;
  for (const auto& [name, id] : ids) done[name] = WaitDone(id);

  const json requests = fake_.Requests();
  ASSERT_EQ(requests.size(), 4u) << requests.dump(2);
  std::map<std::string, json> by_apns_id;
  for (const json& r : requests) {
    EXPECT_EQ(r["status"], 200) << r.dump(2);
    EXPECT_EQ(r["method"], "POST");
    EXPECT_TRUE(r["jwt"]["valid"].get<bool>());
    const std::string port = std::to_string(fake_.port());
    EXPECT_EQ(r["authority"], "api.sandbox.push.apple.com:" + port);  // sandbox registrations
    EXPECT_EQ(Header(r, "apns-priority"), "10");
    by_apns_id[Header(r, "apns-id")] = r;
  }

  auto request_of = [&](const std::string& name) -> json {
    const v1::Notification& n = done[name];
    EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << name << n.DebugString();
    EXPECT_EQ(n.deliveries_size(), 1) << name;
    if (n.deliveries_size() != 1) return json();
    const v1::Delivery& d = n.deliveries(0);
    EXPECT_EQ(d.state(), v1::DELIVERY_STATE_DELIVERED);
    EXPECT_EQ(d.attempt_count(), 1);
    EXPECT_EQ(d.last_http_status(), 200);
    EXPECT_EQ(d.attempts_size(), 1);
    // The status API shows the apns-id that APNs (the fake) answered with.
    auto it = by_apns_id.find(d.provider_message_id());
    EXPECT_NE(it, by_apns_id.end()) << name << ": " << d.provider_message_id();
    return it == by_apns_id.end() ? json() : it->second;
  };

  const json chat = request_of("chat");
  EXPECT_EQ(chat["path"], std::string("/3/device/") + kAlertToken);
  EXPECT_EQ(Header(chat, "apns-push-type"), "alert");
  EXPECT_EQ(Header(chat, "apns-topic"), kBundle);
  EXPECT_EQ(Header(chat, "apns-collapse-id"), "123");
  EXPECT_EQ(chat["body"]["aps"]["alert"]["title"], "Andrew Joseph");
  EXPECT_EQ(chat["body"]["aps"]["alert"]["body"], "Hello!");
  EXPECT_EQ(chat["body"]["aps"]["badge"], 5);
  EXPECT_EQ(chat["body"]["aps"]["thread-id"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(chat["body"]["sender"], "cometchat-uid-1");
  EXPECT_TRUE(chat["customKeysPrimitive"].get<bool>());
  EXPECT_EQ(done["chat"].type(), v1::NOTIFICATION_TYPE_CHAT);
  EXPECT_EQ(done["chat"].deliveries(0).channel(), v1::CHANNEL_APNS);

  // The ringing call goes over PushKit only (not as an alert as well).
  const json call = request_of("call");
  EXPECT_EQ(call["path"], std::string("/3/device/") + kVoipToken);
  EXPECT_EQ(Header(call, "apns-push-type"), "voip");
  EXPECT_EQ(Header(call, "apns-topic"), std::string(kBundle) + ".voip");
  EXPECT_EQ(Header(call, "apns-collapse-id"), "");
  EXPECT_FALSE(Header(call, "apns-expiration").empty());
  EXPECT_EQ(call["body"]["callAction"], "initiated");
  EXPECT_EQ(call["body"]["sessionId"], "v1.123.aik2");
  EXPECT_EQ(done["call"].type(), v1::NOTIFICATION_TYPE_CALL);
  EXPECT_EQ(done["call"].call_action(), "initiated");
  EXPECT_EQ(done["call"].call_session_id(), "v1.123.aik2");
  EXPECT_EQ(done["call"].deliveries(0).channel(), v1::CHANNEL_APNS_VOIP);

  const json reaction = request_of("reaction");
  EXPECT_EQ(reaction["path"], std::string("/3/device/") + kAlertToken);
  EXPECT_EQ(Header(reaction, "apns-push-type"), "alert");
  EXPECT_EQ(Header(reaction, "apns-collapse-id"), "58");

  const json group = request_of("group_action");
  EXPECT_EQ(group["path"], std::string("/3/device/") + kGroupToken);
  EXPECT_EQ(Header(group, "apns-collapse-id"), "cometchat-guid-1");
  EXPECT_EQ(group["body"]["aps"]["alert"]["title"], "Hiking group");
  EXPECT_EQ(group["body"]["aps"]["thread-id"], "group_cometchat-guid-1");

  // The rest of the status API's fields.
  const v1::Notification& n = done["chat"];
  EXPECT_EQ(n.id(), ids["chat"]);
  EXPECT_EQ(n.app_id(), "app123");
  EXPECT_EQ(n.uid(), "cometchat-uid-2");
  EXPECT_EQ(n.tag(), "123");
  EXPECT_EQ(n.sender(), "cometchat-uid-1");
  EXPECT_GT(n.receive_time().seconds(), 0);
  EXPECT_GE(n.update_time().seconds(), n.receive_time().seconds());
  const v1::Delivery& d = n.deliveries(0);
  EXPECT_FALSE(d.id().empty());
  EXPECT_FALSE(d.registration_id().empty());
  EXPECT_EQ(d.target_hint(), "a0b1c2d3\xE2\x80\xA6");
  EXPECT_EQ(d.attempts(0).number(), 1);
  EXPECT_EQ(d.attempts(0).http_status(), 200);
  EXPECT_EQ(d.attempts(0).provider_message_id(), d.provider_message_id());
  EXPECT_GT(d.attempts(0).end_time().seconds(), 0);
}

TEST_F(DeliveryTest, UnregisteredTokenIsRetiredUnlessReRegisteredAfterTheTimestamp) {
  StartServer();
  const std::string alice_token(64, 'a');
  const std::string bob_token(64, 'b');
  const int64_t before = NowMs();
  Register("alice", "s1", alice_token);
  Register("bob", "s1", bob_token);
  // alice's token died after she registered it; bob registered again after APNs saw his
  // token die (protocols.md §2.6), so his newer registration stays.
  fake_.SetToken(alice_token,
                 {{"status", 410}, {"reason", "Unregistered"}, {"timestamp", NowMs() + 60'000}});
  fake_.SetToken(bob_token,
                 {{"status", 410}, {"reason", "Unregistered"}, {"timestamp", before - 60'000}});
  const v1::Notification alice = WaitDone(Post(ChatPayloadFor("alice")));
  const v1::Notification bob = WaitDone(Post(ChatPayloadFor("bob")));
  for (const v1::Notification* n : {&alice, &bob}) {
    EXPECT_EQ(n->outcome(), v1::NOTIFICATION_OUTCOME_FAILED);
    ASSERT_EQ(n->deliveries_size(), 1);
    EXPECT_EQ(n->deliveries(0).state(), v1::DELIVERY_STATE_FAILED);
    EXPECT_EQ(n->deliveries(0).last_http_status(), 410);
    EXPECT_EQ(n->deliveries(0).last_reason(), "Unregistered");
  }

  const v1::Registration a = OnlyRegistrationOf("alice");
  EXPECT_EQ(a.state(), v1::REGISTRATION_STATE_INACTIVE);
  EXPECT_EQ(a.inactive_reason(), v1::INACTIVE_REASON_PROVIDER_REJECTED);
  EXPECT_EQ(a.inactive_detail(), "apns 410 Unregistered");
  const v1::Registration b = OnlyRegistrationOf("bob");
  EXPECT_EQ(b.state(), v1::REGISTRATION_STATE_ACTIVE);

  // alice is no longer a target; bob still is (and is sent to).
  EXPECT_EQ(WaitDone(Post(ChatNumbered("alice", 2))).outcome(),
            v1::NOTIFICATION_OUTCOME_NO_TARGETS);
  fake_.Control("DELETE", "/control/tokens/" + bob_token);
  EXPECT_EQ(WaitDone(Post(ChatNumbered("bob", 2))).outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED);
  EXPECT_EQ(RequestsFor(alice_token).size(), 1u);
}

TEST_F(DeliveryTest, ServiceUnavailableIsRetriedAndThenDelivered) {
  StartServer();
  Register("alice", "s1", kAlertToken);
  fake_.SetToken(kAlertToken, {{"status", 503}, {"times", 1}});
  const v1::Notification n = WaitDone(Post(ChatPayloadFor("alice")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED);
  ASSERT_EQ(n.deliveries_size(), 1);
  const v1::Delivery& d = n.deliveries(0);
  EXPECT_EQ(d.attempt_count(), 2);
  ASSERT_EQ(d.attempts_size(), 2);
  EXPECT_EQ(d.attempts(0).http_status(), 503);
  EXPECT_EQ(d.attempts(0).reason(), "ServiceUnavailable");
  EXPECT_EQ(d.attempts(1).http_status(), 200);
  EXPECT_EQ(RequestsFor(kAlertToken).size(), 2u);
}

TEST_F(DeliveryTest, MaxAttemptsEndsInFailed) {
  StartServer();
  Register("alice", "s1", kAlertToken);
  fake_.SetToken(kAlertToken, {{"status", 500}});
  const v1::Notification n = WaitDone(Post(ChatPayloadFor("alice")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_FAILED);
  ASSERT_EQ(n.deliveries_size(), 1);
  EXPECT_EQ(n.deliveries(0).state(), v1::DELIVERY_STATE_FAILED);
  EXPECT_EQ(n.deliveries(0).last_reason(), "max_attempts");
  EXPECT_EQ(n.deliveries(0).attempt_count(), 3);
  EXPECT_EQ(n.deliveries(0).attempts(2).reason(), "InternalServerError");
  EXPECT_EQ(RequestsFor(kAlertToken).size(), 3u);
}

TEST_F(DeliveryTest, KillNineMidDeliveryThenRestartDeliversEveryAcknowledgedNotification) {
  StartServer();
  constexpr int kUsers = 8;
  constexpr int kPerUser = 6;
  for (int u = 0; u < kUsers; ++u) {
    Register("user" + std::to_string(u), "s1", std::string(63, 'c') + std::to_string(u));
  }
  // Slow answers keep deliveries in flight when the process dies.
  fake_.Control("POST", "/control/latency", {{"ms", 400}});
  std::vector<std::string> ids;
  for (int i = 0; i < kPerUser; ++i) {
    for (int u = 0; u < kUsers; ++u)
      ids.push_back(Post(ChatNumbered("user" + std::to_string(u), i)));
  }
  // Kill while the fake holds an unanswered request. (Waiting for a number of requests is not
  // enough: in a slow sanitizer build the engine can answer everything posted so far before
  // the posting ends, and then nothing is in flight at the kill.)
  ASSERT_TRUE(WaitFor([&] {
    for (const json& r : fake_.Requests()) {
      if (r["status"].is_null()) return true;
    }
    return false;
  }));
  server_->Kill9();
  fake_.Control("POST", "/control/latency", {{"ms", 0}});
  // Bytes the dead process had already written can reach the fake a moment after the kill, so
  // "sent by the old process" means received before the new one was even started.
  const int64_t restarted_at = NowMs();

  StartServer();
  for (const std::string& id : ids) {
    const v1::Notification n = WaitDone(id);
    EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << id;
  }
  // Every notification reached APNs; an apns-id seen twice was in flight at the kill (the
  // resend of an unrecorded attempt carries the same apns-id).
  std::map<std::string, std::vector<int64_t>> received;
  for (const json& r : fake_.Requests()) {
    if (r["status"] == 200 || r["status"].is_null()) {
      received[Header(r, "apns-id")].push_back(r["receivedAt"].get<int64_t>());
    }
  }
  EXPECT_GE(received.size(), ids.size());
  int resent = 0;
  for (const auto& [apns_id, times] : received) {
    if (times.size() > 1) {
      ++resent;
      EXPECT_LT(times.front(), restarted_at)
          << apns_id << " sent twice but not in flight at the kill";
    }
  }
  // Answers took 400 ms, so what the fake had received just before the kill was still in
  // flight: the scenario did kill mid-delivery.
  EXPECT_GE(resent, 1);
  RecordProperty("resent_after_kill", resent);
}

// The fake (Node 20's nghttp2), like any server with the HTTP/2 rapid-reset defence, closes a
// connection after about a thousand stream resets (the libcurl client once sent one after every
// bodiless APNs 200, and its retries past that GOAWAY churned connections and failed attempts).
// Twice that many pushes share one connection.
TEST_F(DeliveryTest, ThousandsOfPushesShareOneConnectionWithOneAttemptEach) {
  StartServer();
  constexpr int kUsers = 10;
  constexpr int kPerUser = 200;
  for (int u = 0; u < kUsers; ++u) {
    Register("user" + std::to_string(u), "s1", std::string(63, 'd') + std::to_string(u));
  }
  std::vector<std::string> ids;
  for (int i = 0; i < kPerUser; ++i) {
    for (int u = 0; u < kUsers; ++u) {
      ids.push_back(Post(ChatNumbered("user" + std::to_string(u), i)));
    }
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(WaitDone(id).outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << id;
  }
  const json stats = fake_.Control("GET", "/control/stats");
  EXPECT_EQ(stats["requests"], kUsers * kPerUser);
  EXPECT_EQ(stats["connectionsOpened"], 1);
}

TEST_F(DeliveryTest, ExpiredCallIsNeverDeliveredLate) {
  json engine = FastRetries();
  engine["call_expiry_seconds"] = 1;
  engine["enabled"] = false;  // stored, not sent: as if the engine were stuck
  StartServer(engine);
  Register("cometchat-uid-2", "iphone", kAlertToken);
  Register("cometchat-uid-2", "iphone", kVoipToken, v1::PLATFORM_APNS_VOIP);
  const std::string id = Post(Fixture("call"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(server_->Terminate(), 0);

  engine["enabled"] = true;
  StartServer(engine);
  const v1::Notification n = WaitDone(id);
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_EXPIRED);
  ASSERT_EQ(n.deliveries_size(), 1);
  EXPECT_EQ(n.deliveries(0).state(), v1::DELIVERY_STATE_SKIPPED);
  EXPECT_EQ(n.deliveries(0).last_reason(), "expired");
  EXPECT_EQ(n.deliveries(0).attempt_count(), 0);
  EXPECT_TRUE(fake_.Requests().empty());
}

TEST_F(DeliveryTest, RecipientWithoutRegistrationsIsNoTargets) {
  StartServer();
  const v1::Notification n = WaitDone(Post(ChatPayloadFor("nobody-registered")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_NO_TARGETS);
  EXPECT_EQ(n.deliveries_size(), 0);
  EXPECT_TRUE(fake_.Requests().empty());
}

TEST_F(DeliveryTest, DemoLogChannelDelivers) {
  StartServer();
  auto other = Client("other-api-key");
  v1::RegisterTokenRequest req;
  req.set_app_id("app456");
  req.set_uid("dana");
  req.set_session_id("pixel");
  req.set_platform(v1::PLATFORM_FCM);
  req.set_token("fcm-registration-token-of-dana-0123456789");
  req.mutable_fcm()->set_os(v1::DEVICE_OS_ANDROID);
  ASSERT_TRUE(other->RegisterToken(req).ok());
  const std::string id = Post(ChatPayloadFor("dana", "app456"), "other", "other-pass");
  const v1::Notification n = WaitDone(id, "app456", "other-api-key");
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED);
  ASSERT_EQ(n.deliveries_size(), 1);
  EXPECT_EQ(n.deliveries(0).channel(), v1::CHANNEL_LOG);
  EXPECT_EQ(n.deliveries(0).provider_message_id().rfind("log-", 0), 0u);
  const std::string log = server_->Log();
  EXPECT_NE(log.find("event=push_logged app=app456 notification=" + id), std::string::npos) << log;
  // Never the token or the message text.
  EXPECT_EQ(log.find("fcm-registration-token-of-dana"), std::string::npos);
  EXPECT_EQ(log.find("Hello!"), std::string::npos);
  EXPECT_TRUE(fake_.Requests().empty());
}

TEST_F(DeliveryTest, GetNotificationErrors) {
  StartServer();
  const std::string mine = Post(ChatPayloadFor("alice"));
  const std::string theirs = Post(ChatPayloadFor("dana", "app456"), "other", "other-pass");
  v1::Notification n;
  EXPECT_EQ(Get("999999", &n).error_code(), grpc::StatusCode::NOT_FOUND);
  // Another app's notification is unknown in this one.
  EXPECT_EQ(Get(theirs, &n).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(mine, &n, "app456", "other-api-key").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Get(theirs, &n, "app456").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(mine, &n, "app123", "wrong-key").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Get("not-a-number", &n).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(Get(mine, &n).ok());
}

}  // namespace
}  // namespace pushgate::testing
