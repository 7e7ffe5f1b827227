// A device registration: the recipient's token on one platform, as the registry stores it and
// the engine and providers read it. Plain values, no SQL, no protobuf.
#ifndef PUSHGATE_DOMAIN_REGISTRATION_H_
#define PUSHGATE_DOMAIN_REGISTRATION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace pushgate::domain {

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

}  // namespace pushgate::domain

#endif  // PUSHGATE_DOMAIN_REGISTRATION_H_
