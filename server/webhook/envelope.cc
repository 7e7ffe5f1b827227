#include "webhook/envelope.h"

#include <array>
#include <boost/json/value.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "webhook/stack_json_parser.h"
#include "webhook/string_views.h"

namespace pushgate::webhook {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 7> kCallActions = {
    "initiated", "cancelled", "unanswered", "ongoing", "rejected", "ended", "busy"};

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(ToAbsl(message));
}

const json::value* Find(const json::object& object, std::string_view key) {
  auto it = object.find(json::string_view(key.data(), key.size()));
  return it == object.end() ? nullptr : &it->value();
}

std::string_view AsView(const json::string& s) { return std::string_view(s.data(), s.size()); }

// A required non-empty string; `path` names it in the error.
absl::Status RequireNonEmptyString(const json::object& object, std::string_view key,
                                   std::string_view path, std::string* out) {
  const json::value* v = Find(object, key);
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    return Invalid(absl::StrCat(ToAbsl(path), " must be a non-empty string"));
  }
  out->assign(AsView(v->get_string()));
  return absl::OkStatus();
}

// An optional string: absent or null leaves `out` empty.
absl::Status OptionalString(const json::object& object, std::string_view key, std::string_view path,
                            std::string* out) {
  const json::value* v = Find(object, key);
  if (v == nullptr || v->is_null()) return absl::OkStatus();
  if (!v->is_string()) return Invalid(absl::StrCat(ToAbsl(path), " must be a string"));
  out->assign(AsView(v->get_string()));
  return absl::OkStatus();
}

// CometChat's samples send sentAt as a string and unreadMessageCount as a number, and its own
// provider payloads the other way round, so both spellings are accepted.
absl::Status OptionalNumberOrString(const json::object& object, std::string_view key,
                                    std::string_view path) {
  const json::value* v = Find(object, key);
  if (v == nullptr || v->is_null() || v->is_number() || v->is_string()) return absl::OkStatus();
  return Invalid(absl::StrCat(ToAbsl(path), " must be a number or a string"));
}

const json::object* FindObject(const json::object& object, std::string_view key) {
  const json::value* v = Find(object, key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

absl::StatusOr<Envelope> Validate(const json::object& root) {
  // The reference receiver's checks first, in its order.
  const json::value* trigger = Find(root, "trigger");
  if (trigger == nullptr || !trigger->is_string() ||
      AsView(trigger->get_string()) != kExpectedTrigger) {
    return Invalid(absl::StrCat("trigger must be \"", ToAbsl(kExpectedTrigger), "\""));
  }
  const json::value* webhook = Find(root, "webhook");
  if (webhook == nullptr || !webhook->is_string() ||
      AsView(webhook->get_string()) != kExpectedWebhook) {
    return Invalid(absl::StrCat("webhook must be \"", ToAbsl(kExpectedWebhook), "\""));
  }
  const json::object* data = FindObject(root, "data");
  if (data == nullptr) return Invalid("data must be an object");
  const json::object* to = FindObject(*data, "to");
  if (to == nullptr) return Invalid("data.to must be an object");
  const json::object* details = FindObject(*data, "notificationDetails");
  if (details == nullptr) return Invalid("data.notificationDetails must be an object");

  Envelope e;
  if (absl::Status s = RequireNonEmptyString(root, "appId", "appId", &e.app_id); !s.ok()) {
    return s;
  }
  if (absl::Status s = RequireNonEmptyString(*to, "uid", "data.to.uid", &e.uid); !s.ok()) {
    return s;
  }
  if (e.uid.size() > kMaxUidBytes) {
    return Invalid(absl::StrCat("data.to.uid must be at most ", kMaxUidBytes, " bytes"));
  }
  // The uid is a key in the store, and shows in log lines and pushgatectl's tables.
  for (const char c : e.uid) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return Invalid("data.to.uid contains control characters");
  }

  const json::value* type = Find(*details, "type");
  if (type == nullptr || !type->is_string() ||
      (AsView(type->get_string()) != "chat" && AsView(type->get_string()) != "call")) {
    return Invalid("data.notificationDetails.type must be \"chat\" or \"call\"");
  }
  e.type.assign(AsView(type->get_string()));

  if (e.type == "call") {
    const json::value* action = Find(*details, "callAction");
    if (action == nullptr || !action->is_string() ||
        !IsKnownCallAction(AsView(action->get_string()))) {
      return Invalid(
          "data.notificationDetails.callAction must be one of initiated, cancelled, "
          "unanswered, ongoing, rejected, ended, busy");
    }
    e.call_action.assign(AsView(action->get_string()));
    if (absl::Status s = RequireNonEmptyString(
            *details, "sessionId", "data.notificationDetails.sessionId", &e.call_session_id);
        !s.ok()) {
      return s;
    }
  }

  if (absl::Status s =
          OptionalNumberOrString(*details, "sentAt", "data.notificationDetails.sentAt");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = OptionalNumberOrString(*details, "unreadMessageCount",
                                              "data.notificationDetails.unreadMessageCount");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = OptionalString(*details, "tag", "data.notificationDetails.tag", &e.tag);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          OptionalString(*details, "conversationId", "data.notificationDetails.conversationId",
                         &e.conversation_id);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          OptionalString(*details, "sender", "data.notificationDetails.sender", &e.sender);
      !s.ok()) {
    return s;
  }
  return e;
}

}  // namespace

bool IsKnownCallAction(std::string_view action) {
  for (std::string_view known : kCallActions) {
    if (action == known) return true;
  }
  return false;
}

absl::StatusOr<Envelope> ParseEnvelope(std::string_view body, std::string* app_id_on_error) {
  // A typical 1 KB payload fits in 8 KB of tree.
  StackJsonParser<8192> parser(kMaxJsonDepth);
  json::error_code ec;
  const json::value root = parser.Parse(body, ec);
  if (ec == json::error::too_deep) {
    return Invalid(absl::StrCat("body nests deeper than ", kMaxJsonDepth, " levels"));
  }
  if (ec) return Invalid("body is not valid JSON");
  if (!root.is_object()) return Invalid("body must be a JSON object");
  absl::StatusOr<Envelope> envelope = Validate(root.get_object());
  // Checked after the fields, so that a refusal names the app whenever the body has one.
  if (envelope.ok() && parser.HadDuplicateKeys(root)) {
    envelope = Invalid("body repeats a key within an object; each key may appear once");
  }
  if (!envelope.ok() && app_id_on_error != nullptr) {
    const json::value* app = Find(root.get_object(), "appId");
    if (app != nullptr && app->is_string()) {
      const std::string_view id = AsView(app->get_string());
      app_id_on_error->assign(id.substr(0, kMaxLoggedAppIdBytes));
    }
  }
  return envelope;
}

}  // namespace pushgate::webhook
