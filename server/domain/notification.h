// A notification: one webhook call for one recipient, as accepted (NewNotification) and as
// stored with its state (NotificationRecord).
//
// States: queued → dispatching → done, with an outcome once done (delivered,
// partially_delivered, failed, no_targets, filtered, expired).
#ifndef PUSHGATE_DOMAIN_NOTIFICATION_H_
#define PUSHGATE_DOMAIN_NOTIFICATION_H_

#include <cstdint>
#include <optional>
#include <string>

namespace pushgate::domain {

// One webhook payload after validation, ready to store.
struct NewNotification {
  std::string app_id;
  std::string uid;
  std::string type;             // "chat" | "call"
  std::string call_action;      // calls only
  std::string call_session_id;  // calls only
  std::string tag;
  std::string conversation_id;
  std::string sender;
  std::string payload;      // the request body exactly as received
  int64_t dedupe_hash = 0;  // first 8 bytes of SHA-256(body), see webhook/dedupe.h
  int64_t received_at_ms = 0;
};

// Names are stored as text and appear in logs, metrics and the API; they never change.
enum class NotificationState { kQueued, kDispatching, kDone };
const char* NotificationStateName(NotificationState s);
std::optional<NotificationState> NotificationStateFromName(const std::string& name);

enum class NotificationOutcome {
  kNone,  // not done yet
  kDelivered,
  kPartiallyDelivered,
  kFailed,
  kNoTargets,
  kFiltered,
  kExpired,
};
const char* NotificationOutcomeName(NotificationOutcome o);  // "" for kNone
NotificationOutcome NotificationOutcomeFromName(const std::string& name);

struct NotificationRecord {
  int64_t id = 0;
  std::string app_id;
  std::string uid;
  std::string type;  // "chat" | "call"
  std::string call_action;
  std::string call_session_id;
  std::string tag;
  std::string conversation_id;
  std::string sender;
  NotificationState state = NotificationState::kQueued;
  NotificationOutcome outcome = NotificationOutcome::kNone;
  int64_t received_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t next_attempt_at_ms = 0;
};

}  // namespace pushgate::domain

#endif  // PUSHGATE_DOMAIN_NOTIFICATION_H_
