// Feeds the chart's RateHistory: every 10 seconds a background thread reads the webhook and
// push counters from the metrics registry (the same numbers /metrics serves) and records them.
#ifndef PUSHGATE_ADMIN_RATE_SAMPLER_H_
#define PUSHGATE_ADMIN_RATE_SAMPLER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "admin/rate_history.h"
#include "metrics/registry.h"

namespace pushgate::admin {

// The series the chart draws, from the counters' children: "webhooks in" (every answered
// webhook request, pushgate_http_requests_total{route="webhook"}) and one per channel of
// pushgate_pushes_total{channel,outcome} (every provider answer). Pure.
std::map<std::string, uint64_t> ChartTotals(
    const std::vector<std::pair<metrics::LabelValues, uint64_t>>& http_requests,
    const std::vector<std::pair<metrics::LabelValues, uint64_t>>& pushes);

class RateSampler {
 public:
  // `registry` must outlive this; `now_ms` is the clock (injected for tests).
  RateSampler(const metrics::Registry* registry, std::function<int64_t()> now_ms);
  ~RateSampler();

  // Takes the first reading now, then one every RateHistory::kIntervalMs until Stop.
  void Start();
  void Stop();
  // One reading, as the thread takes it.
  void SampleNow();

  std::vector<RateSeries> Series() const;

 private:
  const metrics::Registry* const registry_;
  const std::function<int64_t()> now_ms_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  RateHistory history_;
  std::thread thread_;
};

}  // namespace pushgate::admin

#endif  // PUSHGATE_ADMIN_RATE_SAMPLER_H_
