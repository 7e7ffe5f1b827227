// Forward webhooks through the real binary: webhook in, signed JSON out to the Node fake
// receiver (tests/fakes/hook), which speaks HTTPS with HTTP/1.1 only and verifies the
// HMAC signature with its own copy of the secret; status through Deliveries.GetNotification.
// The hook URL keeps a real-looking host name pointed at the fake with `resolve` and `ca_file`;
// the TLS certificate is generated per test with openssl.
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <thread>

#include "fakes/fake_process.h"
#include "gtest/gtest.h"
#include "harness.h"
#include "nlohmann/json.hpp"
#include "pushgate/v1/deliveries.pb.h"
#include "pushgate_client.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;
namespace v1 = pushgate::v1;

constexpr char kHost[] = "hooks.example.test";
constexpr char kReceiverSecret[] = "receiver-shared-secret-5b1e";

int64_t Millis(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1'000'000;
}

class HookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string missing = fakes::MissingTools({"node", "openssl"});
    ASSERT_TRUE(missing.empty()) << missing;
    const std::string d = dir_.path();
    ASSERT_TRUE(fakes::RunQuietly(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + d +
        "/tls.key -out " + d + "/tls.crt -days 1 -subj /CN=fake-hook -addext " +
        "subjectAltName=IP:127.0.0.1,DNS:" + kHost));
    ASSERT_TRUE(fake_.Start({"node", PUSHGATE_FAKE_HOOK_JS, "--cert", d + "/tls.crt", "--key",
                             d + "/tls.key", "--secret", kReceiverSecret},
                            "hook_port=(\\d+) control_port=(\\d+)"))
        << "fake hook receiver did not start";
  }

  void TearDown() override { fake_.Stop(); }

  int hook_port() const { return fake_.ports()[0]; }

  // A hook of app123 at https://hooks.example.test:<port>/in/<name>, signed with `secret`.
  json Hook(const std::string& name, const std::string& secret = kReceiverSecret) const {
    const std::string port = std::to_string(hook_port());
    return {{"name", name},
            {"url", "https://" + std::string(kHost) + ":" + port + "/in/" + name},
            {"hmac", {{"secret", {{"value", secret}}}}},
            {"ca_file", dir_.path() + "/tls.crt"},
            {"resolve", {std::string(kHost) + ":" + port + ":127.0.0.1"}},
            {"timeout_ms", 1000}};
  }

  void StartServer(const json& hooks, int max_attempts = 3) {
    json config = {
        {"data_dir", dir_.path() + "/data"},
        {"http", {{"address", "127.0.0.1:0"}}},
        {"grpc", {{"address", "127.0.0.1:0"}, {"plaintext", true}}},
        {"engine",
         {{"initial_backoff_ms", 50},
          {"max_backoff_seconds", 1},
          {"max_attempts", max_attempts},
          {"poll_interval_ms", 50}}},
        {"apps",
         {{{"app_id", "app123"},
           {"webhook",
            {{"basic_auth",
              {{{"username", "cometchat"}, {"password", {{"value", "secret-pass"}}}}}}}},
           {"api_keys",
            {{{"name", "backend"}, {"key", {{"value", "test-api-key"}}}, {"role", "admin"}}}},
           {"forward_hooks", hooks}}}}};
    server_ = PushgateProcess::Start({config.dump(2), dir_.path() + "/data"});
    ASSERT_NE(server_, nullptr);
    client::ClientOptions options;
    options.address = server_->grpc_address();
    options.api_key = "test-api-key";
    client_ = client::PushgateClient::Connect(options);
  }

  std::string Post(const std::string& body) {
    HttpResult r = PostWebhook(*server_, body);
    EXPECT_EQ(r.status, 200) << r.body;
    json answer = json::parse(r.body, nullptr, false);
    return answer.is_object() ? answer.value("id", "") : "";
  }

  v1::Notification WaitDone(const std::string& id) {
    v1::Notification n;
    const bool done = WaitFor([&] {
      v1::GetNotificationRequest req;
      req.set_app_id("app123");
      req.set_id(id);
      auto got = client_->GetNotification(req);
      if (!got.ok()) return false;
      n = *got;
      return n.state() == v1::NOTIFICATION_STATE_DONE;
    });
    EXPECT_TRUE(done) << "notification " << id << " not done: " << n.DebugString();
    return n;
  }

  json Control(const std::string& method, const std::string& path, const json& body = nullptr) {
    HttpResult r =
        HttpRequest(method, "http://127.0.0.1:" + std::to_string(fake_.ports()[1]) + path,
                    body.is_null() ? "" : body.dump(), {"Content-Type: application/json"});
    EXPECT_EQ(r.status, 200) << method << " " << path << ": " << r.error << r.body;
    return json::parse(r.body, nullptr, false);
  }
  json Received() { return Control("GET", "/control/requests"); }

  static std::string Header(const json& request, const std::string& lower_name) {
    const json& h = request["headers"];
    return h.contains(lower_name) && h[lower_name].is_string() ? h[lower_name].get<std::string>()
                                                               : "";
  }

  TempDir dir_;
  fakes::FakeProcess fake_;
  std::unique_ptr<PushgateProcess> server_;
  std::unique_ptr<client::PushgateClient> client_;
};

