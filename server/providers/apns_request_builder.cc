#include "providers/apns_request_builder.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/push_id.h"
#include "providers/json_text.h"

namespace pushgate::providers {
namespace {

constexpr size_t kMaxCollapseIdBytes = 64;    // longer: 400 BadCollapseId (§2.2)
constexpr char kEllipsis[] = "\xE2\x80\xA6";  // U+2026, marks a cut body

bool IsCallInitiated(const NotificationContent& c) {
  return c.type == "call" && c.call_action == "initiated";
}

struct Shape {
  bool with_message = true;
  bool with_custom = true;
  std::string body;
  std::string_view push_id;  // kept whatever else has to go: the app's receipt needs it
};

// The top-level object of an APNs body after `aps`: custom keys beside `aps` must have
// primitive values (protocols.md §2.5), so the CometChat fields are flat top-level keys under
// their CometChat names, and the `message` and `custom` objects travel as JSON text in string
// values (the app parses them again). Only non-empty values are sent: every byte counts
// against the 4 KB limit, and an absent key tells the app as much as an empty one.
//
// Written as text (json_text.h), not as an nlohmann tree: the same bytes for a fraction of the
// engine thread's CPU. The rules of the tree it replaces still hold: a key is written once,
// the app's static extra data (rules) never replaces a key already set (aps, a CometChat
// field), and `message` / `custom` take an extra key's place if one had that name.
class TopLevel {
 public:
  TopLevel(std::string& out, const NotificationContent& c, const Shape& s)
      : object_(out), c_(c), s_(s) {}

  // Starts `aps`; the caller writes its object next.
  void KeyAps() {
    object_.Key("aps");
    written_.push_back("aps");
  }

  void CometChatFields(bool is_call) {
    Text("type", c_.type);
    Text("sender", c_.sender);
    Text("senderName", c_.sender_name);
    Text("senderAvatar", c_.sender_avatar);
    Text("receiver", c_.receiver);
    Text("receiverName", c_.receiver_name);
    Text("receiverType", c_.receiver_type);
    Text("tag", c_.tag);
    Text("conversationId", c_.conversation_id);
    Text("sentAt", c_.sent_at);
    if (is_call) {
      Text("callAction", c_.call_action);
      Text("sessionId", c_.call_session_id);
      Text("callType", c_.call_type);
    }
  }

  // The push id (common/push_id.h), for the app's receipt; before the extra data, so that no
  // rule can replace it.
  void PushId(std::string_view push_id) {
    if (push_id.empty()) return;
    written_.push_back(kPushIdKey);
    object_.String(kPushIdKey, push_id);
  }

  void ExtraDataMessageAndCustom() {
    const std::string_view message = Message(), custom = Custom();
    for (const auto& [key, value] : c_.extra_data) {
      if (Written(key)) continue;
      written_.push_back(key);
      // An nlohmann object assigned "message" after the extra keys kept the extra key's
      // place: so does this.
      if (key == "message" && !message.empty()) {
        object_.String(key, message);
      } else if (key == "custom" && !custom.empty()) {
        object_.String(key, custom);
      } else {
        object_.String(key, value);
      }
    }
    if (!message.empty() && !Written("message")) object_.String("message", message);
    if (!custom.empty() && !Written("custom")) object_.String("custom", custom);
    object_.Close();
  }

 private:
  // Views of the content's strings (a ternary with "" would make a temporary std::string).
  std::string_view Message() const {
    return s_.with_message ? std::string_view(c_.message_json) : std::string_view();
  }
  std::string_view Custom() const {
    return s_.with_custom ? std::string_view(c_.custom_json) : std::string_view();
  }
  bool Written(std::string_view key) const {
    return std::find(written_.begin(), written_.end(), key) != written_.end();
  }
  void Text(std::string_view key, const std::string& value) {
    if (value.empty()) return;
    written_.push_back(key);
    object_.String(key, value);
  }

