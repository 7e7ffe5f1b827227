// StatusStore and MaintenanceStore over SqliteStore: reads on its reader pool, writes (redrive,
// retention) as jobs of its single writer, so they share the group commit with ingest and
// never block it for longer than one small batch.
#ifndef PUSHGATE_STORE_STATUS_SQLITE_STORE_H_
#define PUSHGATE_STORE_STATUS_SQLITE_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "store/maintenance_store.h"
#include "store/sqlite_store.h"
#include "store/status_store.h"

namespace pushgate::store {

class SqliteStatusStore final : public StatusStore, public MaintenanceStore {
 public:
  // `store` must outlive this.
  explicit SqliteStatusStore(SqliteStore* store) : store_(store) {}

  absl::StatusOr<std::optional<NotificationDetail>> GetNotification(const std::string& app_id,
                                                                    int64_t id) override;
  absl::StatusOr<std::vector<NotificationRecord>> ListNotifications(
      const NotificationQuery& query) override;
  absl::StatusOr<StatusStats> Stats(const std::string& app_id, int64_t since_ms,
                                    int64_t now_ms) override;
  absl::StatusOr<int64_t> OldestWaitingReceivedMs() override;
  absl::Status Redrive(RedriveScope scope, int64_t now_ms, Callback<int> done) override;
  absl::StatusOr<std::vector<NotificationChange>> ChangesSince(const std::string& app_id,
                                                               const std::string& uid,
                                                               ChangeCursor after,
                                                               int limit) override;
  absl::StatusOr<ChangeCursor> LatestChange(const std::string& app_id) override;
  absl::Status DeleteExpired(int64_t notifications_before_ms, int64_t registrations_before_ms,
                             int limit, Callback<RetentionBatch> done) override;

 private:
  SqliteStore* const store_;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_STATUS_SQLITE_STORE_H_
