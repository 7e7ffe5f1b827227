#include "providers/fcm_request_builder.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/push_id.h"

namespace pushgate::providers {
namespace {

using Json = nlohmann::ordered_json;  // stable key order: readable bodies, exact tests

constexpr size_t kMaxApnsCollapseIdBytes = 64;  // APNs rejects longer (§2.2)
constexpr char kEllipsis[] = "\xE2\x80\xA6";    // U+2026, marks a cut body

bool IsCallInitiated(const NotificationContent& c) {
  return c.type == "call" && c.call_action == "initiated";
}

// Invalid UTF-8 in user text must not make the delivery unsendable.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Only non-empty values are sent: every byte counts against the 4 KB limit.
void PutText(Json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

struct Shape {
  bool with_message = true;
  bool with_custom = true;
  std::string body;
  std::string_view push_id;  // kept whatever else has to go: the app's receipt needs it
};

// FCM's data is map<string,string>: every value here is a string, by construction.
Json RenderData(const NotificationContent& c, const Shape& s, bool with_text) {
  Json d = Json::object();
  PutText(d, "type", c.type);
  if (with_text) {
    PutText(d, "title", c.title);
    PutText(d, "body", s.body);
  }
  PutText(d, "sender", c.sender);
  PutText(d, "senderName", c.sender_name);
  PutText(d, "senderAvatar", c.sender_avatar);
  PutText(d, "receiver", c.receiver);
  PutText(d, "receiverName", c.receiver_name);
  PutText(d, "receiverType", c.receiver_type);
  PutText(d, "tag", c.tag);
  PutText(d, "conversationId", c.conversation_id);
  PutText(d, "sentAt", c.sent_at);
  if (c.unread_message_count) d["unreadMessageCount"] = absl::StrCat(*c.unread_message_count);
  if (c.type == "call") {
    PutText(d, "callAction", c.call_action);
    PutText(d, "sessionId", c.call_session_id);
    PutText(d, "callType", c.call_type);
  }
  if (!s.push_id.empty()) d[kPushIdKey] = std::string(s.push_id);
  // The app's static extra data (rules); never replaces a CometChat field or a reserved key.
  for (const auto& [key, value] : c.extra_data) {
    if (!d.contains(key) && !IsReservedFcmDataKey(key) && key != "message" && key != "custom") {
      d[key] = value;
    }
  }
  if (s.with_message && !c.message_json.empty()) d["message"] = c.message_json;
  if (s.with_custom && !c.custom_json.empty()) d["custom"] = c.custom_json;
  return d;
}

std::string TtlText(absl::Duration d) { return absl::StrCat(absl::ToInt64Seconds(d), "s"); }

Json RenderMessage(const NotificationContent& c, const domain::Registration& reg, FcmTarget target,
                   absl::Time now, const FcmBuildOptions& o, const Shape& s) {
  const bool is_call = c.type == "call";
  const bool data_only = is_call && target != FcmTarget::kIos;
  Json m = Json::object();
  m["token"] = reg.input.token;
  if (!data_only) {
    Json n = Json::object();
    PutText(n, "title", c.title);
    PutText(n, "body", s.body);
    if (!n.empty()) m["notification"] = std::move(n);  // nothing to show: no empty block
  }
  m["data"] = RenderData(c, s, /*with_text=*/data_only);

  switch (target) {
    case FcmTarget::kAndroid: {
      Json a = Json::object();
      const std::string& collapse =
          is_call && !c.call_session_id.empty() ? c.call_session_id : c.tag;
      PutText(a, "collapse_key", collapse);
      a["priority"] = "HIGH";
      if (IsCallInitiated(c)) a["ttl"] = TtlText(o.call_ttl);
      if (!data_only) {
        Json an = Json::object();
        PutText(an, "tag", c.conversation_id.empty() ? c.tag : c.conversation_id);
        PutText(an, "channel_id",
                c.android_channel_id.empty() ? o.android_channel_id : c.android_channel_id);
        PutText(an, "sound", c.fcm_sound.empty() ? o.sound : c.fcm_sound);
        if (c.unread_message_count) an["notification_count"] = *c.unread_message_count;
        if (!an.empty()) a["notification"] = std::move(an);
      }
      m["android"] = std::move(a);
      break;
    }
    case FcmTarget::kIos: {
      Json h = Json::object();
      h["apns-priority"] = "10";
      h["apns-push-type"] = "alert";
      if (IsCallInitiated(c)) {
        h["apns-expiration"] = absl::StrCat(absl::ToUnixSeconds(now + o.call_ttl));
      }
      const std::string& collapse =
          is_call && !c.call_session_id.empty() ? c.call_session_id : c.tag;
      if (!collapse.empty() && collapse.size() <= kMaxApnsCollapseIdBytes) {
        h["apns-collapse-id"] = collapse;
      }
      Json alert = Json::object();
      PutText(alert, "title", c.title);
      PutText(alert, "body", s.body);
      Json aps = Json::object();
      aps["alert"] = std::move(alert);
      if (c.unread_message_count) aps["badge"] = *c.unread_message_count;
      // An iPhone plays the app's iOS sounds, whichever service carried the push.
      const std::string& sound = c.apns_sound.empty() ? o.sound : c.apns_sound;
      if (!sound.empty()) aps["sound"] = sound;
      PutText(aps, "category", c.apns_category);
      PutText(aps, "thread-id", c.conversation_id);
      // Lets the app's notification service extension rewrite the alert (e.g. dismiss a call
      // that ended), as for direct APNs alerts.
      aps["mutable-content"] = 1;
      m["apns"] = Json{{"headers", std::move(h)}, {"payload", Json{{"aps", std::move(aps)}}}};
      break;
    }
    case FcmTarget::kWeb: {
      Json h = Json::object();
      h["Urgency"] = "high";
      if (IsCallInitiated(c)) h["TTL"] = absl::StrCat(absl::ToInt64Seconds(o.call_ttl));
      m["webpush"] = Json{{"headers", std::move(h)}};
      break;
    }
  }
  return m;
}

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string Utf8Prefix(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

absl::StatusOr<FcmTarget> FcmTargetFor(std::string_view fcm_os) {
  const std::string os = absl::AsciiStrToLower(std::string(fcm_os));
  if (os.empty() || os == "android") return FcmTarget::kAndroid;
  if (os == "ios") return FcmTarget::kIos;
  if (os == "web") return FcmTarget::kWeb;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown fcm_os '", std::string(fcm_os), "' (want android, ios or web)"));
}

bool IsReservedFcmDataKey(std::string_view key) {
  return key == "from" || key == "gcm" || absl::StartsWith(std::string(key), "google");
}

absl::StatusOr<FcmRequest> BuildFcmRequest(const NotificationContent& content,
                                           const domain::Registration& registration,
                                           std::string_view project_id, absl::Time now,
                                           const FcmBuildOptions& options,
                                           std::string_view push_id) {
  const domain::RegistrationInput& reg = registration.input;
  if (reg.platform != domain::Platform::kFcm) {
    return absl::FailedPreconditionError("not an FCM registration");
  }
  if (project_id.empty()) return absl::FailedPreconditionError("no FCM project id");
  if (reg.token.empty()) return absl::InvalidArgumentError("empty FCM registration token");
  auto target = FcmTargetFor(reg.fcm_os);
  if (!target.ok()) return target.status();

  FcmRequest out;
  out.target = *target;
  out.data_only = content.type == "call" && *target != FcmTarget::kIos;
  out.path = absl::StrCat("/v1/projects/", std::string(project_id), "/messages:send");

  Shape shape;
  shape.body = content.body;
  shape.push_id = push_id;
  // One render per shape: the payload measure (the message without its token) is the full
  // message minus the `"token":"…",` field, which comes first and is never the only field.
  const size_t token_field = Dump(Json{{"token", reg.token}}).size() - 1;
  auto render = [&] {
    return Dump(RenderMessage(content, registration, *target, now, options, shape));
  };
  auto payload = [&](const std::string& message) { return message.size() - token_field; };
  const size_t limit = options.max_payload_bytes;
  // Size rule: the optional bulk goes first — the message object, then the custom data —
  // and only then is the visible body shortened.
  std::string message = render();
  if (payload(message) > limit && !content.message_json.empty()) {
    shape.with_message = false;
    out.dropped_message = true;
    message = render();
  }
  if (payload(message) > limit && !content.custom_json.empty()) {
    shape.with_custom = false;
    out.dropped_custom = true;
    message = render();
  }
  if (payload(message) > limit) {
    shape.body.clear();
    message = render();
    if (payload(message) > limit) {
      return absl::OutOfRangeError(absl::StrCat("FCM message needs ", payload(message),
                                                " bytes without message, custom data and body "
                                                "text; the limit is ",
                                                limit));
    }
    // Longest prefix that fits, by bisection: JSON escaping makes a source byte cost 1 to 6
    // bytes (and the body may appear more than once), so the size is not computable from the
    // text length; a longer prefix never serialises shorter.
    auto with_prefix = [&](size_t n) {
      const std::string prefix = Utf8Prefix(content.body, n);
      return prefix.empty() ? std::string() : absl::StrCat(prefix, kEllipsis);
    };
    size_t lo = 0;
    size_t hi = content.body.size();
    while (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      shape.body = with_prefix(mid);
      (payload(render()) <= limit ? lo : hi) = mid;
    }
    shape.body = with_prefix(lo);
    out.truncated_body = true;
    message = render();
  }
  out.payload_bytes = payload(message);
  // Same bytes as serialising {"message": ...}, without rendering the message again.
  out.body = absl::StrCat(R"({"message":)", message, "}");
  return out;
}

}  // namespace pushgate::providers
