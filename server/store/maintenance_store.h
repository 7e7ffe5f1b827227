// Background retention's view of the store (engine/retention.h): delete old rows in small
// write jobs.
#ifndef PUSHGATE_STORE_MAINTENANCE_STORE_H_
#define PUSHGATE_STORE_MAINTENANCE_STORE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "store/callback.h"

namespace pushgate::store {

struct RetentionBatch {
  int notifications_deleted = 0;
  int deliveries_deleted = 0;
  int registrations_deleted = 0;
};

class MaintenanceStore {
 public:
  virtual ~MaintenanceStore() = default;

  // One retention step: up to `limit` notifications received before `notifications_before_ms`
  // (with their deliveries) and up to `limit` registrations inactive since before
  // `registrations_before_ms`. Counters stay exact. ONE write transaction.
  virtual absl::Status DeleteExpired(int64_t notifications_before_ms,
                                     int64_t registrations_before_ms, int limit,
                                     Callback<RetentionBatch> done) = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_MAINTENANCE_STORE_H_