  JsonObjectText object_;
  const NotificationContent& c_;
  const Shape& s_;
  std::vector<std::string_view> written_;
};

// {"title": …, "body": …}, each only when not empty.
void PutAlert(std::string& out, JsonObjectText& parent, const NotificationContent& c,
              const Shape& s) {
  parent.Key("alert");
  JsonObjectText alert(out);
  alert.NonEmptyString("title", c.title);
  alert.NonEmptyString("body", s.body);
  alert.Close();
}

// What an alert's `aps` carries besides the alert itself.
void PutAlertApsFields(JsonObjectText& aps, const NotificationContent& c,
                       const ApnsBuildOptions& o) {
  // CometChat's badge count is the user's total unread (§1.5): exactly what the icon shows.
  if (c.unread_message_count) aps.Int("badge", *c.unread_message_count);
  aps.NonEmptyString("sound", c.apns_sound.empty() ? o.sound : c.apns_sound);
  aps.NonEmptyString("category", c.apns_category);
  // Groups the notifications of one conversation in Notification Center.
  aps.NonEmptyString("thread-id", c.conversation_id);
  // Lets the app's notification service extension rewrite the alert (decrypt, avatar,
  // dismiss a call that ended); harmless for apps without one.
  aps.Int("mutable-content", 1);
  // An incoming call is worth breaking through a Focus, where the app has the entitlement
  // (without it iOS delivers the alert as "active").
  if (IsCallInitiated(c)) aps.String("interruption-level", "time-sensitive");
}

// The body: an alert push with `alert_options`; a VoIP push without (null). PushKit hands the
// whole dictionary to the app, which reports the call to CallKit from the call fields; the
// alert is not shown for VoIP, it is there so that `aps` is never empty and the payload reads
// like the alert one.
std::string Render(const NotificationContent& c, const Shape& s,
                   const ApnsBuildOptions* alert_options) {
  // Room for the whole body, so it is allocated once: `message` and `custom` are JSON text
  // that at most doubles when escaped into a string (every byte a quote), the keys, aps and
  // the short fields fit the 512. A body that outgrew the old estimate (message + custom)
  // was reallocated and copied on the engine thread for most chat pushes.
  std::string out;
  out.reserve(512 + 2 * (c.message_json.size() + c.custom_json.size()) + c.title.size() +
              s.body.size() + c.sender_avatar.size());
  TopLevel j(out, c, s);
  j.KeyAps();
  JsonObjectText aps(out);
  PutAlert(out, aps, c, s);
  if (alert_options != nullptr) PutAlertApsFields(aps, c, *alert_options);
  aps.Close();
  j.CometChatFields(alert_options == nullptr || c.type == "call");
  j.PushId(s.push_id);
  j.ExtraDataMessageAndCustom();
  return out;
}

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string Utf8Prefix(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

bool IsLowerHex(char ch) { return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'); }

bool IsCanonicalUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsLowerHex(s[i])) return false;
  }
  return true;
}

}  // namespace

ApnsPushKind ApnsPushKindFor(const NotificationContent& content, domain::Platform platform) {
  switch (platform) {
    case domain::Platform::kApns:
      return ApnsPushKind::kAlert;
    case domain::Platform::kApnsVoip:
      return IsCallInitiated(content) ? ApnsPushKind::kVoip : ApnsPushKind::kNone;
    default:
      return ApnsPushKind::kNone;
  }
}

const char* ApnsHost(ApnsEnvironment env) {
  return env == ApnsEnvironment::kSandbox ? "api.sandbox.push.apple.com" : "api.push.apple.com";
}

const char* ApnsEnvironmentName(ApnsEnvironment env) {
  return env == ApnsEnvironment::kSandbox ? "sandbox" : "production";
}

absl::StatusOr<ApnsEnvironment> ParseApnsEnvironment(std::string_view text,
                                                     ApnsEnvironment fallback) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower.empty()) return fallback;
  if (lower == "production") return ApnsEnvironment::kProduction;
  if (lower == "sandbox" || lower == "development") return ApnsEnvironment::kSandbox;
  return absl::FailedPreconditionError(absl::StrCat("unknown APNs environment '", std::string(text),
                                                    "' (want production or sandbox)"));
}

bool IsValidApnsDeviceToken(std::string_view token) {
  if (token.empty()) return false;
  for (char ch : token) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

std::string ApnsIdForAttempt(std::string_view attempt_id) {
  if (attempt_id.empty()) return "";
  if (IsCanonicalUuid(attempt_id)) return std::string(attempt_id);
  // The first 16 bytes of the digest in lowercase hex, grouped 8-4-4-4-12: written in place,
  // one allocation per push instead of seven.
  static constexpr char kHex[] = "0123456789abcdef";
  const Sha256Digest digest = Sha256(attempt_id);
  std::string id(36, '-');
  size_t out = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (out == 8 || out == 13 || out == 18 || out == 23) ++out;
    id[out++] = kHex[digest[i] >> 4];
    id[out++] = kHex[digest[i] & 0xF];
  }
  return id;
}

