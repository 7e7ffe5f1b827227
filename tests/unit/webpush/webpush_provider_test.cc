#include "providers/webpush_provider.h"

#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "common/crypto.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

// RFC 8291 Appendix A's subscription keys: any valid pair does.
constexpr char kP256dh[] =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr char kAuth[] = "BTBZMqHH6r4Tts7J_aSIgg";

// Keeps what the provider sends; each test answers by hand.
class RecordingClient : public Http2Client {
 public:
  void Send(Http2Request request, std::function<void(Http2Response)> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent.push_back({std::move(request), std::move(done)});
  }
  size_t Pending() const override { return 0; }
  void Shutdown() override {}
  void Reply(size_t index, int status) {
    Http2Response r;
    r.status = status;
    if (status == 201) r.headers = {{"location", "https://push.example/m/1"}};
    sent.at(index).second(std::move(r));
  }
  std::mutex mu_;
  std::deque<std::pair<Http2Request, std::function<void(Http2Response)>>> sent;
};

std::string HeaderOf(const Http2Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

class WebPushProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chat_ = *ParseStoredPayload(testing::ReadFixture("chat.json"));
    keys_ = testing::GenerateP256KeyPair();
  }
  WebPushProviderOptions Options() {
    WebPushProviderOptions o;
    o.vapid_private_key_pem = keys_.private_pkcs8_pem;
    o.vapid_subject = "mailto:ops@example.com";
    o.tls.resolve = {"push.example:443:93.184.216.34"};
    o.resolver = [](const std::string& host, int) -> absl::StatusOr<std::vector<std::string>> {
      if (host == "local.example") return std::vector<std::string>{"127.0.0.1"};
      return absl::UnavailableError("no such host");
    };
    return o;
  }
  std::unique_ptr<WebPushProvider> Make(WebPushProviderOptions o) {
    auto p = WebPushProvider::Create(&client_, std::move(o));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }
  SendRequest Request(const std::string& endpoint) {
    SendRequest r;
    r.content = &chat_;
    r.registration.input.platform = domain::Platform::kWebPush;
    r.registration.input.token = endpoint;
    r.registration.input.webpush_p256dh = kP256dh;
    r.registration.input.webpush_auth = kAuth;
    return r;
  }
  // Sends and returns the result once `done` ran (answering nothing).
  SendResult SendNow(WebPushProvider& p, const SendRequest& r) {
    std::promise<SendResult> got;
    p.Send(r, [&got](SendResult s) { got.set_value(std::move(s)); });
    auto f = got.get_future();
    EXPECT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
    return f.get();
  }

  RecordingClient client_;
  NotificationContent chat_;
  testing::TestKeyPair keys_;
};

TEST_F(WebPushProviderTest, SendsAnEncryptedSignedRequestPinnedToTheCheckedAddress) {
  auto p = Make(Options());
  std::optional<SendResult> result;
  p->Send(Request("https://push.example/sub/abc"), [&](SendResult r) { result = r; });
  ASSERT_EQ(client_.sent.size(), 1u);
  const Http2Request& h = client_.sent[0].first;
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.url, "https://push.example/sub/abc");
  EXPECT_EQ(h.pool, "webpush/https://push.example");
  EXPECT_EQ(h.tls.resolve, std::vector<std::string>{"push.example:443:93.184.216.34"});
  EXPECT_EQ(HeaderOf(h, "ttl"), "86400");
  EXPECT_EQ(HeaderOf(h, "urgency"), "normal");
  EXPECT_EQ(HeaderOf(h, "content-encoding"), "aes128gcm");
  const std::string auth = HeaderOf(h, "authorization");
  EXPECT_TRUE(absl::StartsWith(auth, "vapid t=ey")) << auth;
  EXPECT_TRUE(absl::EndsWith(auth, ", k=" + p->public_key()));
  EXPECT_LE(h.body.size(), kWebPushMaxBodyBytes);
  EXPECT_EQ(static_cast<unsigned char>(h.body[20]), 65);  // keyid = a fresh sender key
  EXPECT_FALSE(result.has_value());

  client_.Reply(0, 201);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome, Outcome::kDelivered);
  EXPECT_EQ(result->provider_message_id, "https://push.example/m/1");
}

