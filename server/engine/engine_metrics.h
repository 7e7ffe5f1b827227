// The engine's Prometheus metrics:
//   pushgate_pushes_total{channel,outcome}            provider answers by outcome class
//   pushgate_delivery_latency_seconds{channel}        webhook received → provider accepted
//   pushgate_deliveries_in_flight                     handed to a provider, not yet answered
//   pushgate_provider_config_errors_total{app,channel} our credentials/config were refused
//   pushgate_deliveries{state}                        stored deliveries by state (at scrape)
//   pushgate_device_pushes_delivered_total{channel,platform}  device pushes accepted (receipts)
#ifndef PUSHGATE_ENGINE_ENGINE_METRICS_H_
#define PUSHGATE_ENGINE_ENGINE_METRICS_H_

#include <array>
#include <functional>
#include <map>
#include <string>

#include "metrics/registry.h"
#include "providers/provider.h"
#include "store/delivery_store.h"

namespace pushgate::engine {

class EngineMetrics {
 public:
  // `registry` null: nothing is counted. `delivery_counts` feeds pushgate_deliveries at scrape
  // time (may be empty).
  EngineMetrics(metrics::Registry* registry,
                std::function<std::map<std::string, int64_t>()> delivery_counts);

  void Answered(store::Channel channel, providers::Outcome outcome);
  void Delivered(store::Channel channel, double seconds_since_received);
  // A device push the provider accepted: the denominator of receipt rates.
  void DeliveredToDevice(store::Channel channel, const std::string& platform);
  void InFlight(int n);
  void ConfigError(const std::string& app_id, store::Channel channel);

 private:
  static constexpr int kChannels = 6;
  static constexpr int kOutcomes = 5;
  metrics::Registry* registry_;
  // Children looked up once: every push updates these.
  std::array<std::array<metrics::Counter*, kOutcomes>, kChannels> answered_{};
  std::array<metrics::Histogram*, kChannels> latency_{};
  metrics::Gauge* in_flight_ = nullptr;
  metrics::CounterFamily* config_errors_ = nullptr;
  metrics::CounterFamily* device_delivered_ = nullptr;
};

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_ENGINE_METRICS_H_
