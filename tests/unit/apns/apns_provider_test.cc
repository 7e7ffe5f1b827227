#include "providers/apns_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

// Records what the provider sends; the test answers each request by hand.
class FakeHttp2Client : public Http2Client {
 public:
  struct Call {
    Http2Request request;
    std::function<void(Http2Response)> done;
  };
  void Send(Http2Request request, std::function<void(Http2Response)> done) override {
    calls.push_back({std::move(request), std::move(done)});
  }
  size_t Pending() const override { return calls.size() - answered; }
  void Shutdown() override {}

  // Answers the oldest unanswered request.
  void Answer(int status, std::string body = "",
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    Http2Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    auto done = calls.at(answered++).done;
    done(std::move(r));
  }

  std::deque<Call> calls;
  size_t answered = 0;
};

std::string HeaderOf(const Http2Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<absent>";
}

class ApnsProviderTest : public ::testing::Test {
 protected:
  ApnsProviderTest() : now_(absl::FromUnixSeconds(1'741'847'460)) {
    keys_ = pushgate::testing::GenerateP256KeyPair();
    auto c = ParseStoredPayload(pushgate::testing::ReadFixture("chat.json"));
    chat_ = *c;
    call_ = *ParseStoredPayload(pushgate::testing::ReadFixture("call.json"));
  }

  ApnsProviderOptions Options() {
    ApnsProviderOptions o;
    o.credentials.team_id = "TEAMID6789";
    o.credentials.key_id = "KEYID12345";
    o.credentials.p8_key_pem = keys_.private_pkcs8_pem;
    o.credentials.bundle_id = "com.example.app";
    o.now = [this] { return now_; };
    o.token.now = [this] { return now_; };
    return o;
  }

  std::unique_ptr<ApnsProvider> Make(ApnsProviderOptions o) {
    auto p = ApnsProvider::Create(&client_, std::move(o));
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }

  SendRequest Request(const NotificationContent* content, domain::Platform platform,
                      std::string env = "production") {
    SendRequest r;
    r.app_id = "app123";
    r.content = content;
    r.registration.input.platform = platform;
    r.registration.input.token = "00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0";
    r.registration.input.apns_environment = std::move(env);
    r.attempt_id = "delivery-1/attempt-1";
    return r;
  }

  // Sends and returns what `done` received (nullopt while pending).
  std::shared_ptr<std::vector<SendResult>> SendAndCollect(ApnsProvider& p, const SendRequest& r) {
    auto results = std::make_shared<std::vector<SendResult>>();
    p.Send(r, [results](SendResult res) { results->push_back(std::move(res)); });
    return results;
  }

  bool BearerVerifies(const std::string& authorization) {
    if (!absl::StartsWith(authorization, "bearer ")) return false;
    std::vector<std::string> parts = absl::StrSplit(authorization.substr(7), '.');
    if (parts.size() != 3) return false;
    auto sig = Base64UrlDecode(parts[2]);
    return sig &&
           pushgate::testing::VerifyEs256Raw(keys_.public_pem, parts[0] + "." + parts[1], *sig);
  }

  absl::Time now_;
  pushgate::testing::TestKeyPair keys_;
  NotificationContent chat_;
  NotificationContent call_;
  FakeHttp2Client client_;
};

TEST_F(ApnsProviderTest, SendsASignedAlertAndReportsDelivery) {
  auto p = Make(Options());
  auto results = SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  ASSERT_EQ(client_.calls.size(), 1u);
  const Http2Request& req = client_.calls[0].request;
  EXPECT_EQ(req.pool, "apns/token/TEAMID6789/KEYID12345/production");
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url,
            "https://api.push.apple.com/3/device/"
            "00fc13adff785122b4ad28809a3420982341241421348097878e577c991de8f0");
  EXPECT_TRUE(req.require_http2);
  EXPECT_EQ(HeaderOf(req, "apns-topic"), "com.example.app");
  EXPECT_EQ(HeaderOf(req, "apns-push-type"), "alert");
  EXPECT_EQ(HeaderOf(req, "apns-id"), ApnsIdForAttempt("delivery-1/attempt-1"));
  EXPECT_TRUE(BearerVerifies(HeaderOf(req, "authorization")));
  EXPECT_EQ(nlohmann::json::parse(req.body)["aps"]["alert"]["body"], "Hello!");
  EXPECT_TRUE(results->empty());

