// Gauges computed from StoreHealth::Stats() at scrape time: the write queue and how many
// notifications and registrations sit in each state. One Stats() call per scrape feeds them
// all.
#ifndef PUSHGATE_WEBHOOK_STORE_METRICS_H_
#define PUSHGATE_WEBHOOK_STORE_METRICS_H_

#include <functional>

#include "metrics/registry.h"
#include "store/status_store.h"
#include "store/store_health.h"

namespace pushgate::webhook {

// Registers pushgate_store_write_queue_depth, pushgate_store_write_queue_capacity,
// pushgate_notifications{state}, pushgate_registrations{platform,state} and pushgate_ready
// (1 when the last commit succeeded and `engine_running`, if given, says true: /readyz's answer
// without its probe write, since a scrape must not write). `store` must outlive `registry`'s
// last Render(). Call once per registry.
void RegisterStoreMetrics(metrics::Registry& registry, store::StoreHealth& store,
                          std::function<bool()> engine_running = {});

// Registers pushgate_queue_oldest_waiting_seconds: how long the oldest notification waiting
// for the engine has waited (0 when none; absent from a scrape whose read failed). One read
// of the live queue per scrape. `status` must outlive `registry`'s last Render().
void RegisterQueueAgeMetric(metrics::Registry& registry, store::StatusStore& status);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_STORE_METRICS_H_
