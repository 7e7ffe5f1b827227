// Plain values that cross the store boundary. No SQL, no protobuf, no HTTP: the gRPC and
// webhook layers translate to and from these.
#ifndef PUSHGATE_STORE_TYPES_H_
#define PUSHGATE_STORE_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pushgate::store {

// Stored as text ("apns", "apns_voip", "fcm", "webpush") so the database reads by itself.
enum class Platform { kApns, kApnsVoip, kFcm, kWebPush };
const char* PlatformName(Platform p);
std::optional<Platform> PlatformFromName(const std::string& name);

enum class InactiveReason {
  kNone,
  kUnregistered,
  kSessionEnded,
  kUserDeleted,
  kReplaced,
  kCapExceeded,
  kProviderRejected,
};
const char* InactiveReasonName(InactiveReason r);
InactiveReason InactiveReasonFromName(const std::string& name);

struct DeviceInfo {
  std::string device_id;
  std::string app_version;
  std::string locale;
  std::map<std::string, std::string> labels;
};

// What a client asks to register; validated before it reaches the store.
struct RegistrationInput {
  std::string app_id;
  std::string uid;
  std::string session_id;
  Platform platform = Platform::kApns;
  std::string token;
  std::string apns_topic;        // APNs and VoIP
  std::string apns_environment;  // "sandbox" | "production"
  std::string fcm_os;            // "android" | "ios" | "web" | "" (FCM)
  std::string webpush_p256dh;    // base64url, as the browser gave it
  std::string webpush_auth;
  DeviceInfo device;
};

struct Registration {
  int64_t id = 0;
  RegistrationInput input;
  bool active = true;
  InactiveReason inactive_reason = InactiveReason::kNone;
  std::string inactive_detail;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t inactive_at_ms = 0;  // 0 while active
};

struct RegisterResult {
  Registration registration;
  bool created = false;  // no row held this token before
  bool moved = false;    // the token belonged to another uid or session
};

struct ListTokensQuery {
  std::string app_id;
  std::string uid;
  int limit = 100;
  int64_t before_id = 0;  // paging: only ids below this; 0 = from the newest
  bool active_only = false;
};

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

struct IngestResult {
  int64_t id = 0;
  bool duplicate = false;  // an earlier notification within the window had the same payload
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_TYPES_H_
