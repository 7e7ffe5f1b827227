// An app's rules (config apps[].rules) applied to a notification's content before any provider
// builds a request from it. Pure functions; the engine applies them in one place, right after
// it parses a claimed notification, so every channel sees the same result.
//
// Event kinds (config::kEventKinds). CometChat sends reactions and group actions as type
// "chat" (protocols.md §1.3), so the kind is inferred:
//   call          type "call" (every call action);
//   group_action  the `message` object's category is "action", or — without a message object —
//                 a group notification whose tag is the group's id (CometChat puts the GUID in
//                 the tag of group actions, a message id in every other tag);
//   reaction      the `message` object's category is "reaction", or the body is CometChat's
//                 default reaction text ("Reacted to your message…");
//   chat          everything else.
// Privacy mode keeps only ids: type, tag, conversationId, sentAt, the badge count and the
// call's session, action and type; title and body become the configured neutral text; sender
// and receiver names, uids and avatars, `message` and `custom` are removed. The stored body
// that forward hooks post unmodified to the app's own backend is kept (see rules.cc).
#ifndef PUSHGATE_ENGINE_RULES_H_
#define PUSHGATE_ENGINE_RULES_H_

#include <string>
#include <string_view>

#include "config/config.h"
#include "providers/notification_content.h"

namespace pushgate::engine {

// The reason of a delivery skipped because its notification's kind is dropped by a rule.
inline constexpr char kReasonDroppedByRule[] = "dropped_by_rule";

// One of config::kEventKinds.
std::string EventKindOf(const providers::NotificationContent& content);

bool DropsKind(const config::RulesConfig& rules, std::string_view kind);

// The content with only ids and the neutral title/body (unchanged when privacy is off).
providers::NotificationContent ApplyPrivacy(const config::RulesConfig& rules,
                                            providers::NotificationContent content);

// The content carrying the rules' extra data and the overrides for its kind ("*" first, then
// the kind's own entry field by field).
providers::NotificationContent ApplyEnrichment(const config::RulesConfig& rules,
                                               std::string_view kind,
                                               providers::NotificationContent content);

struct RuledContent {
  bool dropped = false;  // the kind is dropped: nothing may be sent
  providers::NotificationContent content;
};

// Everything above in order: drop, privacy, enrichment.
RuledContent ApplyRules(const config::RulesConfig& rules, providers::NotificationContent content);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_RULES_H_
