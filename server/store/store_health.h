// The store's health as the process reports it: readiness (/readyz) and the store's gauges on
// /metrics.
#ifndef PUSHGATE_STORE_STORE_HEALTH_H_
#define PUSHGATE_STORE_STORE_HEALTH_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"

namespace pushgate::store {

struct StoreStats {
  size_t write_queue_depth = 0;
  size_t write_queue_capacity = 0;
  uint64_t commits = 0;
  uint64_t failed_commits = 0;
  bool last_commit_ok = true;
  // notifications by state ("queued", ...), registrations by "platform/active|inactive".
  std::map<std::string, int64_t> notifications_by_state;
  std::map<std::string, int64_t> registrations_by_platform_state;
};

class StoreHealth {
 public:
  virtual ~StoreHealth() = default;

  // OK when the last write transaction committed (or a probe write succeeds). May block for
  // the probe: never call it from a write callback or an I/O thread.
  virtual absl::Status CheckWritable() = 0;
  virtual StoreStats Stats() = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_STORE_HEALTH_H_
