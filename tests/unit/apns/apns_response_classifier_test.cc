#include "providers/apns_response_classifier.h"

#include <gtest/gtest.h>

namespace pushgate::providers {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'741'847'460);

struct Row {
  int status;
  std::string reason;  // "" sends an empty body
  Outcome outcome;
  bool provider_token_expired = false;
};

class ClassifierTable : public ::testing::TestWithParam<Row> {};

TEST_P(ClassifierTable, Classifies) {
  const Row& row = GetParam();
  ApnsAnswer a;
  a.status = row.status;
  a.headers = {{"apns-id", "11111111-2222-3333-4444-555555555555"}};
  if (!row.reason.empty()) a.body = R"({"reason":")" + row.reason + R"("})";
  const auto c = ClassifyApnsAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, row.outcome)
      << row.status << " " << row.reason << " -> " << OutcomeName(c.result.outcome);
  EXPECT_EQ(c.provider_token_expired, row.provider_token_expired);
  EXPECT_EQ(c.result.http_status, row.status);
  EXPECT_EQ(c.result.provider_message_id, "11111111-2222-3333-4444-555555555555");
  if (row.status != 200) {
    EXPECT_EQ(c.result.reason,
              row.reason.empty() ? "HTTP " + std::to_string(row.status) : row.reason);
  }
}

// protocols.md §2.6 / §5, row by row.
INSTANTIATE_TEST_SUITE_P(
    Apns, ClassifierTable,
    ::testing::Values(
        Row{200, "", Outcome::kDelivered}, Row{410, "Unregistered", Outcome::kTokenDead},
        Row{410, "ExpiredToken", Outcome::kTokenDead},
        Row{400, "BadDeviceToken", Outcome::kTokenDead},
        Row{400, "DeviceTokenNotForTopic", Outcome::kTokenDead},
        Row{400, "TopicDisallowed", Outcome::kConfigError},
        Row{400, "MissingTopic", Outcome::kConfigError}, Row{400, "IdleTimeout", Outcome::kRetry},
        Row{400, "BadCollapseId", Outcome::kPermanentFailure},
        Row{400, "BadExpirationDate", Outcome::kPermanentFailure},
        Row{400, "BadMessageId", Outcome::kPermanentFailure},
        Row{400, "BadPriority", Outcome::kPermanentFailure},
        Row{400, "BadTopic", Outcome::kPermanentFailure},
        Row{400, "DuplicateHeaders", Outcome::kPermanentFailure},
        Row{400, "InvalidPushType", Outcome::kPermanentFailure},
        Row{400, "MissingDeviceToken", Outcome::kPermanentFailure},
        Row{400, "PayloadEmpty", Outcome::kPermanentFailure},
        Row{400, "", Outcome::kPermanentFailure},
        Row{403, "ExpiredProviderToken", Outcome::kConfigError, /*provider_token_expired=*/true},
        Row{403, "InvalidProviderToken", Outcome::kConfigError},
        Row{403, "MissingProviderToken", Outcome::kConfigError},
        Row{403, "BadCertificate", Outcome::kConfigError},
        Row{403, "BadCertificateEnvironment", Outcome::kConfigError},
        Row{403, "Forbidden", Outcome::kConfigError},
        Row{403, "UnrelatedKeyIdInToken", Outcome::kConfigError},
        Row{403, "BadEnvironmentKeyIdInToken", Outcome::kConfigError},
        Row{404, "BadPath", Outcome::kPermanentFailure},
        Row{405, "MethodNotAllowed", Outcome::kPermanentFailure},
        Row{413, "PayloadTooLarge", Outcome::kPermanentFailure},
        Row{429, "TooManyRequests", Outcome::kRetry},
        Row{429, "TooManyProviderTokenUpdates", Outcome::kConfigError},
        Row{500, "InternalServerError", Outcome::kRetry},
        Row{503, "ServiceUnavailable", Outcome::kRetry}, Row{503, "Shutdown", Outcome::kRetry},
        Row{502, "", Outcome::kRetry}, Row{418, "", Outcome::kPermanentFailure}));

TEST(ApnsClassifier, DeliveredKeepsTheApnsIdAndNoReason) {
  ApnsAnswer a;
  a.status = 200;
  a.headers = {{"apns-id", "abc"}, {"apns-unique-id", "def"}};
  const auto c = ClassifyApnsAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kDelivered);
  EXPECT_EQ(c.result.provider_message_id, "abc");
  EXPECT_TRUE(c.result.reason.empty());
}

