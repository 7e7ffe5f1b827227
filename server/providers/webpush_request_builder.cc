#include "providers/webpush_request_builder.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/push_id.h"

namespace pushgate::providers {
namespace {

using Json = nlohmann::ordered_json;  // stable key order: readable payloads, exact tests

constexpr char kEllipsis[] = "\xE2\x80\xA6";  // U+2026, marks a cut body

bool IsCall(const NotificationContent& c) { return c.type == "call"; }

// Invalid UTF-8 in user text must not make the delivery unsendable.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

void PutText(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

// `message` and `custom` were stored serialised; the service worker gets them as objects.
void PutObject(Json& j, const char* key, const std::string& serialised) {
  if (serialised.empty()) return;
  Json parsed = Json::parse(serialised, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    j[key] = serialised;
  } else {
    j[key] = std::move(parsed);
  }
}

struct Shape {
  bool with_message = true;
  bool with_custom = true;
  std::string body;
  std::string_view push_id;  // kept whatever else has to go: the app's receipt needs it
};

std::string Render(const NotificationContent& c, const Shape& s) {
  Json j = Json::object();
  PutText(j, "title", c.title);
  PutText(j, "body", s.body);
  PutText(j, "type", c.type);
  PutText(j, "conversationId", c.conversation_id);
  PutText(j, "tag", c.tag);
  PutText(j, "sender", c.sender);
  PutText(j, "senderName", c.sender_name);
  PutText(j, "senderAvatar", c.sender_avatar);
  PutText(j, "receiver", c.receiver);
  PutText(j, "receiverName", c.receiver_name);
  PutText(j, "receiverType", c.receiver_type);
  PutText(j, "sentAt", c.sent_at);
  if (c.unread_message_count) j["unreadMessageCount"] = *c.unread_message_count;
  if (IsCall(c)) {
    PutText(j, "callAction", c.call_action);
    PutText(j, "sessionId", c.call_session_id);
    PutText(j, "callType", c.call_type);
  }
  if (!s.push_id.empty()) j[kPushIdKey] = std::string(s.push_id);
  // The app's rules: a notification icon for the service worker to show, and static extra
  // data, which never replaces a CometChat field.
  PutText(j, "icon", c.webpush_icon);
  for (const auto& [key, value] : c.extra_data) {
    if (!j.contains(key) && key != "message" && key != "custom") j[key] = value;
  }
  if (s.with_message) PutObject(j, "message", c.message_json);
  if (s.with_custom) PutObject(j, "custom", c.custom_json);
  return Dump(j);
}

// At most `max_bytes` of `text`, cut before a UTF-8 continuation byte, plus an ellipsis when
// anything was cut; "" when nothing is left.
std::string CutBody(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return end == 0 ? std::string() : absl::StrCat(text.substr(0, end), kEllipsis);
}

bool IsBase64UrlTopic(std::string_view key) {
  if (key.empty() || key.size() > kWebPushMaxTopicChars) return false;
  for (char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string WebPushTopic(std::string_view key) {
  if (key.empty()) return "";
  if (IsBase64UrlTopic(key)) return std::string(key);
  const Sha256Digest digest = Sha256(key);
  return Base64UrlEncode(
             std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()))
      .substr(0, kWebPushMaxTopicChars);
}

absl::StatusOr<WebPushMessage> BuildWebPushMessage(const NotificationContent& content,
                                                   const WebPushBuildOptions& options,
                                                   WebPushShape shape, std::string_view push_id) {
  const absl::Duration ttl = IsCall(content) ? options.call_ttl : options.ttl;
  if (ttl < absl::ZeroDuration()) return absl::InvalidArgumentError("Web Push TTL is negative");

  WebPushMessage out;
  Shape s;
  s.body = content.body;
  s.push_id = push_id;
  const size_t limit = options.max_plaintext_bytes;
  if (shape == WebPushShape::kMinimal) {
    s.with_message = false;
    s.with_custom = false;
    s.body = CutBody(content.body, kWebPushMinimalBodyBytes);
    out.dropped_message = !content.message_json.empty();
    out.dropped_custom = !content.custom_json.empty();
    out.truncated_body = s.body != content.body;
  }
  std::string json = Render(content, s);
  // The optional bulk goes first, then the visible body is shortened.
  if (json.size() > limit && s.with_message && !content.message_json.empty()) {
    s.with_message = false;
    out.dropped_message = true;
    json = Render(content, s);
  }
  if (json.size() > limit && s.with_custom && !content.custom_json.empty()) {
    s.with_custom = false;
    out.dropped_custom = true;
    json = Render(content, s);
  }
  if (json.size() > limit) {
    const std::string full_body = s.body;
    s.body.clear();
    json = Render(content, s);
    if (json.size() > limit) {
      return absl::OutOfRangeError(absl::StrCat("Web Push message needs ", json.size(),
                                                " bytes without message, custom data and body "
                                                "text; the limit is ",
                                                limit));
    }
    // Longest cut that fits, by bisection: JSON escaping makes a byte cost 1 to 6 bytes, so
    // the size is not computable from the text length; a longer cut never renders shorter.
    size_t lo = 0;
    size_t hi = full_body.size();
    while (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      s.body = CutBody(full_body, mid);
      (Render(content, s).size() <= limit ? lo : hi) = mid;
    }
    s.body = CutBody(full_body, lo);
    out.truncated_body = true;
    json = Render(content, s);
  }
  out.json = std::move(json);

  const bool ringing = IsCall(content) && content.call_action == "initiated";
  out.headers.emplace_back("ttl", absl::StrCat(absl::ToInt64Seconds(ttl)));
  out.headers.emplace_back("urgency", ringing ? "high" : "normal");
  const std::string& key = IsCall(content) && !content.call_session_id.empty()
                               ? content.call_session_id
                               : (!content.tag.empty() ? content.tag : content.conversation_id);
  if (std::string topic = WebPushTopic(key); !topic.empty()) {
    out.headers.emplace_back("topic", std::move(topic));
  }
  out.headers.emplace_back("content-encoding", "aes128gcm");
  out.headers.emplace_back("content-type", "application/octet-stream");
  return out;
}

}  // namespace pushgate::providers
