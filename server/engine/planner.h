// Which of a recipient's registrations get a delivery of a notification, and on which channel.
// Pure; the store calls it inside the claim transaction (store::DeliveryPlanner).
//
//  - chat (and anything not a call): every active registration except VoIP tokens;
//  - a call "initiated" (it rings): per device session, the session's VoIP registration when it
//    has one that can be sent to, else the session's other registrations (alert / FCM);
//  - other call actions (cancelled, ended, ...): every registration except VoIP tokens — iOS
//    kills an app that receives a VoIP push without reporting a new call (PushKit), so only a
//    ringing call may use one. providers::ApnsPushKindFor states the same rule for the APNs
//    request builder; the planner asks it, so the two cannot disagree.
// A registration whose platform has no provider in the app goes to the log channel when the app
// has one (the demo), else it gets a 'skipped' delivery with reason "no_provider", so the
// status API shows why nothing was sent. A ringing call already past its expiry is planned as
// 'skipped' with reason "expired": it must never ring late.
//
// Forward hooks: besides the registrations, one delivery (channel webhook, no registration) per
// hook of the app whose filters let the notification through. A hook is not a device: it gets
// a call event however late, so hook deliveries are never skipped as expired, and a recipient
// with no registrations still has a target when a hook takes the notification.
#ifndef PUSHGATE_ENGINE_PLANNER_H_
#define PUSHGATE_ENGINE_PLANNER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/notification.h"
#include "domain/registration.h"
#include "store/delivery_queue.h"

namespace pushgate::engine {

inline constexpr char kReasonNoProvider[] = "no_provider";

// A forward hook as the planner sees it: its name and filters (config::ForwardHook).
struct HookRoute {
  std::string name;
  std::vector<std::string> types;         // empty: all
  std::vector<std::string> call_actions;  // empty: all; only constrains calls
};

// Whether the hook takes a notification of this type and call action.
bool HookTakes(const HookRoute& hook, const std::string& type, const std::string& call_action);

// The channels one app can send on.
struct AppChannels {
  bool apns = false;         // APNs credentials: both apns and apns_voip registrations
  bool fcm = false;          // an FCM service account: fcm registrations (any fcm_os)
  bool webpush = false;      // a VAPID key: browser subscriptions
  bool log_channel = false;  // the demo channel takes whatever has no provider
  std::vector<HookRoute> hooks;

  // std::nullopt: no way to send to this platform.
  std::optional<domain::Channel> ChannelFor(domain::Platform platform) const;
};

struct PlanOptions {
  int call_expiry_seconds = 30;
};

std::vector<store::PlannedDelivery> PlanDeliveries(const domain::NotificationRecord& notification,
                                                   const std::vector<domain::Registration>& active,
                                                   const AppChannels& channels,
                                                   const PlanOptions& options, int64_t now_ms);

// A short hint of the target that is not a usable secret: the first 8 characters of a token
// and "…", or the origin of a Web Push endpoint.
std::string TargetHint(const domain::Registration& registration);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_PLANNER_H_
