// ForwardHookProvider over a scripted HTTP client: which hook a delivery goes to, what request
// leaves (URL, TLS settings, HTTP/1.1 allowed, signature) and how answers settle.
#include "providers/forward_hook_provider.h"

#include <deque>
#include <optional>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace pushgate::providers {
namespace {

// Records requests and answers each with the next scripted response (200 when none is left).
class ScriptedClient : public Http2Client {
 public:
  void Send(Http2Request request, std::function<void(Http2Response)> done) override {
    sent.push_back(request);
    Http2Response r;
    r.status = 200;
    if (!script.empty()) {
      r = script.front();
      script.pop_front();
    }
    done(std::move(r));
  }
  size_t Pending() const override { return 0; }
  void Shutdown() override {}

  std::vector<Http2Request> sent;
  std::deque<Http2Response> script;
};

const absl::Time kNow = absl::FromUnixSeconds(1764325200);

std::vector<ForwardHookTarget> Targets() {
  ForwardHookTarget crm;
  crm.name = "crm";
  crm.url = "https://crm.example.com/in";
  crm.signing = {"X-Pushgate-Signature", "crm-secret"};
  crm.tls.ca_file = "/tmp/ca.pem";
  crm.tls.resolve = {"crm.example.com:443:127.0.0.1"};
  crm.timeout = absl::Milliseconds(1500);
  ForwardHookTarget audit;
  audit.name = "audit";
  audit.url = "https://audit.example.com/";
  return {crm, audit};
}

struct Fixture {
  Fixture() {
    content.notification_id = 9;
    content.uid = "bob";
    content.type = "chat";
    content.received_at_ms = 1'764'325'191'000;
    content.raw_payload = R"({"data":{"to":{"uid":"bob"}}})";
    auto created = ForwardHookProvider::Create("app123", &client, Targets(), [] { return kNow; });
    EXPECT_TRUE(created.ok()) << created.status();
    provider = *std::move(created);
  }

  SendResult Send(const std::string& hook, int64_t delivery_id = 31, int attempt = 1) {
    SendRequest request;
    request.app_id = "app123";
    request.content = &content;
    request.hook = hook;
    request.delivery_id = delivery_id;
    request.attempt_number = attempt;
    std::optional<SendResult> result;
    provider->Send(request, [&](SendResult r) { result = std::move(r); });
    EXPECT_TRUE(result.has_value()) << "done did not run";
    return result.value_or(SendResult{});
  }

  ScriptedClient client;
  NotificationContent content;
  std::unique_ptr<ForwardHookProvider> provider;
};

std::string HeaderOf(const Http2Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(ForwardHookProvider, PostsTheSignedEventToTheNamedHook) {
  Fixture f;
  SendResult r = f.Send("crm", 31, 3);
  EXPECT_EQ(r.outcome, Outcome::kDelivered);
  ASSERT_EQ(f.client.sent.size(), 1u);
  const Http2Request& sent = f.client.sent[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://crm.example.com/in");
  EXPECT_FALSE(sent.require_http2);  // receivers are usually HTTP/1.1
  EXPECT_EQ(sent.tls.ca_file, "/tmp/ca.pem");
  EXPECT_EQ(sent.tls.resolve, std::vector<std::string>({"crm.example.com:443:127.0.0.1"}));
  EXPECT_EQ(sent.timeout, absl::Milliseconds(1500));
  EXPECT_EQ(sent.pool, "hook/app123/crm");
  EXPECT_EQ(HeaderOf(sent, "Idempotency-Key"), "31");
  EXPECT_EQ(HeaderOf(sent, "X-Pushgate-Signature"),
            ForwardHookSignature("crm-secret", 1764325200, sent.body));
  nlohmann::json body = nlohmann::json::parse(sent.body);
  EXPECT_EQ(body["id"], "9");
  EXPECT_EQ(body["app_id"], "app123");
  EXPECT_EQ(body["attempt"], 3);
  EXPECT_EQ(body["payload"]["data"]["to"]["uid"], "bob");
}

TEST(ForwardHookProvider, EachHookHasItsOwnUrlAndPool) {
  Fixture f;
  f.Send("audit");
  ASSERT_EQ(f.client.sent.size(), 1u);
  EXPECT_EQ(f.client.sent[0].url, "https://audit.example.com/");
  EXPECT_EQ(f.client.sent[0].pool, "hook/app123/audit");
  EXPECT_EQ(HeaderOf(f.client.sent[0], "X-Pushgate-Signature"), "");  // unsigned hook
}

TEST(ForwardHookProvider, AHookNoLongerConfiguredFailsWithoutSending) {
  Fixture f;
  SendResult r = f.Send("removed");
  EXPECT_EQ(r.outcome, Outcome::kPermanentFailure);
  EXPECT_EQ(r.reason, kReasonHookNotConfigured);
  EXPECT_TRUE(f.client.sent.empty());
}

TEST(ForwardHookProvider, AnswersAreClassified) {
  Fixture f;
  Http2Response unavailable;
  unavailable.status = 503;
  unavailable.headers = {{"retry-after", "4"}};
  f.client.script.push_back(unavailable);
  Http2Response refused;
  refused.transport_error = "Failed to connect to crm.example.com port 443: Connection refused";
  f.client.script.push_back(refused);
  SendResult first = f.Send("crm");
  EXPECT_EQ(first.outcome, Outcome::kRetry);
  EXPECT_EQ(first.retry_after, absl::Seconds(4));
  SendResult second = f.Send("crm");
  EXPECT_EQ(second.outcome, Outcome::kRetry);
  EXPECT_EQ(second.reason.find("crm-secret"), std::string::npos);
}

TEST(ForwardHookProvider, CreateRefusesDuplicateOrIncompleteHooks) {
  ScriptedClient client;
  std::vector<ForwardHookTarget> twice = Targets();
  twice[1].name = "crm";
  EXPECT_FALSE(ForwardHookProvider::Create("a", &client, twice).ok());
  std::vector<ForwardHookTarget> no_url = Targets();
  no_url[0].url.clear();
  EXPECT_FALSE(ForwardHookProvider::Create("a", &client, no_url).ok());
  EXPECT_FALSE(ForwardHookProvider::Create("a", nullptr, Targets()).ok());
}

}  // namespace
}  // namespace pushgate::providers