  client_.Answer(200, "", {{"apns-id", "the-apns-id"}});
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].outcome, Outcome::kDelivered);
  EXPECT_EQ((*results)[0].provider_message_id, "the-apns-id");
  EXPECT_EQ((*results)[0].http_status, 200);
}

TEST_F(ApnsProviderTest, SandboxRegistrationsUseTheSandboxHostAndPool) {
  ApnsProviderOptions o = Options();
  o.endpoints.sandbox_url = "https://api.sandbox.push.apple.com:2197";
  o.endpoints.tls.ca_file = "/tmp/ca.pem";
  o.endpoints.tls.resolve = {"api.sandbox.push.apple.com:2197:127.0.0.1"};
  o.request_timeout = absl::Seconds(3);
  auto p = Make(o);
  SendAndCollect(*p, Request(&chat_, domain::Platform::kApns, "sandbox"));
  ASSERT_EQ(client_.calls.size(), 1u);
  const Http2Request& req = client_.calls[0].request;
  EXPECT_EQ(req.pool, "apns/token/TEAMID6789/KEYID12345/sandbox");
  EXPECT_TRUE(absl::StartsWith(req.url, "https://api.sandbox.push.apple.com:2197/3/device/"));
  EXPECT_EQ(req.tls.ca_file, "/tmp/ca.pem");
  EXPECT_EQ(req.tls.resolve, o.endpoints.tls.resolve);
  EXPECT_EQ(req.timeout, absl::Seconds(3));
}

TEST_F(ApnsProviderTest, VoipCallGoesToTheVoipTopic) {
  auto p = Make(Options());
  SendAndCollect(*p, Request(&call_, domain::Platform::kApnsVoip));
  ASSERT_EQ(client_.calls.size(), 1u);
  EXPECT_EQ(HeaderOf(client_.calls[0].request, "apns-push-type"), "voip");
  EXPECT_EQ(HeaderOf(client_.calls[0].request, "apns-topic"), "com.example.app.voip");
}

TEST_F(ApnsProviderTest, ExpiredProviderTokenRenewsOnceAndResends) {
  auto p = Make(Options());
  auto results = SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  const std::string first_auth = HeaderOf(client_.calls[0].request, "authorization");
  now_ += absl::Minutes(25);  // old enough to renew
  client_.Answer(403, R"({"reason":"ExpiredProviderToken"})");
  ASSERT_TRUE(results->empty());
  ASSERT_EQ(client_.calls.size(), 2u);
  const Http2Request& again = client_.calls[1].request;
  EXPECT_NE(HeaderOf(again, "authorization"), first_auth);
  EXPECT_TRUE(BearerVerifies(HeaderOf(again, "authorization")));
  // Same request otherwise: same apns-id, body, url.
  EXPECT_EQ(HeaderOf(again, "apns-id"), HeaderOf(client_.calls[0].request, "apns-id"));
  EXPECT_EQ(again.body, client_.calls[0].request.body);
  EXPECT_EQ(again.url, client_.calls[0].request.url);
  EXPECT_EQ(p->token_cache()->minted(), 2);

  client_.Answer(200, "", {{"apns-id", "x"}});
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].outcome, Outcome::kDelivered);

  // The next send uses the renewed token.
  SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  EXPECT_EQ(HeaderOf(client_.calls[2].request, "authorization"), HeaderOf(again, "authorization"));
}

