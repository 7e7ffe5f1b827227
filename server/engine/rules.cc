#include "engine/rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace pushgate::engine {
namespace {

using providers::NotificationContent;

// CometChat's default reaction template; a dashboard that rewords it needs `message` included
// for reactions to be told apart.
constexpr std::string_view kReactionBodyPrefix = "Reacted to your message";

std::string MessageCategory(const NotificationContent& c) {
  if (c.message_json.empty()) return "";
  const nlohmann::json message = nlohmann::json::parse(c.message_json, nullptr, false);
  if (!message.is_object()) return "";
  auto it = message.find("category");
  return it != message.end() && it->is_string() ? it->get<std::string>() : "";
}

void Overlay(const config::PushOverrides& from, NotificationContent& to) {
  const auto set = [](const std::string& value, std::string& field) {
    if (!value.empty()) field = value;
  };
  set(from.apns_sound, to.apns_sound);
  set(from.apns_category, to.apns_category);
  set(from.fcm_sound, to.fcm_sound);
  set(from.android_channel_id, to.android_channel_id);
  set(from.webpush_icon, to.webpush_icon);
}

}  // namespace

std::string EventKindOf(const NotificationContent& c) {
  if (c.type == "call") return "call";
  const std::string category = MessageCategory(c);
  if (category == "action") return "group_action";
  if (category == "reaction") return "reaction";
  if (category.empty()) {
    if (c.receiver_type == "group" && !c.tag.empty() && c.tag == c.receiver) return "group_action";
    if (std::string_view(c.body).substr(0, kReactionBodyPrefix.size()) == kReactionBodyPrefix) {
      return "reaction";
    }
  }
  return "chat";
}

bool DropsKind(const config::RulesConfig& rules, std::string_view kind) {
  return std::find(rules.drop_kinds.begin(), rules.drop_kinds.end(), kind) !=
         rules.drop_kinds.end();
}

NotificationContent ApplyPrivacy(const config::RulesConfig& rules, NotificationContent content) {
  if (!rules.privacy) return content;
  NotificationContent ids;
  ids.notification_id = content.notification_id;
  ids.uid = std::move(content.uid);  // the recipient: ours, never sent to a provider
  ids.type = std::move(content.type);
  ids.tag = std::move(content.tag);
  ids.conversation_id = std::move(content.conversation_id);
  ids.sent_at = std::move(content.sent_at);
  ids.unread_message_count = content.unread_message_count;
  ids.call_action = std::move(content.call_action);
  ids.call_session_id = std::move(content.call_session_id);
  ids.call_type = std::move(content.call_type);
  ids.received_at_ms = content.received_at_ms;
  // Forward hooks post the stored body to the app's own backend, which the operator chose to
  // trust with it; privacy mode is about Apple, Google and the push services.
  ids.raw_payload = std::move(content.raw_payload);
  ids.title = rules.privacy_title;
  ids.body = rules.privacy_body;
  // What the rules themselves added is configuration, not user content.
  ids.extra_data = std::move(content.extra_data);
  ids.apns_sound = std::move(content.apns_sound);
  ids.apns_category = std::move(content.apns_category);
  ids.fcm_sound = std::move(content.fcm_sound);
  ids.android_channel_id = std::move(content.android_channel_id);
  ids.webpush_icon = std::move(content.webpush_icon);
  return ids;
}

NotificationContent ApplyEnrichment(const config::RulesConfig& rules, std::string_view kind,
                                    NotificationContent content) {
  for (const auto& [key, value] : rules.extra_data) content.extra_data.emplace_back(key, value);
  if (auto all = rules.overrides.find("*"); all != rules.overrides.end()) {
    Overlay(all->second, content);
  }
  if (auto own = rules.overrides.find(std::string(kind)); own != rules.overrides.end()) {
    Overlay(own->second, content);
  }
  return content;
}

RuledContent ApplyRules(const config::RulesConfig& rules, NotificationContent content) {
  RuledContent out;
  // Most apps have no rules: skip the kind inference (it may parse `message`).
  const bool needs_kind = !rules.drop_kinds.empty() || !rules.overrides.empty();
  const std::string kind = needs_kind ? EventKindOf(content) : "";
  if (DropsKind(rules, kind)) {
    out.dropped = true;
    return out;
  }
  out.content = ApplyEnrichment(rules, kind, ApplyPrivacy(rules, std::move(content)));
  return out;
}

}  // namespace pushgate::engine