// The call fixture with another action (and so another body: not a duplicate).
std::string CallWithAction(const std::string& action) {
  json doc = json::parse(Fixture("call"));
  doc["data"]["notificationDetails"]["callAction"] = action;
  return doc.dump();
}

TEST_F(HookTest, ChatReachesTheHookSignedOverHttp1WithThePayloadByteIdentical) {
  StartServer(json::array({Hook("crm")}));
  // Nobody registered a device: the hook alone is a target.
  const std::string posted = Fixture("chat");  // as CometChat sends it, whitespace and all
  const std::string id = Post(posted);
  const v1::Notification n = WaitDone(id);
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << n.DebugString();

  const json received = Received();
  ASSERT_EQ(received.size(), 1u) << received.dump(2);
  const json& r = received[0];
  EXPECT_EQ(r["status"], 200) << r.dump(2);
  EXPECT_EQ(r["signatureValid"], true);
  EXPECT_EQ(r["timestampValid"], true);
  EXPECT_EQ(r["httpVersion"], "1.1");  // the receiver offers no h2: the client fell back
  EXPECT_EQ(r["method"], "POST");
  EXPECT_EQ(r["path"], "/in/crm");
  EXPECT_EQ(Header(r, "content-type"), "application/json");
  EXPECT_EQ(Header(r, "user-agent"), "pushgate");
  EXPECT_EQ(r["rawPayload"], posted);  // byte for byte
  const json& body = r["body"];
  EXPECT_EQ(body["id"], id);
  EXPECT_EQ(body["app_id"], "app123");
  EXPECT_EQ(body["uid"], "cometchat-uid-2");
  EXPECT_EQ(body["type"], "chat");
  EXPECT_TRUE(body["call_action"].is_null());
  EXPECT_EQ(body["attempt"], 1);
  EXPECT_EQ(body["received_at"].get<std::string>().size(), 24u);  // 2026-11-28T10:19:51.123Z

  // GetNotification lists the hook delivery: channel webhook, the hook's name as target, no
  // registration, and the idempotency key the receiver saw is the delivery's id.
  ASSERT_EQ(n.deliveries_size(), 1);
  const v1::Delivery& d = n.deliveries(0);
  EXPECT_EQ(d.channel(), v1::CHANNEL_WEBHOOK);
  EXPECT_EQ(d.target_hint(), "crm");
  EXPECT_EQ(d.registration_id(), "");
  EXPECT_EQ(d.state(), v1::DELIVERY_STATE_DELIVERED);
  EXPECT_EQ(d.last_http_status(), 200);
  EXPECT_EQ(Header(r, "idempotency-key"), d.id());
  // The receiver's secret never reaches the log.
  EXPECT_EQ(server_->Log().find(kReceiverSecret), std::string::npos);
}