TEST_F(ApnsProviderTest, RenewalResendsTheFirstRequestByteForByte) {
  // The resend is built again from the delivery (no copy of the request is kept per push), so
  // everything but the token must come out as the first time, the clock having moved on: an
  // incoming call's apns-expiration included.
  auto p = Make(Options());
  auto results = SendAndCollect(*p, Request(&call_, domain::Platform::kApns));
  now_ += absl::Minutes(25);
  client_.Answer(403, R"({"reason":"ExpiredProviderToken"})");
  ASSERT_EQ(client_.calls.size(), 2u);
  const Http2Request& first = client_.calls[0].request;
  const Http2Request& again = client_.calls[1].request;
  ASSERT_NE(HeaderOf(first, "apns-expiration"), "<absent>");
  auto without_authorization = [](std::vector<std::pair<std::string, std::string>> headers) {
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](const auto& h) { return h.first == "authorization"; }),
                  headers.end());
    return headers;
  };
  EXPECT_EQ(without_authorization(again.headers), without_authorization(first.headers));
  EXPECT_NE(HeaderOf(again, "authorization"), HeaderOf(first, "authorization"));
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.url, first.url);
  EXPECT_EQ(again.pool, first.pool);
  EXPECT_EQ(again.tls.resolve, first.tls.resolve);
  EXPECT_EQ(again.timeout, first.timeout);
  client_.Answer(200, "", {{"apns-id", "x"}});
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].outcome, Outcome::kDelivered);
}

TEST_F(ApnsProviderTest, ExpiredTwiceIsAConfigError) {
  auto p = Make(Options());
  auto results = SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  now_ += absl::Minutes(25);
  client_.Answer(403, R"({"reason":"ExpiredProviderToken"})");
  ASSERT_EQ(client_.calls.size(), 2u);
  now_ += absl::Minutes(25);
  client_.Answer(403, R"({"reason":"ExpiredProviderToken"})");
  EXPECT_EQ(client_.calls.size(), 2u);  // no third attempt
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].outcome, Outcome::kConfigError);
  EXPECT_EQ((*results)[0].http_status, 403);
  EXPECT_TRUE(absl::StrContains((*results)[0].reason, "ExpiredProviderToken"));
}

TEST_F(ApnsProviderTest, ExpiredYoungTokenIsNotRenewed) {
  // Apple calls a 5-minute-old token expired: our clock is off. Renewing would only earn
  // TooManyProviderTokenUpdates.
  auto p = Make(Options());
  auto results = SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  now_ += absl::Minutes(5);
  client_.Answer(403, R"({"reason":"ExpiredProviderToken"})");
  EXPECT_EQ(client_.calls.size(), 1u);
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].outcome, Outcome::kConfigError);
  EXPECT_TRUE(absl::StrContains((*results)[0].reason, "ExpiredProviderToken"));
  EXPECT_EQ(p->token_cache()->minted(), 1);
}

TEST_F(ApnsProviderTest, OtherAnswersAreSettledByTheClassifier) {
  auto p = Make(Options());
  auto results = SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  client_.Answer(410, R"({"reason":"Unregistered","timestamp":1741847000000})");
  results = SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  client_.Answer(429, R"({"reason":"TooManyRequests"})", {{"retry-after", "7"}});
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].outcome, Outcome::kRetry);
  EXPECT_EQ((*results)[0].retry_after, absl::Seconds(7));
  EXPECT_EQ(client_.calls.size(), 2u);
}

