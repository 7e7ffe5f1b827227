// Turns one delivery (what CometChat said + one APNs registration) into an APNs HTTP/2 request:
// path, headers and JSON body (protocols.md §2.2, §2.5). Pure: no I/O, no clock, no keys —
// the provider adds `authorization` and sends it.
#ifndef PUSHGATE_PROVIDERS_APNS_REQUEST_BUILDER_H_
#define PUSHGATE_PROVIDERS_APNS_REQUEST_BUILDER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/registration.h"
#include "providers/notification_content.h"

namespace pushgate::providers {

enum class ApnsEnvironment { kProduction, kSandbox };

// What an APNs registration gets for a notification.
enum class ApnsPushKind {
  kAlert,  // user-visible alert (device token, platform kApns)
  kVoip,   // PushKit incoming call (VoIP token, platform kApnsVoip)
  kNone,   // nothing: this registration must not receive this notification
};

// Routing (protocols.md §1.6 and Apple's PushKit rules):
//  - device token (kApns): every notification, as an alert. A call "initiated" is a
//    high-priority alert too, for apps without PushKit; the call's later actions (cancelled,
//    unanswered, ended, rejected, busy, ongoing) are alerts as well, so the app (its
//    notification service extension, via mutable-content) can dismiss the ringing UI.
//  - VoIP token (kApnsVoip): only type "call" with callAction "initiated". iOS 13+ terminates
//    an app that receives a VoIP push without reporting a new call to CallKit, so a
//    "cancelled" or "ended" must never go over PushKit; and a VoIP token cannot take alert
//    pushes at all (its topic is <bundle>.voip), so chat goes nowhere on it.
//  - any other platform: kNone.
ApnsPushKind ApnsPushKindFor(const NotificationContent& content, domain::Platform platform);

struct ApnsBuildOptions {
  // Topic when the registration carries none: the app's bundle id. VoIP adds ".voip".
  std::string default_topic;
  // Environment when the registration carries none.
  ApnsEnvironment default_environment = ApnsEnvironment::kProduction;
  // aps.sound for alerts; empty sends none (silent alert).
  std::string sound = "default";
  // A ringing call is worthless after it stopped ringing, so call pushes (VoIP, and the
  // "initiated" alert to device tokens) expire quickly instead of being stored by APNs.
  absl::Duration call_ttl = absl::Seconds(30);
  // Other alerts: zero omits apns-expiration, letting Apple's storage policy apply (store and
  // retry for a while, keep the last one per app while the device is offline).
  absl::Duration alert_ttl = absl::ZeroDuration();
  // Apple's limits (§2.5); overridable only so tests can exercise the shrinking rules.
  size_t max_alert_payload_bytes = 4096;
  size_t max_voip_payload_bytes = 5120;
};

struct ApnsRequest {
  ApnsPushKind kind = ApnsPushKind::kAlert;
  ApnsEnvironment environment = ApnsEnvironment::kProduction;
  std::string path;  // /3/device/<token>
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON, within the push type's limit
  // What had to go to fit the size limit (for logs and metrics).
  bool dropped_message = false;
  bool dropped_custom = false;
  bool truncated_body = false;
};

// "api.push.apple.com" / "api.sandbox.push.apple.com".
const char* ApnsHost(ApnsEnvironment env);
const char* ApnsEnvironmentName(ApnsEnvironment env);
// "production" | "sandbox" ("development" too, Xcode's word); "" gives `fallback`.
absl::StatusOr<ApnsEnvironment> ParseApnsEnvironment(std::string_view text,
                                                     ApnsEnvironment fallback);

// APNs device tokens are hex strings of undocumented length (§2.2): non-empty, hex only.
bool IsValidApnsDeviceToken(std::string_view token);

// The apns-id for an attempt: `attempt_id` itself when it is already a lowercase canonical
// UUID, otherwise a UUID-shaped digest of it (stable, so one attempt always carries the same
// id); "" for an empty attempt id (APNs then assigns one).
std::string ApnsIdForAttempt(std::string_view attempt_id);

// Errors:
//  FAILED_PRECONDITION  the registration must not get this notification (kind kNone), or no
//                       topic is known (neither registration nor options carry one), or the
//                       registration's environment is unknown;
//  INVALID_ARGUMENT     the device token is not a hex string;
//  OUT_OF_RANGE         even the minimal payload exceeds the push type's size limit.
// `now` sets apns-expiration. A non-empty `push_id` goes into the payload as a top-level
// "pushgate_push_id" (common/push_id.h), kept when the size rule drops everything optional.
absl::StatusOr<ApnsRequest> BuildApnsRequest(const NotificationContent& content,
                                             const domain::Registration& registration,
                                             std::string_view attempt_id, absl::Time now,
                                             const ApnsBuildOptions& options,
                                             std::string_view push_id = {});

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_APNS_REQUEST_BUILDER_H_