TEST_F(HookTest, TypeAndCallActionFiltersChooseTheHooks) {
  json chats = Hook("chats");
  chats["types"] = {"chat"};
  json ringing = Hook("ringing");
  ringing["types"] = {"call"};
  ringing["call_actions"] = {"initiated"};
  StartServer(json::array({chats, ringing}));

  const v1::Notification chat = WaitDone(Post(Fixture("chat")));
  const v1::Notification call = WaitDone(Post(CallWithAction("initiated")));
  const v1::Notification ended = WaitDone(Post(CallWithAction("ended")));

  ASSERT_EQ(chat.deliveries_size(), 1);
  EXPECT_EQ(chat.deliveries(0).target_hint(), "chats");
  ASSERT_EQ(call.deliveries_size(), 1);
  EXPECT_EQ(call.deliveries(0).target_hint(), "ringing");
  EXPECT_EQ(ended.deliveries_size(), 0);
  EXPECT_EQ(ended.outcome(), v1::NOTIFICATION_OUTCOME_NO_TARGETS);

  std::multimap<std::string, std::string> path_to_type;
  for (const json& r : Received()) {
    EXPECT_EQ(r["status"], 200) << r.dump(2);
    const std::string action =
        r["body"]["call_action"].is_string() ? r["body"]["call_action"].get<std::string>() : "";
    path_to_type.emplace(r["path"].get<std::string>(),
                         r["body"]["type"].get<std::string>() + "/" + action);
  }
  EXPECT_EQ(path_to_type, (std::multimap<std::string, std::string>{
                              {"/in/chats", "chat/"}, {"/in/ringing", "call/initiated"}}));
}

TEST_F(HookTest, ReceiverUnavailableThenOkIsDeliveredOnRetryAfterItsRetryAfter) {
  StartServer(json::array({Hook("crm")}));
  Control("POST", "/control/behaviour", {{"status", 503}, {"retryAfter", 1}, {"times", 1}});
  const v1::Notification n = WaitDone(Post(Fixture("chat")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << n.DebugString();
  ASSERT_EQ(n.deliveries_size(), 1);
  const v1::Delivery& d = n.deliveries(0);
  EXPECT_EQ(d.attempt_count(), 2);
  ASSERT_EQ(d.attempts_size(), 2);
  EXPECT_EQ(d.attempts(0).http_status(), 503);
  EXPECT_EQ(d.attempts(0).reason(), "HTTP 503");
  EXPECT_EQ(d.attempts(1).http_status(), 200);
  // The 50 ms backoff would have come much sooner: the receiver's Retry-After decided.
  EXPECT_GE(Millis(d.attempts(1).start_time()) - Millis(d.attempts(0).start_time()), 1000);

  const json received = Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0]["status"], 503);
  EXPECT_EQ(received[1]["status"], 200);
  // Same delivery, same idempotency key; the attempt number tells them apart.
  EXPECT_EQ(Header(received[0], "idempotency-key"), Header(received[1], "idempotency-key"));
  EXPECT_EQ(received[0]["body"]["attempt"], 1);
  EXPECT_EQ(received[1]["body"]["attempt"], 2);
}

