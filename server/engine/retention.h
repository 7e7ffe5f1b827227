// Background retention: deletes notifications (with their deliveries) older than
// retention.notifications_days and registrations inactive for longer than
// retention.inactive_registrations_days. Each batch is one small writer job (batch_rows rows
// of each kind) and the sweeper waits for it and pauses before the next, so the writer's queue
// never holds more than one retention job and ingest never waits behind a large delete.
#ifndef PUSHGATE_ENGINE_RETENTION_H_
#define PUSHGATE_ENGINE_RETENTION_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "config/config.h"
#include "store/maintenance_store.h"

namespace pushgate::engine {

struct RetentionCutoffs {
  int64_t notifications_before_ms = 0;
  int64_t registrations_before_ms = 0;
};

// Pure: what "older than N days" means at `now_ms`.
RetentionCutoffs ComputeRetentionCutoffs(const config::RetentionConfig& config, int64_t now_ms);

struct RetentionTotals {
  int64_t notifications_deleted = 0;
  int64_t deliveries_deleted = 0;
  int64_t registrations_deleted = 0;
};

class RetentionSweeper {
 public:
  // `store` must outlive the sweeper. `now_ms` empty: the system clock. The first sweep runs
  // at once.
  RetentionSweeper(store::MaintenanceStore* store, config::RetentionConfig config,
                   std::function<int64_t()> now_ms = {});
  ~RetentionSweeper();  // Stop()
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  void Start();
  // Ends the sweep between batches and joins. Idempotent.
  void Stop();

  // Runs one sweep to the end on the caller's thread (batches until none is full).
  RetentionTotals SweepOnce();
  RetentionTotals totals();
  int64_t sweeps();

 private:
  void Run();
  bool StopRequestedFor(int ms);  // waits up to ms; true when Stop() was called

  store::MaintenanceStore* const store_;
  const config::RetentionConfig config_;
  const std::function<int64_t()> now_ms_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;   // guarded by mu_
  RetentionTotals totals_;  // guarded by mu_
  int64_t sweeps_ = 0;      // guarded by mu_
  std::thread thread_;
};

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_RETENTION_H_
