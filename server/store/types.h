// Plain values of the store's registry and ingest interfaces. The domain types they carry
// (registration, notification, delivery) live in domain/; the store code names them
// unqualified through the using-declarations below.
#ifndef PUSHGATE_STORE_TYPES_H_
#define PUSHGATE_STORE_TYPES_H_

#include <cstdint>
#include <string>

#include "domain/delivery.h"
#include "domain/notification.h"
#include "domain/registration.h"

namespace pushgate::store {

using domain::AttemptRecord;
using domain::Channel;
using domain::ChannelFromName;
using domain::ChannelName;
using domain::DeliveryRecord;
using domain::DeliveryState;
using domain::DeliveryStateFromName;
using domain::DeliveryStateName;
using domain::DeviceInfo;
using domain::InactiveReason;
using domain::InactiveReasonFromName;
using domain::InactiveReasonName;
using domain::IsTerminal;
using domain::NewNotification;
using domain::NotificationOutcome;
using domain::NotificationOutcomeFromName;
using domain::NotificationOutcomeName;
using domain::NotificationRecord;
using domain::NotificationState;
using domain::NotificationStateFromName;
using domain::NotificationStateName;
using domain::Platform;
using domain::PlatformFromName;
using domain::PlatformName;
using domain::Registration;
using domain::RegistrationInput;

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

struct IngestResult {
  int64_t id = 0;
  bool duplicate = false;  // an earlier notification within the window had the same payload
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_TYPES_H_