TEST_F(WebPushProviderTest, A413IsResentOnceWithTheMinimalPayload) {
  auto p = Make(Options());
  chat_.body = std::string(2000, 'b');
  std::optional<SendResult> result;
  p->Send(Request("https://push.example/sub/abc"), [&](SendResult r) { result = r; });
  client_.Reply(0, 413);
  ASSERT_EQ(client_.sent.size(), 2u);
  EXPECT_FALSE(result.has_value());
  EXPECT_LT(client_.sent[1].first.body.size() + 1500, client_.sent[0].first.body.size());
  client_.Reply(1, 413);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->outcome, Outcome::kPermanentFailure);
  EXPECT_EQ(result->reason, "PayloadTooLarge");
  EXPECT_EQ(client_.sent.size(), 2u);  // never a third try
}

TEST_F(WebPushProviderTest, RefusedEndpointsFailWithoutSending) {
  auto p = Make(Options());
  SendResult r = SendNow(*p, Request("https://127.0.0.1:8443/sub"));
  EXPECT_EQ(r.outcome, Outcome::kPermanentFailure);
  EXPECT_EQ(r.reason,
            "EndpointRefused: endpoint host 127.0.0.1 resolves to loopback address 127.0.0.1 "
            "(not allowed)");
  r = SendNow(*p, Request("https://local.example/sub"));  // a name that resolves to loopback
  EXPECT_EQ(r.outcome, Outcome::kPermanentFailure);
  EXPECT_TRUE(absl::StrContains(r.reason, "loopback address 127.0.0.1")) << r.reason;
  r = SendNow(*p, Request("http://push.example/sub"));
  EXPECT_EQ(r.outcome, Outcome::kPermanentFailure);
  EXPECT_TRUE(absl::StrContains(r.reason, "https")) << r.reason;
  r = SendNow(*p, Request("https://nowhere.example/sub"));
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_TRUE(absl::StartsWith(r.reason, "EndpointUnresolved: ")) << r.reason;
  EXPECT_TRUE(client_.sent.empty());

  WebPushProviderOptions o = Options();
  o.endpoint_policy.allow_loopback = true;
  auto lax = Make(std::move(o));
  lax->Send(Request("https://local.example:8443/sub"), [](SendResult) {});
  for (int i = 0; i < 500 && client_.sent.empty(); ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(client_.sent.size(), 1u);
  EXPECT_EQ(client_.sent[0].first.tls.resolve,
            std::vector<std::string>{"local.example:8443:127.0.0.1"});
  client_.Reply(0, 201);
}

TEST_F(WebPushProviderTest, BrokenSubscriptionsAreDeadAndOtherPlatformsNotApplicable) {
  auto p = Make(Options());
  SendRequest bad = Request("https://push.example/sub");
  bad.registration.input.webpush_p256dh = "AAAA";
  EXPECT_EQ(SendNow(*p, bad).outcome, Outcome::kTokenDead);
  bad = Request("https://push.example/sub");
  bad.registration.input.webpush_auth = "!!";
  EXPECT_EQ(SendNow(*p, bad).reason, "InvalidSubscription");
  bad = Request("");
  EXPECT_EQ(SendNow(*p, bad).outcome, Outcome::kTokenDead);
  SendRequest other = Request("https://push.example/sub");
  other.registration.input.platform = domain::Platform::kFcm;
  const SendResult r = SendNow(*p, other);
  EXPECT_EQ(r.outcome, Outcome::kPermanentFailure);
  EXPECT_EQ(r.reason, "NotApplicable");
  EXPECT_TRUE(client_.sent.empty());
}

TEST_F(WebPushProviderTest, CreateNamesWhatIsWrong) {
  WebPushProviderOptions o = Options();
  o.vapid_private_key_pem.clear();
  EXPECT_TRUE(absl::StrContains(WebPushProvider::Create(&client_, o).status().message(),
                                "VAPID private key"));
  o = Options();
  o.vapid_subject = "ops@example.com";
  EXPECT_TRUE(
      absl::StrContains(WebPushProvider::Create(&client_, o).status().message(), "subject"));
  o = Options();
  o.build.call_ttl = absl::Seconds(-1);
  EXPECT_FALSE(WebPushProvider::Create(&client_, o).ok());
  EXPECT_FALSE(WebPushProvider::Create(nullptr, Options()).ok());
}

}  // namespace
}  // namespace pushgate::providers
