#include "providers/apns_response_classifier.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

// APNs documents the 410 timestamp as a number of milliseconds; accept a numeric string too.
int64_t TimestampMs(const nlohmann::json& body) {
  auto it = body.find("timestamp");
  if (it == body.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_float()) return static_cast<int64_t>(it->get<double>());
  if (it->is_string()) {
    int64_t v = 0;
    if (absl::SimpleAtoi(it->get_ref<const std::string&>(), &v)) return v;
  }
  return 0;
}

}  // namespace

ApnsClassification ClassifyApnsAnswer(const ApnsAnswer& a, absl::Time now) {
  ApnsClassification c;
  SendResult& r = c.result;
  r.http_status = a.status;
  r.provider_message_id = AnswerHeader(a, "apns-id");

  if (a.status == 0) {
    // No answer: resending is safe (apns-id stays the same). A transport failure also drops
    // the connection.
    const std::string message_id = std::move(r.provider_message_id);
    r = SettleWithoutAnswer(a);
    r.provider_message_id = message_id;
    c.reconnect = r.outcome == Outcome::kRetry;
    return c;
  }

  nlohmann::json body =
      nlohmann::json::parse(a.body, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/false);
  std::string reason;
  if (body.is_object()) {
    if (auto it = body.find("reason"); it != body.end() && it->is_string()) {
      reason = it->get<std::string>();
    }
  }
  r.reason = reason.empty() ? absl::StrCat("HTTP ", a.status) : reason;
  r.retry_after = ParseRetryAfter(AnswerHeader(a, "retry-after"), now);

  const int s = a.status;
  if (s == 200) {
    r.outcome = Outcome::kDelivered;
    r.reason.clear();
    return c;
  }
  if (s == 410) {
    // Unregistered / ExpiredToken: the app is gone from the device (or the token expired).
    // The timestamp lets the engine keep a registration renewed after it.
    r.outcome = Outcome::kTokenDead;
    if (body.is_object()) r.token_invalid_since_ms = TimestampMs(body);
    return c;
  }
  if (s == 400) {
    if (reason == "BadDeviceToken" || reason == "DeviceTokenNotForTopic") {
      // Apple: never retry. BadDeviceToken is also what a sandbox token sent to production
      // gets; the registration's environment is what selects the host, so a mix-up is the
      // registration's own error and retiring it is right.
      r.outcome = Outcome::kTokenDead;
    } else if (reason == "TopicDisallowed" || reason == "MissingTopic") {
      r.outcome = Outcome::kConfigError;  // the bundle id / key configuration is wrong
    } else if (reason == "IdleTimeout") {
      r.outcome = Outcome::kRetry;  // the connection idled out; a new one will do
      c.reconnect = true;
    } else {
      r.outcome = Outcome::kPermanentFailure;  // our request is malformed: resending won't help
    }
    return c;
  }
  if (s == 403) {
    if (reason == "ExpiredProviderToken") {
      c.provider_token_expired = true;
      r.outcome = Outcome::kConfigError;
    } else {
      // Certificate or key problems, Forbidden: not the device's fault; keep the token and
      // alert the operator.
      r.outcome = Outcome::kConfigError;
      if (reason == "UnrelatedKeyIdInToken") c.reconnect = true;
    }
    return c;
  }
  if (s == 429) {
    if (reason == "TooManyProviderTokenUpdates") {
      r.outcome = Outcome::kConfigError;  // we mint JWTs too often: a bug or shared key
    } else {
      r.outcome = Outcome::kRetry;  // TooManyRequests to this device: back off, then resend
    }
    return c;
  }
  if (s >= 500) {
    r.outcome = Outcome::kRetry;
    if (reason == "Shutdown") c.reconnect = true;
    return c;
  }
  // 404 BadPath, 405 MethodNotAllowed, 413 PayloadTooLarge and anything else APNs does not
  // document: the request is wrong, and sending it again unchanged would be wrong again.
  r.outcome = Outcome::kPermanentFailure;
  return c;
}

}  // namespace pushgate::providers
