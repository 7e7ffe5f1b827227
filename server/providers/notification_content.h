// The CometChat notificationDetails the builders need, parsed once from the stored payload.
#ifndef PUSHGATE_PROVIDERS_NOTIFICATION_CONTENT_H_
#define PUSHGATE_PROVIDERS_NOTIFICATION_CONTENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace pushgate::providers {

struct NotificationContent {
  int64_t notification_id = 0;
  std::string uid;   // recipient
  std::string type;  // "chat" | "call"
  std::string title;
  std::string body;
  std::string sender;
  std::string sender_name;
  std::string sender_avatar;
  std::string receiver;
  std::string receiver_name;
  std::string receiver_type;  // "user" | "group"
  std::string tag;
  std::string conversation_id;
  std::string sent_at;  // as text, whatever CometChat sent (number or string)
  std::optional<int64_t> unread_message_count;
  std::string call_action;  // calls only
  std::string call_session_id;
  std::string call_type;     // "audio" | "video"
  std::string message_json;  // the `message` object serialised, "" when absent
  std::string custom_json;   // the `custom` object serialised, "" when absent
  int64_t received_at_ms = 0;
  // The stored webhook body itself, set by the engine: forward hooks send it unmodified.
  std::string raw_payload;

  // Set by the app's rules (engine/rules.h) before any builder sees the content; empty keeps
  // each builder's defaults.
  // Static key/values for every push: APNs custom keys, FCM data, Web Push data. Never one of
  // the CometChat fields above (the config refuses those keys).
  std::vector<std::pair<std::string, std::string>> extra_data;
  std::string apns_sound;          // aps.sound instead of the provider's default
  std::string apns_category;       // aps.category (actionable notifications)
  std::string fcm_sound;           // android.notification.sound / iOS-through-FCM aps.sound
  std::string android_channel_id;  // android.notification.channel_id instead of the app's
  std::string webpush_icon;        // the browser notification's icon URL
};

// Parses a stored webhook body (already validated at ingest). Errors: INVALID_ARGUMENT.
// Runs once per claimed notification on the engine thread, so it reads with Boost.JSON into a
// stack arena; the result is exactly ParseStoredPayloadWithNlohmann's (same fields, same
// `message` / `custom` text), and that reading is used whenever this one could not promise it
// (a floating-point number among the fields read, a payload Boost.JSON refuses).
absl::StatusOr<NotificationContent> ParseStoredPayload(std::string_view payload);

// The reading every body has always had: nlohmann's tree, `message` and `custom` as its
// compact dump (keys sorted, invalid UTF-8 replaced). The reference ParseStoredPayload keeps to.
absl::StatusOr<NotificationContent> ParseStoredPayloadWithNlohmann(std::string_view payload);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_NOTIFICATION_CONTENT_H_
