#include "providers/webpush_response_classifier.h"

#include <gtest/gtest.h>

#include <string>

namespace pushgate::providers {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1764300000);

ProviderAnswer Answer(int status, std::string body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
  ProviderAnswer a;
  a.status = status;
  a.body = std::move(body);
  a.headers = std::move(headers);
  return a;
}

struct Row {
  int status;
  Outcome outcome;
  std::string reason;
};

TEST(WebPushClassifier, StatusTable) {
  const std::vector<Row> rows = {
      {201, Outcome::kDelivered, ""},
      {200, Outcome::kDelivered, ""},
      {202, Outcome::kDelivered, ""},
      {400, Outcome::kPermanentFailure, "BadRequest"},
      {401, Outcome::kConfigError, "Unauthorized"},
      {403, Outcome::kConfigError, "Forbidden"},
      {404, Outcome::kTokenDead, "NotFound"},
      {410, Outcome::kTokenDead, "Gone"},
      {413, Outcome::kPermanentFailure, "PayloadTooLarge"},
      {429, Outcome::kRetry, "TooManyRequests"},
      {500, Outcome::kRetry, "HTTP 500"},
      {502, Outcome::kRetry, "HTTP 502"},
      {503, Outcome::kRetry, "HTTP 503"},
      {405, Outcome::kPermanentFailure, "HTTP 405"},
  };
  for (const Row& row : rows) {
    const WebPushClassification c = ClassifyWebPushAnswer(Answer(row.status), kNow);
    EXPECT_EQ(c.result.outcome, row.outcome) << row.status;
    EXPECT_EQ(c.result.reason, row.reason) << row.status;
    EXPECT_EQ(c.result.http_status, row.status);
    EXPECT_EQ(c.payload_too_large, row.status == 413) << row.status;
  }
}

TEST(WebPushClassifier, LocationIsTheMessageId) {
  const auto c = ClassifyWebPushAnswer(
      Answer(201, "", {{"location", "https://push.example/m/abc"}, {"ttl", "60"}}), kNow);
  EXPECT_EQ(c.result.provider_message_id, "https://push.example/m/abc");
}

TEST(WebPushClassifier, RetryAfterSecondsOrDate) {
  auto c = ClassifyWebPushAnswer(Answer(429, "", {{"retry-after", "17"}}), kNow);
  ASSERT_TRUE(c.result.retry_after.has_value());
  EXPECT_EQ(*c.result.retry_after, absl::Seconds(17));
  c = ClassifyWebPushAnswer(
      Answer(503, "",
             {{"Retry-After", absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                               kNow + absl::Seconds(90), absl::UTCTimeZone())}}),
      kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kRetry);
  EXPECT_EQ(*c.result.retry_after, absl::Seconds(90));
  c = ClassifyWebPushAnswer(Answer(429), kNow);
  EXPECT_FALSE(c.result.retry_after.has_value());
}

TEST(WebPushClassifier, ServiceReasonIsUsedWhenItIsAnIdentifier) {
  auto c = ClassifyWebPushAnswer(Answer(403, R"({"reason":"VapidPkHashMismatch"})"), kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kConfigError);
  EXPECT_EQ(c.result.reason, "VapidPkHashMismatch");
  c = ClassifyWebPushAnswer(Answer(400, R"({"reason":"BadTtl"})"), kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kPermanentFailure);
  EXPECT_EQ(c.result.reason, "BadTtl");
  // Free text might quote the endpoint: not copied.
  c = ClassifyWebPushAnswer(Answer(410, R"({"reason":"https://push.example/secret gone"})"), kNow);
  EXPECT_EQ(c.result.reason, "Gone");
  c = ClassifyWebPushAnswer(Answer(410, "not json"), kNow);
  EXPECT_EQ(c.result.reason, "Gone");
}

TEST(WebPushClassifier, NoAnswerRetriesUnlessTheClientRefusedTheRequest) {
  ProviderAnswer a;
  a.timed_out = true;
  auto c = ClassifyWebPushAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kRetry);
  EXPECT_EQ(c.result.reason, "timeout");
  a = ProviderAnswer{};
  a.transport_error = "connection refused";
  EXPECT_EQ(ClassifyWebPushAnswer(a, kNow).result.outcome, Outcome::kRetry);
  a.transport_error = "invalid request: bad header";
  EXPECT_EQ(ClassifyWebPushAnswer(a, kNow).result.outcome, Outcome::kPermanentFailure);
}

}  // namespace
}  // namespace pushgate::providers
