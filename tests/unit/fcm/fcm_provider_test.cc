// FcmProvider with a scripted HTTP/2 client: what it sends, the 401 refresh-once rule, and the
// failures it settles without sending.
#include "providers/fcm_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fcm_test_util.h"

namespace pushgate::providers {
namespace {

using ::testing::HasSubstr;

class ScriptedClient : public Http2Client {
 public:
  void Send(Http2Request request, std::function<void(Http2Response)> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent_.push_back(request);
    pending_.push_back({std::move(request), std::move(done)});
  }
  size_t Pending() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }
  void Shutdown() override {}

  const Http2Request& Front() { return pending_.front().first; }
  void Answer(int status, const std::string& body,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    std::pair<Http2Request, std::function<void(Http2Response)>> p;
    {
      std::lock_guard<std::mutex> lock(mu_);
      p = std::move(pending_.front());
      pending_.pop_front();
    }
    Http2Response r;
    r.status = status;
    r.body = body;
    r.headers = std::move(headers);
    p.second(std::move(r));
  }
  std::vector<Http2Request> sent_;

 private:
  mutable std::mutex mu_;
  std::deque<std::pair<Http2Request, std::function<void(Http2Response)>>> pending_;
};

std::string Grant(const std::string& token) {
  return absl::StrCat(R"({"access_token":")", token, R"(","expires_in":3600})");
}

std::string Header(const Http2Request& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<absent>";
}

class FcmProviderTest : public ::testing::Test {
 protected:
  FcmProviderTest() {
    FcmProviderOptions o;
    o.service_account_json = fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey()).dump();
    o.now = [] { return absl::FromUnixSeconds(1'741'847'460); };
    auto p = FcmProvider::Create(&client_, std::move(o));
    if (!p.ok()) throw std::runtime_error(std::string(p.status().message()));
    provider_ = *std::move(p);
    auto c = ParseStoredPayload(fcm_testing::ReadFixture("chat.json"));
    content_ = *c;
  }

  SendRequest Request(const std::string& token = "tok-1") {
    SendRequest r;
    r.content = &content_;
    r.registration.input.platform = domain::Platform::kFcm;
    r.registration.input.token = token;
    r.registration.input.fcm_os = "android";
    return r;
  }

  std::shared_ptr<std::optional<SendResult>> Send(const SendRequest& r) {
    auto out = std::make_shared<std::optional<SendResult>>();
    provider_->Send(r, [out](SendResult res) { *out = std::move(res); });
    return out;
  }

  ScriptedClient client_;
  std::unique_ptr<FcmProvider> provider_;
  NotificationContent content_;
};

TEST_F(FcmProviderTest, CreateNamesTheMissingField) {
  FcmProviderOptions o;
  nlohmann::json sa = fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey());
  sa.erase("client_email");
  o.service_account_json = sa.dump();
  auto p = FcmProvider::Create(&client_, o);
  ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("client_email"));
  EXPECT_FALSE(FcmProvider::Create(nullptr, FcmProviderOptions{}).ok());
}

TEST_F(FcmProviderTest, FetchesATokenThenSendsWithIt) {
  auto res = Send(Request());
  ASSERT_EQ(client_.Pending(), 1u);
  EXPECT_EQ(client_.Front().url, "https://oauth2.googleapis.com/token");
  client_.Answer(200, Grant("ya29.a"));
  ASSERT_EQ(client_.Pending(), 1u);
  const Http2Request& send = client_.Front();
  EXPECT_EQ(send.url, "https://fcm.googleapis.com/v1/projects/pushgate-test/messages:send");
  EXPECT_EQ(send.pool, "fcm/pushgate-test/firebase-adminsdk@pushgate-test.iam.gserviceaccount.com");
  EXPECT_NE(send.pool, client_.sent_[0].pool);  // the token endpoint has a pool of its own
  EXPECT_TRUE(send.require_http2);
  EXPECT_EQ(Header(send, "authorization"), "Bearer ya29.a");
  EXPECT_EQ(nlohmann::json::parse(send.body)["message"]["token"], "tok-1");
  client_.Answer(200, R"({"name":"projects/pushgate-test/messages/1"})");
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->outcome, Outcome::kDelivered);
  EXPECT_EQ((*res)->provider_message_id, "projects/pushgate-test/messages/1");
}

TEST_F(FcmProviderTest, UnauthenticatedRefreshesOnceAndResendsOnce) {
  auto res = Send(Request());
  client_.Answer(200, Grant("ya29.old"));
  client_.Answer(401, R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})");
  ASSERT_EQ(client_.Pending(), 1u);
  EXPECT_EQ(client_.Front().url, "https://oauth2.googleapis.com/token");
  client_.Answer(200, Grant("ya29.new"));
  ASSERT_EQ(client_.Pending(), 1u);
  EXPECT_EQ(Header(client_.Front(), "authorization"), "Bearer ya29.new");
  EXPECT_EQ(client_.Front().body, client_.sent_[1].body);  // the same message
  // Refused again: not retried a third time.
  client_.Answer(401, R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})");
  EXPECT_EQ(client_.Pending(), 0u);
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->outcome, Outcome::kConfigError);
  EXPECT_THAT((*res)->reason, HasSubstr("again"));
  EXPECT_EQ(provider_->token_source().fetches(), 2);
}

TEST_F(FcmProviderTest, ConcurrentRejectionsShareOneRefresh) {
  auto a = Send(Request("tok-a"));
  auto b = Send(Request("tok-b"));
  client_.Answer(200, Grant("ya29.old"));  // both queued behind one token request
  ASSERT_EQ(client_.Pending(), 2u);
  client_.Answer(401, "");
  client_.Answer(401, "");
  ASSERT_EQ(client_.Pending(), 1u);  // one refresh for both
  client_.Answer(200, Grant("ya29.new"));
  ASSERT_EQ(client_.Pending(), 2u);
  client_.Answer(200, R"({"name":"n1"})");
  client_.Answer(200, R"({"name":"n2"})");
  EXPECT_EQ((*a)->outcome, Outcome::kDelivered);
  EXPECT_EQ((*b)->outcome, Outcome::kDelivered);
  EXPECT_EQ(provider_->token_source().fetches(), 2);
}

TEST_F(FcmProviderTest, NoAccessTokenSettlesWithoutSending) {
  auto res = Send(Request());
  client_.Answer(503, "");
  EXPECT_EQ((*res)->outcome, Outcome::kRetry);
  res = Send(Request());
  client_.Answer(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  EXPECT_EQ((*res)->outcome, Outcome::kConfigError);
  EXPECT_THAT((*res)->reason, HasSubstr("invalid_grant"));
  EXPECT_EQ(client_.Pending(), 0u);
}

TEST_F(FcmProviderTest, LocalFailures) {
  auto r = Request();
  r.registration.input.platform = domain::Platform::kApns;
  EXPECT_EQ((*Send(r))->reason, "NotApplicable");
  r = Request("");
  EXPECT_EQ((*Send(r))->outcome, Outcome::kTokenDead);
  r = Request();
  r.registration.input.fcm_os = "symbian";
  EXPECT_EQ((*Send(r))->outcome, Outcome::kConfigError);
  r = Request();
  r.content = nullptr;
  EXPECT_EQ((*Send(r))->outcome, Outcome::kPermanentFailure);
  EXPECT_EQ(client_.Pending(), 0u);
}

}  // namespace
}  // namespace pushgate::providers
