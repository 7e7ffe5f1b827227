#include "providers/fcm_response_classifier.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

constexpr char kFcmErrorType[] = "type.googleapis.com/google.firebase.fcm.v1.FcmError";
constexpr char kBadRequestType[] = "type.googleapis.com/google.rpc.BadRequest";

struct ErrorInfo {
  std::string fcm_code;    // details[].errorCode of the FcmError detail
  std::string rpc_status;  // error.status
  bool bad_token = false;  // the message or a field violation blames message.token
};

ErrorInfo ReadError(const std::string& body) {
  ErrorInfo info;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return info;
  auto e = j.find("error");
  if (e == j.end() || !e->is_object()) return info;
  if (auto s = e->find("status"); s != e->end() && s->is_string()) info.rpc_status = *s;
  if (auto m = e->find("message"); m != e->end() && m->is_string()) {
    if (absl::StrContains(absl::AsciiStrToLower(m->get<std::string>()),
                          "not a valid fcm registration token")) {
      info.bad_token = true;
    }
  }
  auto details = e->find("details");
  if (details == e->end() || !details->is_array()) return info;
  for (const auto& d : *details) {
    if (!d.is_object()) continue;
    const std::string type = d.value("@type", "");
    if (type == kFcmErrorType && info.fcm_code.empty()) {
      if (auto c = d.find("errorCode"); c != d.end() && c->is_string()) info.fcm_code = *c;
    } else if (type == kBadRequestType) {
      auto v = d.find("fieldViolations");
      if (v == d.end() || !v->is_array()) continue;
      for (const auto& f : *v) {
        if (f.is_object() && f.value("field", "") == "message.token") info.bad_token = true;
      }
    }
  }
  return info;
}

}  // namespace

FcmClassification ClassifyFcmAnswer(const FcmAnswer& a, absl::Time now) {
  FcmClassification c;
  SendResult& r = c.result;
  r.http_status = a.status;

  if (a.status == 0) {
    r = SettleWithoutAnswer(a);
    return c;
  }
  if (a.status == 200) {
    r.outcome = Outcome::kDelivered;
    nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
    if (j.is_object()) r.provider_message_id = j.value("name", "");
    return c;
  }

  const ErrorInfo e = ReadError(a.body);
  std::string code = e.fcm_code;
  if (code.empty()) {
    // No FcmError detail: fall back to the HTTP status (§3.5).
    switch (a.status) {
      case 400:
        code = "INVALID_ARGUMENT";
        break;
      case 401:
        code = e.rpc_status.empty() ? "UNAUTHENTICATED" : e.rpc_status;
        break;
      case 403:
        code = "PERMISSION_DENIED";
        break;
      case 404:
        code = "UNREGISTERED";
        break;
      case 429:
        code = "QUOTA_EXCEEDED";
        break;
      case 500:
        code = "INTERNAL";
        break;
      case 503:
        code = "UNAVAILABLE";
        break;
      default:
        code = e.rpc_status.empty() ? absl::StrCat("HTTP ", a.status) : e.rpc_status;
    }
  }
  r.reason = code;
  r.retry_after = ParseRetryAfter(AnswerHeader(a, "retry-after"), now);

  if (code == "UNREGISTERED" || code == "SENDER_ID_MISMATCH") {
    // The token is gone, or belongs to another project: it can never work here.
    r.outcome = Outcome::kTokenDead;
  } else if (code == "INVALID_ARGUMENT") {
    r.outcome = e.bad_token ? Outcome::kTokenDead : Outcome::kPermanentFailure;
    if (e.bad_token) r.reason = "INVALID_ARGUMENT (invalid registration token)";
  } else if (code == "QUOTA_EXCEEDED" || code == "UNAVAILABLE" || code == "INTERNAL" ||
             code == "UNSPECIFIED_ERROR") {
    r.outcome = Outcome::kRetry;
  } else if (code == "THIRD_PARTY_AUTH_ERROR" || code == "APNS_AUTH_ERROR" ||
             code == "PERMISSION_DENIED") {
    // Firebase's APNs / web push credentials, or our service account's rights: keep tokens.
    r.outcome = Outcome::kConfigError;
  } else if (a.status == 401) {
    // UNAUTHENTICATED: our access token. ConfigError if the provider cannot refresh it.
    r.outcome = Outcome::kConfigError;
    r.reason = "UNAUTHENTICATED";
    c.access_token_rejected = true;
  } else if (a.status == 429 || a.status >= 500) {
    r.outcome = Outcome::kRetry;
  } else {
    r.outcome = Outcome::kPermanentFailure;
  }
  return c;
}

}  // namespace pushgate::providers
