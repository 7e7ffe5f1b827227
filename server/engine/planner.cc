#include "engine/planner.h"

#include <algorithm>
#include <map>

#include "engine/call_expiry.h"
#include "providers/apns_request_builder.h"
#include "providers/notification_content.h"
#include "store/delivery_summary.h"

namespace pushgate::engine {
namespace {

using domain::Channel;
using domain::Platform;

Channel NaturalChannel(Platform p) {
  switch (p) {
    case Platform::kApns:
      return Channel::kApns;
    case Platform::kApnsVoip:
      return Channel::kApnsVoip;
    case Platform::kFcm:
      return Channel::kFcm;
    case Platform::kWebPush:
      return Channel::kWebPush;
  }
  return Channel::kLog;
}

// Whether this registration may receive this notification at all. For APNs the request
// builder's routing decides (ApnsPushKindFor); the other platforms take everything.
bool Receives(const providers::NotificationContent& content, Platform platform) {
  if (platform == Platform::kApns || platform == Platform::kApnsVoip) {
    return providers::ApnsPushKindFor(content, platform) != providers::ApnsPushKind::kNone;
  }
  return true;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool HookTakes(const HookRoute& hook, const std::string& type, const std::string& call_action) {
  if (!hook.types.empty() && !Contains(hook.types, type)) return false;
  if (type == "call" && !hook.call_actions.empty() && !Contains(hook.call_actions, call_action)) {
    return false;
  }
  return true;
}

std::optional<Channel> AppChannels::ChannelFor(Platform platform) const {
  bool provider = false;
  switch (platform) {
    case Platform::kApns:
    case Platform::kApnsVoip:
      provider = apns;
      break;
    case Platform::kFcm:
      provider = fcm;
      break;
    case Platform::kWebPush:
      provider = webpush;
      break;
  }
  if (provider) return NaturalChannel(platform);
  if (log_channel) return Channel::kLog;
  return std::nullopt;
}

std::vector<store::PlannedDelivery> PlanDeliveries(const domain::NotificationRecord& notification,
                                                   const std::vector<domain::Registration>& active,
                                                   const AppChannels& channels,
                                                   const PlanOptions& options, int64_t now_ms) {
  // The routing rule needs only the type and the call action.
  providers::NotificationContent content;
  content.type = notification.type;
  content.call_action = notification.call_action;
  const bool ringing = IsRingingCall(notification.type, notification.call_action);

  // Ringing calls: sessions that have a VoIP registration we can send to ring there only.
  std::map<std::string, bool> session_rings_on_voip;
  if (ringing) {
    for (const domain::Registration& r : active) {
      if (r.active && r.input.platform == Platform::kApnsVoip &&
          channels.ChannelFor(Platform::kApnsVoip).has_value()) {
        session_rings_on_voip[r.input.session_id] = true;
      }
    }
  }
  const bool expired =
      CallExpired(notification.type, notification.call_action, notification.received_at_ms,
                  options.call_expiry_seconds, now_ms);

  std::vector<store::PlannedDelivery> planned;
  for (const domain::Registration& r : active) {
    if (!r.active) continue;
    const Platform platform = r.input.platform;
    if (!Receives(content, platform)) continue;
    if (ringing) {
      const bool voip_session = session_rings_on_voip.count(r.input.session_id) > 0;
      if (voip_session != (platform == Platform::kApnsVoip)) continue;
    }
    store::PlannedDelivery p;
    p.registration_id = r.id;
    p.target_hint = TargetHint(r);
    const std::optional<Channel> channel = channels.ChannelFor(platform);
    p.channel = channel.value_or(NaturalChannel(platform));
    if (!channel) {
      p.state = domain::DeliveryState::kSkipped;
      p.reason = kReasonNoProvider;
    } else if (expired) {
      p.state = domain::DeliveryState::kSkipped;
      p.reason = store::kReasonExpired;
    } else {
      p.state = domain::DeliveryState::kSending;
    }
    planned.push_back(std::move(p));
  }
  for (const HookRoute& hook : channels.hooks) {
    if (!HookTakes(hook, notification.type, notification.call_action)) continue;
    store::PlannedDelivery p;
    p.hook = hook.name;
    p.channel = Channel::kWebhook;
    p.target_hint = hook.name;  // never the URL: its path is often the receiver's secret
    p.state = domain::DeliveryState::kSending;
    planned.push_back(std::move(p));
  }
  return planned;
}

std::string TargetHint(const domain::Registration& registration) {
  const std::string& token = registration.input.token;
  if (registration.input.platform == Platform::kWebPush) {
    // The endpoint's origin names the push service; the path is the subscription's secret.
    const size_t scheme = token.find("://");
    const size_t path = token.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? token : token.substr(0, path);
  }
  if (token.size() <= 8) return token;
  return token.substr(0, 8) + "\xE2\x80\xA6";  // "…"
}

}  // namespace pushgate::engine