absl::StatusOr<ApnsRequest> BuildApnsRequest(const NotificationContent& content,
                                             const domain::Registration& registration,
                                             std::string_view attempt_id, absl::Time now,
                                             const ApnsBuildOptions& options,
                                             std::string_view push_id) {
  const domain::RegistrationInput& reg = registration.input;
  const ApnsPushKind kind = ApnsPushKindFor(content, reg.platform);
  if (kind == ApnsPushKind::kNone) {
    return absl::FailedPreconditionError(
        "this APNs registration does not receive this notification (VoIP tokens take only "
        "incoming calls)");
  }
  if (!IsValidApnsDeviceToken(reg.token)) {
    return absl::InvalidArgumentError("APNs device token is not a hex string");
  }
  auto env = ParseApnsEnvironment(reg.apns_environment, options.default_environment);
  if (!env.ok()) return env.status();

  std::string topic = reg.apns_topic.empty() ? options.default_topic : reg.apns_topic;
  if (topic.empty()) {
    return absl::FailedPreconditionError(
        "no APNs topic: neither the registration nor the "
        "provider configuration names a bundle id");
  }
  const bool voip = kind == ApnsPushKind::kVoip;
  // The registration stores the app's bundle id; PushKit's topic is that plus ".voip" (§2.2).
  // A registration that already stored the VoIP topic keeps it.
  if (voip && !absl::EndsWith(topic, ".voip")) topic += ".voip";

  ApnsRequest out;
  out.kind = kind;
  out.environment = *env;
  out.path = absl::StrCat("/3/device/", reg.token);

  auto& h = out.headers;
  h.reserve(8);  // room for the provider's authorization too: no reallocation per push
  h.emplace_back("apns-push-type", voip ? "voip" : "alert");
  h.emplace_back("apns-topic", topic);
  // 10 = deliver now: chat and calls are things the user acts on (§2.2 priority rules);
  // VoIP pushes must be 10 anyway.
  h.emplace_back("apns-priority", "10");
  const absl::Duration ttl =
      (voip || IsCallInitiated(content)) ? options.call_ttl : options.alert_ttl;
  if (ttl > absl::ZeroDuration()) {
    h.emplace_back("apns-expiration", absl::StrCat(absl::ToUnixSeconds(now + ttl)));
  }
  if (!voip) {
    // One notification per message (tag = message id, so an edit replaces the original) or,
    // for calls, per call session (the "missed call" alert replaces "incoming call").
    // Over 64 bytes APNs answers BadCollapseId, so a long id is simply not used.
    const std::string& collapse = (content.type == "call" && !content.call_session_id.empty())
                                      ? content.call_session_id
                                      : content.tag;
    if (!collapse.empty() && collapse.size() <= kMaxCollapseIdBytes) {
      h.emplace_back("apns-collapse-id", collapse);
    }
  }
  if (std::string id = ApnsIdForAttempt(attempt_id); !id.empty()) {
    h.emplace_back("apns-id", std::move(id));
  }
  h.emplace_back("content-type", "application/json");

  // Size rule (§2.5): the optional bulk goes first — the message object, then the custom
  // data — and only then is the visible body shortened, on a UTF-8 boundary with an
  // ellipsis. APNs would answer 413 to anything larger, so nothing larger leaves here.
  const size_t limit = voip ? options.max_voip_payload_bytes : options.max_alert_payload_bytes;
  Shape shape;
  shape.body = content.body;
  shape.push_id = push_id;
  auto render = [&] { return Render(content, shape, voip ? nullptr : &options); };
  out.body = render();
  if (out.body.size() > limit && shape.with_message && !content.message_json.empty()) {
    shape.with_message = false;
    out.dropped_message = true;
    out.body = render();
  }
  if (out.body.size() > limit && shape.with_custom && !content.custom_json.empty()) {
    shape.with_custom = false;
    out.dropped_custom = true;
    out.body = render();
  }
  if (out.body.size() > limit) {
    shape.body.clear();
    if (render().size() > limit) {
      return absl::OutOfRangeError(
          absl::StrCat("APNs payload needs ", render().size(),
                       " bytes without message, custom data and body text; the limit is ", limit));
    }
    // The longest prefix that fits, found by bisection: JSON escaping makes a source byte cost
    // 1 to 6 bytes, so the size cannot be computed from the text length alone, and a longer
    // prefix never serialises shorter.
    auto with_prefix = [&](size_t n) {
      const std::string prefix = Utf8Prefix(content.body, n);
      return prefix.empty() ? std::string() : absl::StrCat(prefix, kEllipsis);
    };
    size_t lo = 0;                    // fits (the empty body does)
    size_t hi = content.body.size();  // does not fit (the whole body did not)
    while (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      shape.body = with_prefix(mid);
      (render().size() <= limit ? lo : hi) = mid;
    }
    shape.body = with_prefix(lo);
    out.truncated_body = true;
    out.body = render();
  }
  return out;
}

}  // namespace pushgate::providers
