#include "providers/forward_hook_request_builder.h"

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "nlohmann/json.hpp"

namespace pushgate::providers {

std::string BuildForwardHookBody(const ForwardHookEvent& event) {
  // ordered_json keeps the documented key order; the payload is appended as raw text.
  nlohmann::ordered_json head;
  head["id"] = absl::StrCat(event.notification_id);
  head["app_id"] = event.app_id;
  head["uid"] = event.uid;
  head["type"] = event.type;
  if (event.call_action.empty()) {
    head["call_action"] = nullptr;
  } else {
    head["call_action"] = event.call_action;
  }
  head["received_at"] = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(event.received_at_ms), absl::UTCTimeZone());
  head["attempt"] = event.attempt;
  // Invalid UTF-8 in ids (impossible after ingest validation) is replaced, never thrown on.
  std::string body = head.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  body.pop_back();  // the closing '}'
  body.append(",\"payload\":").append(event.payload).push_back('}');
  return body;
}

std::string ForwardHookSignature(std::string_view secret, int64_t timestamp_s,
                                 std::string_view body) {
  std::string signed_text = absl::StrCat(timestamp_s, ".");
  signed_text.append(body);
  return absl::StrCat("sha256=", HexEncode(HmacSha256(secret, signed_text)));
}

ForwardHookRequest BuildForwardHookRequest(const ForwardHookEvent& event, int64_t delivery_id,
                                           const ForwardHookSigning& signing, absl::Time now) {
  ForwardHookRequest r;
  r.body = BuildForwardHookBody(event);
  r.headers = {{"Content-Type", "application/json"},
               {"User-Agent", "pushgate"},
               {kHookIdempotencyHeader, absl::StrCat(delivery_id)}};
  const int64_t timestamp = absl::ToUnixSeconds(now);
  r.headers.emplace_back(kHookTimestampHeader, absl::StrCat(timestamp));
  if (!signing.secret.empty()) {
    r.headers.emplace_back(signing.header, ForwardHookSignature(signing.secret, timestamp, r.body));
  }
  return r;
}

}  // namespace pushgate::providers
