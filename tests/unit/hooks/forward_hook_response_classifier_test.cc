#include "providers/forward_hook_response_classifier.h"

#include "gtest/gtest.h"

namespace pushgate::providers {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1764325200);  // Fri, 28 Nov 2025 10:20:00 GMT

ProviderAnswer Status(int status, std::vector<std::pair<std::string, std::string>> headers = {},
                      std::string body = "") {
  ProviderAnswer a;
  a.status = status;
  a.headers = std::move(headers);
  a.body = std::move(body);
  return a;
}

TEST(ForwardHookClassifier, AnyTwoHundredIsDelivered) {
  for (int status : {200, 201, 202, 204}) {
    SendResult r = ClassifyForwardHookAnswer(Status(status), kNow);
    EXPECT_EQ(r.outcome, Outcome::kDelivered) << status;
    EXPECT_EQ(r.http_status, status);
  }
}

TEST(ForwardHookClassifier, EverythingElseRetriesAndNeverPrunes) {
  for (int status : {301, 400, 401, 404, 410, 413, 429, 500, 502, 503}) {
    SendResult r = ClassifyForwardHookAnswer(Status(status, {}, "secret receiver text"), kNow);
    EXPECT_EQ(r.outcome, Outcome::kRetry) << status;
    EXPECT_EQ(r.http_status, status);
    EXPECT_EQ(r.reason, "HTTP " + std::to_string(status));
    EXPECT_FALSE(r.retry_after.has_value());
  }
}

TEST(ForwardHookClassifier, RetryAfterInSecondsOrAsADateIsHonoured) {
  SendResult seconds = ClassifyForwardHookAnswer(Status(503, {{"retry-after", "7"}}), kNow);
  ASSERT_TRUE(seconds.retry_after.has_value());
  EXPECT_EQ(*seconds.retry_after, absl::Seconds(7));
  SendResult date = ClassifyForwardHookAnswer(
      Status(429, {{"Retry-After", "Fri, 28 Nov 2025 10:21:30 GMT"}}), kNow);
  ASSERT_TRUE(date.retry_after.has_value());
  EXPECT_EQ(*date.retry_after, absl::Seconds(90));
  SendResult junk = ClassifyForwardHookAnswer(Status(503, {{"retry-after", "soon"}}), kNow);
  EXPECT_FALSE(junk.retry_after.has_value());
}

TEST(ForwardHookClassifier, NoAnswerRetriesWithTheTransportError) {
  ProviderAnswer a;
  a.transport_error = "Connection refused";
  SendResult r = ClassifyForwardHookAnswer(a, kNow);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_EQ(r.reason, "Connection refused");
}

}  // namespace
}  // namespace pushgate::providers
