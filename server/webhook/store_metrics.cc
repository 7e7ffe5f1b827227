#include "webhook/store_metrics.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"

namespace pushgate::webhook {

void RegisterQueueAgeMetric(metrics::Registry& registry, store::StatusStore& status) {
  registry.AddGaugeCallback(
      "pushgate_queue_oldest_waiting_seconds",
      "Age of the oldest notification waiting for the delivery engine (0 when none waits).", {},
      [&status] {
        absl::StatusOr<int64_t> oldest = status.OldestWaitingReceivedMs();
        if (!oldest.ok()) return std::vector<metrics::GaugeSample>{};
        const int64_t now_ms = absl::ToUnixMillis(absl::Now());
        const double age = *oldest > 0 ? std::max<int64_t>(0, now_ms - *oldest) / 1000.0 : 0;
        return std::vector<metrics::GaugeSample>{{{}, age}};
      });
}

void RegisterStoreMetrics(metrics::Registry& registry, store::StoreHealth& store,
                          std::function<bool()> engine_running) {
  // Written by the scrape hook and read by the callbacks; Registry::Render runs them one
  // scrape at a time, so no lock is needed here.
  auto snapshot = std::make_shared<store::StoreStats>();
  registry.AddScrapeHook([snapshot, &store] { *snapshot = store.Stats(); });

  registry.AddGaugeCallback(
      "pushgate_store_write_queue_depth",
      "Writes waiting for the store's writer (notifications and registry changes).", {},
      [snapshot] {
        return std::vector<metrics::GaugeSample>{
            {{}, static_cast<double>(snapshot->write_queue_depth)}};
      });
  registry.AddGaugeCallback("pushgate_store_write_queue_capacity",
                            "Writes the queue holds before the webhook answers 503.", {},
                            [snapshot] {
                              return std::vector<metrics::GaugeSample>{
                                  {{}, static_cast<double>(snapshot->write_queue_capacity)}};
                            });
  registry.AddGaugeCallback("pushgate_notifications", "Stored notifications by state.", {"state"},
                            [snapshot] {
                              std::vector<metrics::GaugeSample> samples;
                              for (const auto& [state, n] : snapshot->notifications_by_state) {
                                samples.push_back({{state}, static_cast<double>(n)});
                              }
                              return samples;
                            });
  registry.AddGaugeCallback(
      "pushgate_registrations", "Device registrations by platform and state.",
      {"platform", "state"}, [snapshot] {
        std::vector<metrics::GaugeSample> samples;
        // Keys are "platform/state" (store/store_health.h).
        for (const auto& [key, n] : snapshot->registrations_by_platform_state) {
          const size_t slash = key.find('/');
          if (slash == std::string::npos) continue;
          samples.push_back(
              {{key.substr(0, slash), key.substr(slash + 1)}, static_cast<double>(n)});
        }
        return samples;
      });
  registry.AddGaugeCallback(
      "pushgate_ready",
      "1 when the store's last commit succeeded and the delivery engine runs (as /readyz "
      "checks, without its probe write), else 0.",
      {}, [snapshot, engine_running = std::move(engine_running)] {
        const bool ready = snapshot->last_commit_ok && (!engine_running || engine_running());
        return std::vector<metrics::GaugeSample>{{{}, ready ? 1.0 : 0.0}};
      });
}

}  // namespace pushgate::webhook
