#include "engine/retention.h"

#include <future>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log.h"

namespace pushgate::engine {

RetentionCutoffs ComputeRetentionCutoffs(const config::RetentionConfig& config, int64_t now_ms) {
  constexpr int64_t kDayMs = 24LL * 3600 * 1000;
  RetentionCutoffs c;
  c.notifications_before_ms = now_ms - config.notifications_days * kDayMs;
  c.registrations_before_ms = now_ms - config.inactive_registrations_days * kDayMs;
  return c;
}

RetentionSweeper::RetentionSweeper(store::MaintenanceStore* store, config::RetentionConfig config,
                                   std::function<int64_t()> now_ms)
    : store_(store),
      config_(config),
      now_ms_(now_ms ? std::move(now_ms)
                     : std::function<int64_t()>([] { return absl::ToUnixMillis(absl::Now()); })) {}

RetentionSweeper::~RetentionSweeper() { Stop(); }

void RetentionSweeper::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RetentionSweeper::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RetentionSweeper::StopRequestedFor(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
  return stopping_;
}

RetentionTotals RetentionSweeper::SweepOnce() {
  RetentionTotals sweep;
  // The cutoffs are fixed for the whole sweep: rows that age past them meanwhile wait for the
  // next one, so a sweep always ends.
  const RetentionCutoffs cutoffs = ComputeRetentionCutoffs(config_, now_ms_());
  while (true) {
    auto answer = std::make_shared<std::promise<absl::StatusOr<store::RetentionBatch>>>();
    std::future<absl::StatusOr<store::RetentionBatch>> done = answer->get_future();
    absl::Status queued = store_->DeleteExpired(
        cutoffs.notifications_before_ms, cutoffs.registrations_before_ms, config_.batch_rows,
        [answer](absl::StatusOr<store::RetentionBatch> r) { answer->set_value(std::move(r)); });
    if (!queued.ok()) {
      LogWarn("retention_batch_refused", {{"error", queued.message()}});
      break;
    }
    absl::StatusOr<store::RetentionBatch> batch = done.get();
    if (!batch.ok()) {
      LogWarn("retention_batch_failed", {{"error", batch.status().message()}});
      break;
    }
    sweep.notifications_deleted += batch->notifications_deleted;
    sweep.deliveries_deleted += batch->deliveries_deleted;
    sweep.registrations_deleted += batch->registrations_deleted;
    const bool more = batch->notifications_deleted >= config_.batch_rows ||
                      batch->registrations_deleted >= config_.batch_rows;
    if (!more) break;
    if (StopRequestedFor(config_.pause_ms)) break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  totals_.notifications_deleted += sweep.notifications_deleted;
  totals_.deliveries_deleted += sweep.deliveries_deleted;
  totals_.registrations_deleted += sweep.registrations_deleted;
  ++sweeps_;
  return sweep;
}

RetentionTotals RetentionSweeper::totals() {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

int64_t RetentionSweeper::sweeps() {
  std::lock_guard<std::mutex> lock(mu_);
  return sweeps_;
}

void RetentionSweeper::Run() {
  do {
    RetentionTotals sweep = SweepOnce();
    if (sweep.notifications_deleted + sweep.registrations_deleted > 0) {
      LogInfo("retention_sweep", {{"notifications", absl::StrCat(sweep.notifications_deleted)},
                                  {"deliveries", absl::StrCat(sweep.deliveries_deleted)},
                                  {"registrations", absl::StrCat(sweep.registrations_deleted)}});
    }
  } while (!StopRequestedFor(config_.interval_seconds * 1000));
}

}  // namespace pushgate::engine