TEST_F(HookTest, ASlowReceiverTimesOutAndIsRetried) {
  StartServer(json::array({Hook("crm")}));  // timeout_ms 1000
  Control("POST", "/control/behaviour", {{"delayMs", 2500}, {"times", 1}});
  const v1::Notification n = WaitDone(Post(Fixture("chat")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << n.DebugString();
  ASSERT_EQ(n.deliveries_size(), 1);
  ASSERT_EQ(n.deliveries(0).attempts_size(), 2);
  EXPECT_EQ(n.deliveries(0).attempts(0).http_status(), 0);  // no answer in time
  EXPECT_EQ(n.deliveries(0).attempts(1).http_status(), 200);
}

TEST_F(HookTest, AWrongSecretIsCaughtByTheReceiverAndTheDeliveryFails) {
  const std::string ours = "not-what-the-receiver-has-91c3";
  StartServer(json::array({Hook("crm", ours)}), /*max_attempts=*/2);
  const v1::Notification n = WaitDone(Post(Fixture("chat")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_FAILED) << n.DebugString();
  ASSERT_EQ(n.deliveries_size(), 1);
  EXPECT_EQ(n.deliveries(0).state(), v1::DELIVERY_STATE_FAILED);
  EXPECT_EQ(n.deliveries(0).last_http_status(), 401);

  const json received = Received();
  ASSERT_EQ(received.size(), 2u);
  for (const json& r : received) {
    EXPECT_EQ(r["signatureValid"], false);
    EXPECT_EQ(r["error"], "bad signature");
  }
  // Neither secret shows up in what an operator sees.
  EXPECT_EQ(n.DebugString().find(ours), std::string::npos);
  EXPECT_EQ(server_->Log().find(ours), std::string::npos);
}

TEST_F(HookTest, AFailedHookDeliveryIsRedriven) {
  StartServer(json::array({Hook("crm")}), /*max_attempts=*/2);
  Control("POST", "/control/behaviour", {{"status", 500}, {"times", 2}});
  const std::string id = Post(Fixture("chat"));
  const v1::Notification failed = WaitDone(id);
  ASSERT_EQ(failed.outcome(), v1::NOTIFICATION_OUTCOME_FAILED) << failed.DebugString();

  v1::RetryNotificationRequest retry;
  retry.set_app_id("app123");
  retry.set_id(id);
  auto redriven = client_->RetryNotification(retry);
  ASSERT_TRUE(redriven.ok()) << redriven.status();
  EXPECT_EQ(redriven->redriven_count(), 1);

  v1::Notification n;
  ASSERT_TRUE(WaitFor([&] {
    n = WaitDone(id);
    return n.outcome() == v1::NOTIFICATION_OUTCOME_DELIVERED;
  })) << n.DebugString();
  ASSERT_EQ(n.deliveries_size(), 1);
  EXPECT_EQ(n.deliveries(0).target_hint(), "crm");
  ASSERT_EQ(n.deliveries(0).attempts_size(), 3);  // two failed, one after the redrive
  // The redriven attempt continues the numbering, in the log and in what the receiver got.
  const json received = Received();
  ASSERT_EQ(received.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(n.deliveries(0).attempts(i).number(), i + 1) << n.DebugString();
    EXPECT_EQ(received[i]["body"]["attempt"], i + 1) << received.dump();
  }
}

TEST_F(HookTest, APlainHttpLoopbackReceiverWorksWhenAllowed) {
  fakes::FakeProcess plain;
  const std::string d = dir_.path();
  ASSERT_TRUE(plain.Start({"node", PUSHGATE_FAKE_HOOK_JS, "--cert", d + "/tls.crt", "--key",
                           d + "/tls.key", "--secret", kReceiverSecret, "--plain-http", "1"},
                          "hook_port=(\\d+) control_port=(\\d+)"));
  json hook = {{"name", "local"},
               {"url", "http://127.0.0.1:" + std::to_string(plain.ports()[0]) + "/in/local"},
               {"allow_http_loopback", true},
               {"hmac", {{"secret", {{"value", kReceiverSecret}}}}}};
  StartServer(json::array({hook}));
  const v1::Notification n = WaitDone(Post(Fixture("chat")));
  EXPECT_EQ(n.outcome(), v1::NOTIFICATION_OUTCOME_DELIVERED) << n.DebugString();
  HttpResult r =
      HttpGet("http://127.0.0.1:" + std::to_string(plain.ports()[1]) + "/control/requests");
  const json received = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(received.is_array() && received.size() == 1u) << r.body;
  EXPECT_EQ(received[0]["signatureValid"], true);
  EXPECT_EQ(received[0]["path"], "/in/local");
  plain.Stop();
}

}  // namespace
}  // namespace pushgate::testing
