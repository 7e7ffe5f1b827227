// The stored names of the notification and delivery enums (domain/notification.h,
// domain/delivery.h).
#include "domain/delivery.h"
#include "domain/notification.h"

namespace pushgate::domain {
namespace {

// One table per enum: the names are stored in the database and shown by the API, so they
// must never change.
constexpr const char* kChannelNames[] = {"apns", "apns_voip", "fcm", "webpush", "webhook", "log"};
constexpr const char* kDeliveryStateNames[] = {"pending",    "sending", "delivered",
                                               "retry_wait", "failed",  "skipped"};
constexpr const char* kNotificationStateNames[] = {"queued", "dispatching", "done"};
constexpr const char* kOutcomeNames[] = {
    "", "delivered", "partially_delivered", "failed", "no_targets", "filtered", "expired"};

template <typename Enum, size_t N>
std::optional<Enum> FromName(const char* const (&names)[N], const std::string& name) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

const char* ChannelName(Channel c) { return kChannelNames[static_cast<int>(c)]; }
std::optional<Channel> ChannelFromName(const std::string& name) {
  return FromName<Channel>(kChannelNames, name);
}

const char* DeliveryStateName(DeliveryState s) { return kDeliveryStateNames[static_cast<int>(s)]; }
std::optional<DeliveryState> DeliveryStateFromName(const std::string& name) {
  return FromName<DeliveryState>(kDeliveryStateNames, name);
}
bool IsTerminal(DeliveryState s) {
  return s == DeliveryState::kDelivered || s == DeliveryState::kFailed ||
         s == DeliveryState::kSkipped;
}

const char* NotificationStateName(NotificationState s) {
  return kNotificationStateNames[static_cast<int>(s)];
}
std::optional<NotificationState> NotificationStateFromName(const std::string& name) {
  return FromName<NotificationState>(kNotificationStateNames, name);
}

const char* NotificationOutcomeName(NotificationOutcome o) {
  return kOutcomeNames[static_cast<int>(o)];
}
NotificationOutcome NotificationOutcomeFromName(const std::string& name) {
  if (name.empty()) return NotificationOutcome::kNone;
  return FromName<NotificationOutcome>(kOutcomeNames, name).value_or(NotificationOutcome::kNone);
}

}  // namespace pushgate::domain