TEST(ApnsClassifier, UnregisteredCarriesTheTimestamp) {
  ApnsAnswer a;
  a.status = 410;
  a.body = R"({"reason":"Unregistered","timestamp":1741847000123})";
  auto c = ClassifyApnsAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kTokenDead);
  EXPECT_EQ(c.result.token_invalid_since_ms, 1741847000123);
  a.body = R"({"reason":"Unregistered","timestamp":"1741847000124"})";
  EXPECT_EQ(ClassifyApnsAnswer(a, kNow).result.token_invalid_since_ms, 1741847000124);
  a.body = R"({"reason":"ExpiredToken"})";
  EXPECT_EQ(ClassifyApnsAnswer(a, kNow).result.token_invalid_since_ms, 0);
}

TEST(ApnsClassifier, RetryAfterSecondsAndDates) {
  ApnsAnswer a;
  a.status = 429;
  a.body = R"({"reason":"TooManyRequests"})";
  a.headers = {{"retry-after", "5"}};
  auto c = ClassifyApnsAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kRetry);
  ASSERT_TRUE(c.result.retry_after.has_value());
  EXPECT_EQ(*c.result.retry_after, absl::Seconds(5));

  a.status = 503;
  a.body = R"({"reason":"ServiceUnavailable"})";
  a.headers = {{"Retry-After", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                                kNow + absl::Seconds(90), absl::UTCTimeZone())}};
  c = ClassifyApnsAnswer(a, kNow);
  ASSERT_TRUE(c.result.retry_after.has_value());
  EXPECT_EQ(*c.result.retry_after, absl::Seconds(90));

  a.headers = {{"retry-after", "soon"}};
  EXPECT_FALSE(ClassifyApnsAnswer(a, kNow).result.retry_after.has_value());
  a.headers = {};
  EXPECT_FALSE(ClassifyApnsAnswer(a, kNow).result.retry_after.has_value());
}

TEST(ApnsClassifier, TransportErrorsAreRetries) {
  ApnsAnswer a;
  a.status = 0;
  a.transport_error = "connection closed: GOAWAY/stream reset";
  auto c = ClassifyApnsAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kRetry);
  EXPECT_EQ(c.result.reason, "connection closed: GOAWAY/stream reset");
  EXPECT_EQ(c.result.http_status, 0);
  EXPECT_TRUE(c.reconnect);

  a.transport_error = "timeout";
  a.timed_out = true;
  c = ClassifyApnsAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kRetry);
  EXPECT_EQ(c.result.reason, "timeout");

  a = ApnsAnswer{};
  a.transport_error = "tls: certificate verify failed";
  EXPECT_EQ(ClassifyApnsAnswer(a, kNow).result.outcome, Outcome::kRetry);
  // A request the client refused to send will be refused again.
  a.transport_error = "invalid request: bad URL";
  EXPECT_EQ(ClassifyApnsAnswer(a, kNow).result.outcome, Outcome::kPermanentFailure);
}

TEST(ApnsClassifier, ReconnectHints) {
  ApnsAnswer a;
  a.status = 503;
  a.body = R"({"reason":"Shutdown"})";
  EXPECT_TRUE(ClassifyApnsAnswer(a, kNow).reconnect);
  a.status = 400;
  a.body = R"({"reason":"IdleTimeout"})";
  EXPECT_TRUE(ClassifyApnsAnswer(a, kNow).reconnect);
  a.status = 500;
  a.body = R"({"reason":"InternalServerError"})";
  EXPECT_FALSE(ClassifyApnsAnswer(a, kNow).reconnect);
}

TEST(ApnsClassifier, GarbageBodiesDoNotCrash) {
  ApnsAnswer a;
  a.status = 400;
  for (const char* body : {"not json", "[1,2]", R"({"reason":42})", "\xff\xfe"}) {
    a.body = body;
    auto c = ClassifyApnsAnswer(a, kNow);
    EXPECT_EQ(c.result.outcome, Outcome::kPermanentFailure) << body;
    EXPECT_EQ(c.result.reason, "HTTP 400");
  }
  a.status = 410;
  a.body = R"({"reason":"Unregistered","timestamp":{"x":1}})";
  EXPECT_EQ(ClassifyApnsAnswer(a, kNow).result.token_invalid_since_ms, 0);
}

}  // namespace
}  // namespace pushgate::providers
