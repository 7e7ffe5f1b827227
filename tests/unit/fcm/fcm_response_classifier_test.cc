#include "providers/fcm_response_classifier.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'741'847'460);

std::string FcmError(int code, const std::string& status, const std::string& error_code,
                     const std::string& message = "boom") {
  nlohmann::json details = nlohmann::json::array();
  if (!error_code.empty()) {
    details.push_back({{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"},
                       {"errorCode", error_code}});
  }
  return nlohmann::json{
      {"error", {{"code", code}, {"message", message}, {"status", status}, {"details", details}}}}
      .dump();
}

struct Row {
  const char* name;
  int status;
  std::string body;
  std::string retry_after;  // header, "" for none
  Outcome outcome;
  std::string reason;
  std::optional<absl::Duration> retry;
  bool token_rejected = false;
};

class Classify : public ::testing::TestWithParam<Row> {};

TEST_P(Classify, Row) {
  const Row& row = GetParam();
  FcmAnswer a;
  a.status = row.status;
  a.body = row.body;
  if (!row.retry_after.empty()) a.headers.emplace_back("retry-after", row.retry_after);
  FcmClassification c = ClassifyFcmAnswer(a, kNow);
  EXPECT_EQ(OutcomeName(c.result.outcome), std::string(OutcomeName(row.outcome)));
  EXPECT_EQ(c.result.reason, row.reason);
  EXPECT_EQ(c.result.retry_after, row.retry);
  EXPECT_EQ(c.access_token_rejected, row.token_rejected);
  EXPECT_EQ(c.result.http_status, row.status);
}

const std::string kBadTokenViolation =
    nlohmann::json{
        {"error",
         {{"code", 400},
          {"message", "Request contains an invalid argument."},
          {"status", "INVALID_ARGUMENT"},
          {"details",
           {{{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"},
             {"errorCode", "INVALID_ARGUMENT"}},
            {{"@type", "type.googleapis.com/google.rpc.BadRequest"},
             {"fieldViolations",
              {{{"field", "message.token"}, {"description", "Invalid registration token"}}}}}}}}}}
        .dump();

INSTANTIATE_TEST_SUITE_P(
    Fcm, Classify,
    ::testing::Values(
        Row{"unregistered", 404, FcmError(404, "NOT_FOUND", "UNREGISTERED"), "",
            Outcome::kTokenDead, "UNREGISTERED", std::nullopt},
        Row{"sender_id_mismatch", 403, FcmError(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), "",
            Outcome::kTokenDead, "SENDER_ID_MISMATCH", std::nullopt},
        Row{"invalid_argument_payload", 400,
            FcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                     "Invalid value at 'message.data[0].value' (TYPE_STRING), 12"),
            "", Outcome::kPermanentFailure, "INVALID_ARGUMENT", std::nullopt},
        Row{"invalid_token_message", 400,
            FcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                     "The registration token is not a valid FCM registration token"),
            "", Outcome::kTokenDead, "INVALID_ARGUMENT (invalid registration token)", std::nullopt},
        Row{"invalid_token_field_violation", 400, kBadTokenViolation, "", Outcome::kTokenDead,
            "INVALID_ARGUMENT (invalid registration token)", std::nullopt},
        // Retry-After as sent; the minute's floor is the engine's (quota_backoff_seconds).
        Row{"quota_short_retry_after", 429, FcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
            "5", Outcome::kRetry, "QUOTA_EXCEEDED", absl::Seconds(5)},
        Row{"quota_no_header", 429, FcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), "",
            Outcome::kRetry, "QUOTA_EXCEEDED", std::nullopt},
        Row{"quota_longer_retry_after", 429, FcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"),
            "300", Outcome::kRetry, "QUOTA_EXCEEDED", absl::Seconds(300)},
        Row{"unavailable_retry_after", 503, FcmError(503, "UNAVAILABLE", "UNAVAILABLE"), "7",
            Outcome::kRetry, "UNAVAILABLE", absl::Seconds(7)},
        Row{"unavailable_http_date", 503, FcmError(503, "UNAVAILABLE", "UNAVAILABLE"),
            "Thu, 13 Mar 2025 06:31:40 GMT", Outcome::kRetry, "UNAVAILABLE", absl::Seconds(40)},
        Row{"internal", 500, FcmError(500, "INTERNAL", "INTERNAL"), "", Outcome::kRetry, "INTERNAL",
            std::nullopt},
        Row{"unspecified", 500, FcmError(500, "UNKNOWN", "UNSPECIFIED_ERROR"), "", Outcome::kRetry,
            "UNSPECIFIED_ERROR", std::nullopt},
        Row{"third_party_auth", 401, FcmError(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"), "",
            Outcome::kConfigError, "THIRD_PARTY_AUTH_ERROR", std::nullopt},
        Row{"apns_auth_legacy", 401, FcmError(401, "UNAUTHENTICATED", "APNS_AUTH_ERROR"), "",
            Outcome::kConfigError, "APNS_AUTH_ERROR", std::nullopt},
        Row{"permission_denied", 403, FcmError(403, "PERMISSION_DENIED", ""), "",
            Outcome::kConfigError, "PERMISSION_DENIED", std::nullopt},
        Row{"unauthenticated_refresh", 401, FcmError(401, "UNAUTHENTICATED", ""), "",
            Outcome::kConfigError, "UNAUTHENTICATED", std::nullopt, true},
        Row{"unauthenticated_no_body", 401, "", "", Outcome::kConfigError, "UNAUTHENTICATED",
            std::nullopt, true},
        // No FcmError detail: the HTTP status decides.
        Row{"bare_404", 404, "not json", "", Outcome::kTokenDead, "UNREGISTERED", std::nullopt},
        Row{"bare_400", 400, "{}", "", Outcome::kPermanentFailure, "INVALID_ARGUMENT",
            std::nullopt},
        Row{"bare_503", 503, "", "2", Outcome::kRetry, "UNAVAILABLE", absl::Seconds(2)},
        Row{"bare_502", 502, "", "", Outcome::kRetry, "HTTP 502", std::nullopt},
        Row{"bare_429", 429, "", "", Outcome::kRetry, "QUOTA_EXCEEDED", std::nullopt},
        Row{"bare_413", 413, "", "", Outcome::kPermanentFailure, "HTTP 413", std::nullopt}),
    [](const ::testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

TEST(ClassifyFcm, DeliveredCarriesTheMessageName) {
  FcmAnswer a;
  a.status = 200;
  a.body = R"({"name":"projects/p/messages/0:1741847460%abc"})";
  FcmClassification c = ClassifyFcmAnswer(a, kNow);
  EXPECT_EQ(c.result.outcome, Outcome::kDelivered);
  EXPECT_EQ(c.result.provider_message_id, "projects/p/messages/0:1741847460%abc");
  EXPECT_TRUE(c.result.reason.empty());
}

TEST(ClassifyFcm, TransportErrorsRetry) {
  FcmAnswer a;
  a.transport_error = "Connection refused";
  EXPECT_EQ(ClassifyFcmAnswer(a, kNow).result.outcome, Outcome::kRetry);
  EXPECT_EQ(ClassifyFcmAnswer(a, kNow).result.reason, "Connection refused");
  a.transport_error.clear();
  a.timed_out = true;
  EXPECT_EQ(ClassifyFcmAnswer(a, kNow).result.reason, "timeout");
  a.timed_out = false;
  a.transport_error = "invalid request: header value has a newline";
  EXPECT_EQ(ClassifyFcmAnswer(a, kNow).result.outcome, Outcome::kPermanentFailure);
}

TEST(ClassifyFcm, ReasonNeverQuotesTheMessageText) {
  FcmAnswer a;
  a.status = 400;
  a.body = FcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "token abcdef is bad");
  EXPECT_EQ(ClassifyFcmAnswer(a, kNow).result.reason.find("abcdef"), std::string::npos);
}

}  // namespace
}  // namespace pushgate::providers
