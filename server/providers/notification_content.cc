#include "providers/notification_content.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"

namespace pushgate::providers {
namespace {

using nlohmann::json;

// Serialises without throwing on invalid UTF-8: the payload was validated at ingest, but a
// single bad byte in a user's message must not make the whole delivery unsendable.
std::string Compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// CometChat's samples mix strings and numbers for the same fields (sentAt is a string in the
// samples, a number in message objects), so accept both and keep the text.
std::string Text(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number() || it->is_boolean()) return Compact(*it);
  return "";
}

// unreadMessageCount is a number in the custom-provider sample and a string in CometChat's own
// FCM payloads; anything else (absent, negative, not a count) means "no badge".
std::optional<int64_t> Count(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    return v >= 0 ? std::optional<int64_t>(v) : std::nullopt;
  }
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (d >= 0 && d < 9e15) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty() && v >= 0) return v;
  }
  return std::nullopt;
}

// `message` and `custom` are passed on verbatim but compactly, so size limits downstream are
// measured on what is actually sent.
std::string ObjectJson(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  return Compact(*it);
}

}  // namespace

absl::StatusOr<NotificationContent> ParseStoredPayload(std::string_view payload) {
  json doc = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("stored payload is not a JSON object");
  }
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) {
    return absl::InvalidArgumentError("stored payload: data is missing");
  }
  auto details = data->find("notificationDetails");
  if (details == data->end() || !details->is_object()) {
    return absl::InvalidArgumentError("stored payload: data.notificationDetails is missing");
  }
  const json& d = *details;

  NotificationContent c;
  if (auto to = data->find("to"); to != data->end() && to->is_object()) c.uid = Text(*to, "uid");
  c.type = Text(d, "type");
  c.title = Text(d, "title");
  c.body = Text(d, "body");
  c.sender = Text(d, "sender");
  c.sender_name = Text(d, "senderName");
  c.sender_avatar = Text(d, "senderAvatar");
  c.receiver = Text(d, "receiver");
  c.receiver_name = Text(d, "receiverName");
  c.receiver_type = Text(d, "receiverType");
  c.tag = Text(d, "tag");
  c.conversation_id = Text(d, "conversationId");
  c.sent_at = Text(d, "sentAt");
  c.unread_message_count = Count(d, "unreadMessageCount");
  c.call_action = Text(d, "callAction");
  c.call_session_id = Text(d, "sessionId");
  c.call_type = Text(d, "callType");
  c.message_json = ObjectJson(d, "message");
  c.custom_json = ObjectJson(d, "custom");
  if (c.type.empty()) {
    return absl::InvalidArgumentError("stored payload: notificationDetails.type is missing");
  }
  return c;
}

}  // namespace pushgate::providers
