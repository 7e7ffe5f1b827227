#include "providers/webpush_response_classifier.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

// A short JSON `reason` (Apple) or `errno`/`message` (Mozilla autopush) when present. Only
// identifiers are taken: free text could quote the endpoint, which is a capability.
std::string ServiceReason(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  auto it = j.find("reason");
  if (it == j.end() || !it->is_string()) return "";
  const std::string reason = *it;
  if (reason.empty() || reason.size() > 64) return "";
  for (char c : reason) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return "";
  }
  return reason;
}

const char* StatusName(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 410:
      return "Gone";
    case 413:
      return "PayloadTooLarge";
    case 429:
      return "TooManyRequests";
    default:
      return nullptr;
  }
}

}  // namespace

WebPushClassification ClassifyWebPushAnswer(const ProviderAnswer& a, absl::Time now) {
  WebPushClassification c;
  SendResult& r = c.result;
  if (a.status == 0) {
    r = SettleWithoutAnswer(a);
    return c;
  }
  r.http_status = a.status;
  if (a.status == 200 || a.status == 201 || a.status == 202) {
    r.outcome = Outcome::kDelivered;
    r.provider_message_id = AnswerHeader(a, "location");
    return c;
  }
  const std::string service_reason = ServiceReason(a.body);
  const char* name = StatusName(a.status);
  r.reason = !service_reason.empty() ? service_reason
                                     : (name != nullptr ? name : absl::StrCat("HTTP ", a.status));
  r.retry_after = ParseRetryAfter(AnswerHeader(a, "retry-after"), now);
  if (a.status == 404 || a.status == 410) {
    r.outcome = Outcome::kTokenDead;
  } else if (a.status == 413) {
    r.outcome = Outcome::kPermanentFailure;
    c.payload_too_large = true;
  } else if (a.status == 429 || a.status >= 500) {
    r.outcome = Outcome::kRetry;
  } else if (a.status == 401 || a.status == 403) {
    r.outcome = Outcome::kConfigError;
  } else {
    r.outcome = Outcome::kPermanentFailure;
  }
  return c;
}

}  // namespace pushgate::providers
