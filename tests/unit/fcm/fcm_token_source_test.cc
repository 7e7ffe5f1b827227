#include "providers/fcm_token_source.h"

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
using ::testing::StartsWith;

// Records requests; the test answers them one by one, on its own thread.
class ScriptedClient : public Http2Client {
 public:
  void Send(Http2Request request, std::function<void(Http2Response)> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back({std::move(request), std::move(done)});
  }
  size_t Pending() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_.size();
  }
  void Shutdown() override {}

  Http2Request& Front() { return pending_.front().first; }
  void Answer(int status, const std::string& body) {
    std::pair<Http2Request, std::function<void(Http2Response)>> p;
    {
      std::lock_guard<std::mutex> lock(mu_);
      p = std::move(pending_.front());
      pending_.pop_front();
    }
    Http2Response r;
    r.status = status;
    r.body = body;
    if (status == 0) r.transport_error = "Connection refused";
    p.second(std::move(r));
  }

 private:
  mutable std::mutex mu_;
  std::deque<std::pair<Http2Request, std::function<void(Http2Response)>>> pending_;
};

class TokenSourceTest : public ::testing::Test {
 protected:
  TokenSourceTest() {
    auto sa =
        ParseFcmServiceAccount(fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey()).dump());
    if (!sa.ok()) throw std::runtime_error(std::string(sa.status().message()));
    FcmTokenSourceOptions o;
    o.now = [this] { return now_; };
    o.refresh_margin = absl::Minutes(5);
    source_ = std::make_unique<FcmTokenSource>(*std::move(sa), &client_, o);
  }

  // Asks for a token; returns where the answer will land.
  std::shared_ptr<std::optional<absl::StatusOr<std::string>>> Get() {
    auto out = std::make_shared<std::optional<absl::StatusOr<std::string>>>();
    source_->GetToken([out](absl::StatusOr<std::string> t) { *out = std::move(t); });
    return out;
  }

  using Slot = std::shared_ptr<std::optional<absl::StatusOr<std::string>>>;
  static std::string Value(const Slot& slot) {
    if (!slot->has_value()) return "<pending>";
    if (!(*slot)->ok()) return std::string((*slot)->status().message());
    return ***slot;
  }

  static std::string Grant(const std::string& token, int expires_in = 3599) {
    return absl::StrCat(R"({"access_token":")", token, R"(","expires_in":)", expires_in,
                        R"(,"token_type":"Bearer"})");
  }

  absl::Time now_ = absl::FromUnixSeconds(1'741'847'460);
  ScriptedClient client_;
  std::unique_ptr<FcmTokenSource> source_;
};

TEST_F(TokenSourceTest, PostsASignedJwtBearerGrant) {
  auto t = Get();
  ASSERT_EQ(client_.Pending(), 1u);
  const Http2Request& req = client_.Front();
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "https://oauth2.googleapis.com/token");
  EXPECT_FALSE(req.require_http2);
  EXPECT_EQ(req.pool, "fcm-token/firebase-adminsdk@pushgate-test.iam.gserviceaccount.com");
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].second, "application/x-www-form-urlencoded");
  const std::string prefix =
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";
  ASSERT_THAT(req.body, StartsWith(prefix));
  const std::string jwt = req.body.substr(prefix.size());
  EXPECT_TRUE(fcm_testing::VerifyRs256Jwt(fcm_testing::TestRsaKey().public_pem, jwt));
  EXPECT_EQ(
      fcm_testing::JwtPart(jwt, 0),
      (nlohmann::json{
          {"alg", "RS256"}, {"typ", "JWT"}, {"kid", "0123456789abcdef0123456789abcdef01234567"}}));
  const nlohmann::json claims = fcm_testing::JwtPart(jwt, 1);
  EXPECT_EQ(claims["iss"], "firebase-adminsdk@pushgate-test.iam.gserviceaccount.com");
  EXPECT_EQ(claims["scope"], "https://www.googleapis.com/auth/firebase.messaging");
  EXPECT_EQ(claims["aud"], "https://oauth2.googleapis.com/token");
  EXPECT_EQ(claims["iat"], 1'741'847'460);
  EXPECT_EQ(claims["exp"], 1'741'847'460 + 3600);

  client_.Answer(200, Grant("ya29.first"));
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ(Value(t), "ya29.first");
}

TEST_F(TokenSourceTest, CachesUntilAFewMinutesBeforeExpiry) {
  auto t1 = Get();
  client_.Answer(200, Grant("ya29.first", 3600));
  now_ += absl::Minutes(54);
  auto t2 = Get();  // inline, from the cache
  ASSERT_TRUE(t2->has_value());
  EXPECT_EQ(Value(t2), "ya29.first");
  EXPECT_EQ(client_.Pending(), 0u);
  now_ += absl::Minutes(1);  // 55 min: 5 min before expires_in
  auto t3 = Get();
  EXPECT_FALSE(t3->has_value());
  ASSERT_EQ(client_.Pending(), 1u);
  client_.Answer(200, Grant("ya29.second", 3600));
  EXPECT_EQ(Value(t3), "ya29.second");
  EXPECT_EQ(source_->fetches(), 2);
}

TEST_F(TokenSourceTest, ShortLivedTokensAreUsedForHalfTheirLife) {
  auto t1 = Get();
  client_.Answer(200, Grant("short", 120));  // less than the margin
  now_ += absl::Seconds(59);
  EXPECT_TRUE(Get()->has_value());
  now_ += absl::Seconds(1);
  EXPECT_FALSE(Get()->has_value());
}

TEST_F(TokenSourceTest, ConcurrentCallersShareOneRefresh) {
  auto a = Get();
  auto b = Get();
  auto c = Get();
  EXPECT_EQ(client_.Pending(), 1u);
  client_.Answer(200, Grant("ya29.shared"));
  for (auto* t : {&a, &b, &c}) {
    ASSERT_TRUE((*t)->has_value());
    EXPECT_EQ(Value(*t), "ya29.shared");
  }
  EXPECT_EQ(source_->fetches(), 1);
}

TEST_F(TokenSourceTest, InvalidateDropsOnlyTheRejectedToken) {
  Get();
  client_.Answer(200, Grant("ya29.old"));
  source_->Invalidate("someone-elses");
  EXPECT_TRUE(Get()->has_value());
  source_->Invalidate("ya29.old");
  auto t = Get();
  EXPECT_FALSE(t->has_value());
  client_.Answer(200, Grant("ya29.new"));
  EXPECT_EQ(Value(t), "ya29.new");
  source_->Invalidate("ya29.old");  // a late 401 for the old token: the new one stays
  EXPECT_TRUE(Get()->has_value());
}

TEST_F(TokenSourceTest, FailuresAreClassifiedAndNotCached) {
  auto t = Get();
  client_.Answer(0, "");
  EXPECT_EQ((*t)->status().code(), absl::StatusCode::kUnavailable);
  t = Get();
  client_.Answer(503, "");
  EXPECT_EQ((*t)->status().code(), absl::StatusCode::kUnavailable);
  t = Get();
  client_.Answer(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})");
  EXPECT_EQ((*t)->status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string((*t)->status().message()), HasSubstr("invalid_grant"));
  t = Get();
  client_.Answer(200, R"({"token_type":"Bearer"})");
  EXPECT_EQ((*t)->status().code(), absl::StatusCode::kInternal);
  t = Get();
  client_.Answer(200, Grant("ya29.finally"));
  EXPECT_EQ(Value(t), "ya29.finally");
  EXPECT_EQ(source_->fetches(), 5);
}

}  // namespace
}  // namespace pushgate::providers
