// Turns one forward-hook delivery into its HTTP request: the JSON body, the signature and the
// headers. Pure: no I/O, no clock (the caller passes the time), so it is tested byte for byte.
//
// Body (Content-Type application/json), keys in this order:
//   {"id": "<notification id>", "app_id", "uid", "type": "chat"|"call",
//    "call_action": "<action>"|null, "received_at": "<RFC 3339, UTC, ms>", "attempt": <n>,
//    "payload": <the CometChat body exactly as it was received>}
// The payload is spliced in as raw bytes, never re-serialised, so a receiver sees CometChat's
// JSON byte for byte (it was validated as JSON at ingest).
//
// Signature (when the hook has an hmac secret), for receivers to authenticate us and refuse
// replays:
//   X-Pushgate-Timestamp: <unix seconds when the attempt was built> (sent unsigned too)
//   <hmac.header>:        sha256=<lower-case hex HMAC-SHA256(secret, timestamp + "." + body)>
// The receiver recomputes the HMAC over the timestamp header, a '.', and the raw body, compares
// in constant time, and refuses timestamps too far from its clock (5 minutes is usual). The
// timestamp is inside the MAC, so an old request cannot be replayed with a fresh one.
//
// Always: Idempotency-Key: <delivery id> (the same on every retry of this delivery, so a receiver
// that saw an attempt whose answer we lost can drop the repeat), User-Agent: pushgate.
#ifndef PUSHGATE_PROVIDERS_FORWARD_HOOK_REQUEST_BUILDER_H_
#define PUSHGATE_PROVIDERS_FORWARD_HOOK_REQUEST_BUILDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace pushgate::providers {

inline constexpr char kHookTimestampHeader[] = "X-Pushgate-Timestamp";
inline constexpr char kHookIdempotencyHeader[] = "Idempotency-Key";

// What a hook is told about one notification.
struct ForwardHookEvent {
  int64_t notification_id = 0;
  std::string app_id;
  std::string uid;
  std::string type;
  std::string call_action;  // "" when not a call
  int64_t received_at_ms = 0;
  int attempt = 1;
  std::string_view payload;  // the stored CometChat body; must outlive the call
};

struct ForwardHookSigning {
  std::string header;  // e.g. "X-Pushgate-Signature"
  std::string secret;  // empty: unsigned
};

struct ForwardHookRequest {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

std::string BuildForwardHookBody(const ForwardHookEvent& event);

// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
std::string ForwardHookSignature(std::string_view secret, int64_t timestamp_s,
                                 std::string_view body);

ForwardHookRequest BuildForwardHookRequest(const ForwardHookEvent& event, int64_t delivery_id,
                                           const ForwardHookSigning& signing, absl::Time now);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FORWARD_HOOK_REQUEST_BUILDER_H_
