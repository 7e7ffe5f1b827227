// The operators' status API's view of the store (Deliveries.GetNotification,
// ListNotifications, GetStats, RetryNotification, WatchNotifications): plain structs and one
// interface, so the gRPC side depends on nothing SQLite. The implementation is
// status_sqlite_store.h, its SQL status_sql.h.
#ifndef PUSHGATE_STORE_STATUS_STORE_H_
#define PUSHGATE_STORE_STATUS_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/delivery.h"
#include "domain/notification.h"
#include "store/callback.h"
#include "store/types.h"

namespace pushgate::store {

// ListNotifications: every field narrows; empty/absent ones do not. Newest (highest id) first.
struct NotificationQuery {
  std::string app_id;
  std::string uid;
  std::optional<NotificationState> state;
  std::string type;  // "chat" | "call" | "" (any)
  std::optional<NotificationOutcome> outcome;
  int64_t received_from_ms = 0;   // inclusive; 0: unbounded
  int64_t received_until_ms = 0;  // exclusive; 0: unbounded
  int64_t before_id = 0;          // paging: only ids below; 0: from the newest
  int limit = 50;
};

struct StatusStats {
  std::map<std::string, int64_t> notifications_by_state;
  std::map<std::string, int64_t> deliveries_by_state;
  std::map<std::string, int64_t> deliveries_by_channel;
  std::map<std::string, int64_t> deliveries_by_reason;  // last_reason; "" when none
  int64_t queue_depth = 0;                              // the app's notifications not done
  int64_t oldest_waiting_received_ms = 0;               // 0 when nothing waits
};

// RetryNotification: one notification (notification_id > 0) or every notification of the app
// received at or after since_ms.
struct RedriveScope {
  std::string app_id;
  int64_t notification_id = 0;
  int64_t since_ms = 0;
};

// WatchNotifications polls with this cursor: rows whose (updated_at, id) is after it.
struct ChangeCursor {
  int64_t updated_at_ms = 0;
  int64_t id = 0;
};

struct NotificationChange {
  NotificationRecord notification;
  std::vector<DeliveryRecord> deliveries;  // those updated after the cursor, no attempts
};

struct NotificationDetail {
  NotificationRecord notification;
  std::vector<DeliveryRecord> deliveries;  // oldest first, with attempts
};

class StatusStore {
 public:
  virtual ~StatusStore() = default;

  // std::nullopt when the id is unknown or belongs to another app.
  virtual absl::StatusOr<std::optional<NotificationDetail>> GetNotification(
      const std::string& app_id, int64_t id) = 0;
  virtual absl::StatusOr<std::vector<NotificationRecord>> ListNotifications(
      const NotificationQuery& query) = 0;
  // Counts over notifications received at or after `since_ms`; queue depth and the oldest
  // waiting notification regardless of the window.
  virtual absl::StatusOr<StatusStats> Stats(const std::string& app_id, int64_t since_ms,
                                            int64_t now_ms) = 0;
  // received_at of the oldest notification of any app waiting for the engine (as Stats'
  // oldest_waiting_received_ms); 0 when nothing waits. Reads the live queue only.
  virtual absl::StatusOr<int64_t> OldestWaitingReceivedMs() = 0;
  // Sets the scope's failed deliveries back to 'pending' (attempt budget reset, due now) and
  // their notifications to 'dispatching', due now, without a lease, so the engine claims them.
  // The int: deliveries redriven. ONE write transaction.
  virtual absl::Status Redrive(RedriveScope scope, int64_t now_ms, Callback<int> done) = 0;
  // The app's notifications (optionally one uid) changed after `after`, oldest change first.
  virtual absl::StatusOr<std::vector<NotificationChange>> ChangesSince(const std::string& app_id,
                                                                       const std::string& uid,
                                                                       ChangeCursor after,
                                                                       int limit) = 0;
  // The newest change of the app: where a new watcher starts.
  virtual absl::StatusOr<ChangeCursor> LatestChange(const std::string& app_id) = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_STATUS_STORE_H_
