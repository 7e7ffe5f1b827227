// The CometChat "custom provider" webhook envelope (docs/reference/protocols.md §1.2), parsed
// and validated. Pure: no I/O, no allocation beyond the result, safe on any input (fuzzed by
// tests/fuzz/webhook_fuzz.cc).
#ifndef PUSHGATE_WEBHOOK_ENVELOPE_H_
#define PUSHGATE_WEBHOOK_ENVELOPE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pushgate::webhook {

inline constexpr std::string_view kExpectedTrigger = "push-notification-payload-generated";
inline constexpr std::string_view kExpectedWebhook = "custom";
// A recipient uid is an index key downstream; anything longer is not a CometChat uid.
inline constexpr size_t kMaxUidBytes = 255;
// Real payloads nest about 6 levels (notificationDetails.message.data...); the limit only
// has to stop hostile input from costing memory and time.
inline constexpr size_t kMaxJsonDepth = 64;
// An appId from a refused body goes to the log; configured app ids are far shorter.
inline constexpr size_t kMaxLoggedAppIdBytes = 64;

// What the gateway needs from a payload. The payload itself is stored verbatim, so fields not
// listed here (region, custom, message, ...) are kept without being read.
struct Envelope {
  std::string app_id;
  std::string uid;              // data.to.uid
  std::string type;             // "chat" | "call"
  std::string call_action;      // calls only
  std::string call_session_id;  // calls only (sessionId)
  std::string tag;              // optional
  std::string conversation_id;  // optional
  std::string sender;           // optional
};

// INVALID_ARGUMENT, with a message that names the offending field and never echoes its value,
// when the body is not JSON, not an object, or breaks one of these rules:
//  - as CometChat's reference receiver: trigger == "push-notification-payload-generated",
//    webhook == "custom", data.to and data.notificationDetails present (here: objects);
//  - appId and data.to.uid non-empty strings, the uid at most kMaxUidBytes;
//  - notificationDetails.type "chat" or "call"; for calls, callAction one of the seven
//    documented actions and sessionId a non-empty string;
//  - sentAt and unreadMessageCount, when present, a number or a string (samples use both);
//  - tag, conversationId and sender, when present and not null, strings.
//  - no object repeats a key (readers differ on which copy counts);
//  - the uid has no control characters.
// On failure, `app_id_on_error` (when given) receives the body's appId if it has a string one,
// cut to kMaxLoggedAppIdBytes, so the refusal's log line can name the app.
absl::StatusOr<Envelope> ParseEnvelope(std::string_view body,
                                       std::string* app_id_on_error = nullptr);

// True for the call actions CometChat documents.
bool IsKnownCallAction(std::string_view action);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_ENVELOPE_H_
