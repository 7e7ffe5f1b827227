// Turns one delivery (what CometChat said) into a Web Push message: the JSON the service
// worker's `push` event receives (event.data.json()) and the RFC 8030 headers. Pure: no keys,
// no I/O; the provider encrypts the JSON (webpush_encryption) and signs (webpush_vapid).
//
// The JSON uses CometChat's field names so a service worker can treat it like the SDK's own
// payload: title, body, type, conversationId, tag, sender, senderName, senderAvatar, receiver,
// receiverName, receiverType, sentAt, unreadMessageCount (a number: the badge), for calls
// callAction, sessionId, callType, and `message` / `custom` as JSON objects (not strings:
// there is no string-only rule as in FCM). Empty fields are left out (every byte counts).
//
// Headers:
//  - TTL: calls get `call_ttl` (a ring is worthless once stale, and a cancel must not outlive
//    it), chat gets `ttl`;
//  - Urgency: high for a ringing call (call "initiated"), else normal (high lets the browser
//    wake a sleeping device, which only a ring justifies);
//  - Topic: the call session for calls, else the message tag, else the conversation id, so an
//    edit or delete replaces the undelivered original; sent as is when it already is ≤ 32
//    base64url characters, else as the first 32 characters of base64url(SHA-256(key));
//  - Content-Encoding aes128gcm, Content-Type application/octet-stream.
//
// Size: the encrypted body must stay ≤ 4096 bytes (protocols.md §4.3), so the JSON must be
// ≤ 3993 bytes. What goes first: `message`, then `custom`, then the body is cut on a UTF-8
// boundary with an ellipsis. The minimal shape (used after a 413) has neither and cuts the body
// to kWebPushMinimalBodyBytes.
#ifndef PUSHGATE_PROVIDERS_WEBPUSH_REQUEST_BUILDER_H_
#define PUSHGATE_PROVIDERS_WEBPUSH_REQUEST_BUILDER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/notification_content.h"
#include "providers/webpush_encryption.h"

namespace pushgate::providers {

inline constexpr size_t kWebPushMaxTopicChars = 32;
inline constexpr size_t kWebPushMinimalBodyBytes = 100;

struct WebPushBuildOptions {
  absl::Duration ttl = absl::Hours(24);         // chat and other non-call notifications
  absl::Duration call_ttl = absl::Seconds(30);  // every call action
  // The plaintext budget; overridable only so tests can exercise the shrinking rules.
  size_t max_plaintext_bytes = kWebPushMaxPlaintextBytes;
};

enum class WebPushShape {
  kFull,     // everything that fits
  kMinimal,  // after a 413: ids, title and a short body only
};

struct WebPushMessage {
  std::string json;  // the plaintext to encrypt
  // ttl, urgency, topic (when there is a key), content-encoding, content-type; lower-case.
  std::vector<std::pair<std::string, std::string>> headers;
  bool dropped_message = false;
  bool dropped_custom = false;
  bool truncated_body = false;
};

// Errors: OUT_OF_RANGE when even the minimal JSON (no message, custom or body) exceeds
// max_plaintext_bytes; INVALID_ARGUMENT for a negative TTL. A non-empty `push_id` goes into the
// JSON as "pushgate_push_id" (common/push_id.h), in every shape.
absl::StatusOr<WebPushMessage> BuildWebPushMessage(const NotificationContent& content,
                                                   const WebPushBuildOptions& options,
                                                   WebPushShape shape = WebPushShape::kFull,
                                                   std::string_view push_id = {});

// The Topic header for a collapse key (see above). Empty key → empty topic (no header).
std::string WebPushTopic(std::string_view key);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_WEBPUSH_REQUEST_BUILDER_H_
