// The engine's Prometheus metrics:
//   pushgate_pushes_total{channel,outcome}            provider answers by outcome class
//   pushgate_delivery_latency_seconds{channel}        webhook received → provider accepted
//   pushgate_provider_request_seconds{channel}        one push sent → its answer, any outcome
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

#include "domain/delivery.h"
#include "metrics/registry.h"
#include "providers/provider.h"

namespace pushgate::engine {

class EngineMetrics {
 public:
  // `registry` null: nothing is counted. `delivery_counts` feeds pushgate_deliveries at scrape
  // time (may be empty).
  EngineMetrics(metrics::Registry* registry,
                std::function<std::map<std::string, int64_t>()> delivery_counts);

  // `request_seconds`: from handing the push to the provider to its answer.
  void Answered(domain::Channel channel, providers::Outcome outcome, double request_seconds);
  void Delivered(domain::Channel channel, double seconds_since_received);
  // A device push the provider accepted: the denominator of receipt rates.
  void DeliveredToDevice(domain::Channel channel, const std::string& platform);
  void InFlight(int n);
  void ConfigError(const std::string& app_id, domain::Channel channel);
  // Shows the app's config-error counters at 0 from the start, so that the first error is an
  // increase that rate() and increase() (and the alert on them) can see.
  void KnowApp(const std::string& app_id);

 private:
  static constexpr int kChannels = 6;
  static constexpr int kOutcomes = 5;
  metrics::Registry* registry_;
  // Children looked up once: every push updates these.
  std::array<std::array<metrics::Counter*, kOutcomes>, kChannels> answered_{};
  std::array<metrics::Histogram*, kChannels> latency_{};
  std::array<metrics::Histogram*, kChannels> request_seconds_{};
  metrics::Gauge* in_flight_ = nullptr;
  metrics::CounterFamily* config_errors_ = nullptr;
  metrics::CounterFamily* device_delivered_ = nullptr;
};

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_ENGINE_METRICS_H_