TEST_F(ApnsProviderTest, LocalFailuresCompleteInline) {
  auto p = Make(Options());
  // Chat to a VoIP token: not applicable.
  auto r1 = SendAndCollect(*p, Request(&chat_, domain::Platform::kApnsVoip));
  ASSERT_EQ(r1->size(), 1u);
  EXPECT_EQ((*r1)[0].outcome, Outcome::kPermanentFailure);
  EXPECT_EQ((*r1)[0].reason, "NotApplicable");
  // Not hex: APNs can never accept it.
  auto bad = Request(&chat_, domain::Platform::kApns);
  bad.registration.input.token = "not-a-token";
  auto r2 = SendAndCollect(*p, bad);
  ASSERT_EQ(r2->size(), 1u);
  EXPECT_EQ((*r2)[0].outcome, Outcome::kTokenDead);
  EXPECT_EQ((*r2)[0].reason, "BadDeviceToken");
  // Cannot fit.
  NotificationContent huge = chat_;
  huge.title = std::string(5000, 'T');
  auto r3 = SendAndCollect(*p, Request(&huge, domain::Platform::kApns));
  ASSERT_EQ(r3->size(), 1u);
  EXPECT_EQ((*r3)[0].outcome, Outcome::kPermanentFailure);
  EXPECT_EQ((*r3)[0].reason, "PayloadTooLarge");
  // Unknown environment: configuration.
  auto r4 = SendAndCollect(*p, Request(&chat_, domain::Platform::kApns, "staging"));
  ASSERT_EQ(r4->size(), 1u);
  EXPECT_EQ((*r4)[0].outcome, Outcome::kConfigError);
  EXPECT_TRUE(client_.calls.empty());
}

TEST_F(ApnsProviderTest, CertificateAuthSendsNoBearerAndPresentsTheCertificate) {
  ApnsProviderOptions o;
  o.credentials.cert_file = "/etc/pushgate/apns-cert.pem";
  o.credentials.cert_key_file = "/etc/pushgate/apns-key.pem";
  o.credentials.bundle_id = "com.example.app";
  auto p = Make(o);
  ASSERT_FALSE(p->uses_token_auth());
  SendAndCollect(*p, Request(&chat_, domain::Platform::kApns));
  ASSERT_EQ(client_.calls.size(), 1u);
  const Http2Request& req = client_.calls[0].request;
  EXPECT_EQ(HeaderOf(req, "authorization"), "<absent>");
  EXPECT_EQ(req.tls.client_cert_file, "/etc/pushgate/apns-cert.pem");
  EXPECT_EQ(req.tls.client_key_file, "/etc/pushgate/apns-key.pem");
  EXPECT_EQ(req.pool, "apns/cert//etc/pushgate/apns-cert.pem/production");
}

TEST_F(ApnsProviderTest, SharedTokenCacheMeansOneJwtPerKey) {
  ApnsProviderOptions a = Options();
  auto pa = Make(a);
  ApnsProviderOptions b = Options();
  b.credentials.bundle_id = "com.example.other";
  b.token_cache = pa->token_cache();
  auto pb = Make(b);
  SendAndCollect(*pa, Request(&chat_, domain::Platform::kApns));
  SendAndCollect(*pb, Request(&chat_, domain::Platform::kApns));
  EXPECT_EQ(HeaderOf(client_.calls[0].request, "authorization"),
            HeaderOf(client_.calls[1].request, "authorization"));
  EXPECT_EQ(pa->token_cache()->minted(), 1);

  ApnsProviderOptions wrong = Options();
  wrong.credentials.key_id = "OTHERKEY00";
  wrong.token_cache = pa->token_cache();
  EXPECT_EQ(ApnsProvider::Create(&client_, wrong).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ApnsProviderTest, CreateRejectsIncompleteCredentials) {
  ApnsProviderOptions o = Options();
  o.credentials.key_id.clear();
  EXPECT_EQ(ApnsProvider::Create(&client_, o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options();
  o.credentials.p8_key_pem = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n";
  EXPECT_EQ(ApnsProvider::Create(&client_, o).status().code(), absl::StatusCode::kInvalidArgument);
  o = Options();
  o.credentials.p8_key_pem.clear();
  o.credentials.p8_key_file = "/nonexistent/AuthKey_KEYID12345.p8";
  EXPECT_EQ(ApnsProvider::Create(&client_, o).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApnsProvider::Create(&client_, ApnsProviderOptions{}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ApnsProvider::Create(nullptr, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pushgate::providers
