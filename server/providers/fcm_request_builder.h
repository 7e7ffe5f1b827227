// Turns one delivery (what CometChat said + one FCM registration) into an FCM HTTP v1 send:
// path and JSON body (protocols.md §3.3, §3.4). Pure: no I/O, no keys — the provider adds the
// OAuth2 bearer token and sends it.
//
// Choices (protocols.md §1.5, §1.6, §3.4 and CometChat's docs):
//  - chat, Android: `notification {title, body}` + `data`, android.priority HIGH (a chat
//    message is user-visible and time-sensitive, which is what FCM's high priority is for;
//    normal priority may be delayed until the device leaves Doze), android.notification.tag =
//    conversationId (one visible notification per conversation, the newest replaces the older)
//    and channel_id from the options, android.collapse_key = tag (the message id: while the
//    device is offline an edit or delete collapses with the original).
//  - call, Android: data-only for every call action, because the app's ConnectionService needs
//    onMessageReceived, which Android skips for notification messages in the background.
//    Priority HIGH (a "cancelled" must stop the ringing as promptly as "initiated" starts it);
//    "initiated" also gets a short ttl (a ringing call is worthless once stale). collapse_key
//    is the call session id. title and body travel in `data` since there is no notification.
//  - iOS through FCM (fcm_os "ios"): CometChat does not support calls via FCM on iOS (calls
//    go over APNs VoIP), so every notification — calls included — is a regular alert, with an
//    `apns` block (apns-priority 10, apns-push-type alert, apns-collapse-id, aps alert / badge /
//    sound / mutable-content / thread-id) the way ApnsRequestBuilder builds direct alerts.
//  - web (fcm_os "web"): notification + data (calls data-only), webpush Urgency high.
//  - fcm_os "" is treated as Android, the common case for FCM tokens.
//  - `data` values are ALL strings (FCM rejects anything else): the CometChat fields under
//    their CometChat names, unreadMessageCount as decimal text, `message` and `custom` as JSON
//    text. Reserved keys (from, gcm, google*) are never used.
//  - Size: FCM allows 4096 bytes of payload. We measure the serialised `message` object
//    without its `token` (conservative: the apns/android blocks count too) and make it fit by
//    dropping `message`, then `custom`, then cutting the body on a UTF-8 boundary.
#ifndef PUSHGATE_PROVIDERS_FCM_REQUEST_BUILDER_H_
#define PUSHGATE_PROVIDERS_FCM_REQUEST_BUILDER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/registration.h"
#include "providers/notification_content.h"

namespace pushgate::providers {

enum class FcmTarget { kAndroid, kIos, kWeb };

// From the registration's fcm_os: "android" or "" → kAndroid, "ios", "web"; anything else is
// INVALID_ARGUMENT (the registration API should not have stored it).
absl::StatusOr<FcmTarget> FcmTargetFor(std::string_view fcm_os);

// FCM rejects these data keys: "from", "gcm", and anything starting with "google".
bool IsReservedFcmDataKey(std::string_view key);

struct FcmBuildOptions {
  // android.notification.channel_id; empty omits it (the app's default channel is used).
  std::string android_channel_id;
  // Sound for iOS alerts (aps.sound) and Android (android.notification.sound); empty: none.
  std::string sound = "default";
  // TTL of a call "initiated" (android.ttl, webpush TTL, apns-expiration).
  absl::Duration call_ttl = absl::Seconds(30);
  // FCM's limit (§3.4); overridable only so tests can exercise the shrinking rules.
  size_t max_payload_bytes = 4096;
};

struct FcmRequest {
  FcmTarget target = FcmTarget::kAndroid;
  std::string path;  // /v1/projects/<project>/messages:send
  std::string body;  // {"message": {...}}
  bool data_only = false;
  size_t payload_bytes = 0;  // the measured size (see above)
  // What had to go to fit the size limit (for logs and metrics).
  bool dropped_message = false;
  bool dropped_custom = false;
  bool truncated_body = false;
};

// Errors:
//  FAILED_PRECONDITION  no project id, or the registration is not an FCM one;
//  INVALID_ARGUMENT     empty token or unknown fcm_os;
//  OUT_OF_RANGE         even the minimal message exceeds max_payload_bytes.
// `now` sets apns-expiration for a call on iOS. A non-empty `push_id` goes into `data` as
// "pushgate_push_id" (common/push_id.h), kept when the size rule drops everything optional.
absl::StatusOr<FcmRequest> BuildFcmRequest(const NotificationContent& content,
                                           const domain::Registration& registration,
                                           std::string_view project_id, absl::Time now,
                                           const FcmBuildOptions& options,
                                           std::string_view push_id = {});

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FCM_REQUEST_BUILDER_H_
