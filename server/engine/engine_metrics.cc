#include "engine/engine_metrics.h"

#include <utility>
#include <vector>

namespace pushgate::engine {

EngineMetrics::EngineMetrics(metrics::Registry* registry,
                             std::function<std::map<std::string, int64_t>()> delivery_counts)
    : registry_(registry) {
  if (registry_ == nullptr) return;
  metrics::CounterFamily& answered = registry_->AddCounter(
      "pushgate_pushes_total",
      "Provider answers by channel and outcome class (delivered, retry, token_dead, "
      "config_error, permanent_failure).",
      {"channel", "outcome"});
  metrics::HistogramFamily& latency = registry_->AddHistogram(
      "pushgate_delivery_latency_seconds",
      "From the webhook's arrival to the provider accepting the push.", {"channel"},
      {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300});
  metrics::HistogramFamily& request = registry_->AddHistogram(
      "pushgate_provider_request_seconds",
      "From handing a push to its provider (APNs, FCM, a push service, a forward hook) to the "
      "answer, whatever the outcome.",
      {"channel"}, {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  for (int c = 0; c < kChannels; ++c) {
    const char* channel = domain::ChannelName(static_cast<domain::Channel>(c));
    latency_[c] = &latency.WithLabels({channel});
    request_seconds_[c] = &request.WithLabels({channel});
    for (int o = 0; o < kOutcomes; ++o) {
      answered_[c][o] = &answered.WithLabels(
          {channel, providers::OutcomeName(static_cast<providers::Outcome>(o))});
    }
  }
  in_flight_ = &registry_
                    ->AddGauge("pushgate_deliveries_in_flight",
                               "Deliveries handed to a provider and not yet answered.")
                    .WithLabels(metrics::LabelValues{});
  config_errors_ = &registry_->AddCounter(
      "pushgate_provider_config_errors_total",
      "Pushes a provider refused because of our credentials or configuration (alert).",
      {"app", "channel"});
  device_delivered_ = &registry_->AddCounter(
      "pushgate_device_pushes_delivered_total",
      "Device pushes the provider accepted, by channel and platform (ios, android, web): what "
      "pushgate_receipts_total is a share of.",
      {"channel", "platform"});
  if (delivery_counts) {
    registry_->AddGaugeCallback(
        "pushgate_deliveries", "Stored deliveries by state.", {"state"},
        [counts = std::move(delivery_counts)] {
          std::vector<metrics::GaugeSample> samples;
          for (const auto& [state, n] : counts()) {
            samples.push_back(metrics::GaugeSample{{state}, static_cast<double>(n)});
          }
          return samples;
        });
  }
}

void EngineMetrics::Answered(domain::Channel channel, providers::Outcome outcome,
                             double request_seconds) {
  if (registry_ == nullptr) return;
  answered_[static_cast<int>(channel)][static_cast<int>(outcome)]->Increment();
  request_seconds_[static_cast<int>(channel)]->Observe(request_seconds);
}

void EngineMetrics::Delivered(domain::Channel channel, double seconds_since_received) {
  if (registry_ == nullptr) return;
  latency_[static_cast<int>(channel)]->Observe(seconds_since_received);
}

void EngineMetrics::DeliveredToDevice(domain::Channel channel, const std::string& platform) {
  if (device_delivered_ == nullptr) return;
  device_delivered_->WithLabels({domain::ChannelName(channel), platform}).Increment();
}

void EngineMetrics::InFlight(int n) {
  if (in_flight_ != nullptr) in_flight_->Set(n);
}

void EngineMetrics::KnowApp(const std::string& app_id) {
  if (config_errors_ == nullptr) return;
  for (int c = 0; c < kChannels; ++c) {
    config_errors_->WithLabels({app_id, domain::ChannelName(static_cast<domain::Channel>(c))});
  }
}

void EngineMetrics::ConfigError(const std::string& app_id, domain::Channel channel) {
  if (config_errors_ == nullptr) return;
  config_errors_->WithLabels({app_id, domain::ChannelName(channel)}).Increment();
}

}  // namespace pushgate::engine
