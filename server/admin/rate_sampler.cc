#include "admin/rate_sampler.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "admin/status_page.h"
#include "webhook/request_counters.h"

namespace pushgate::admin {

std::map<std::string, uint64_t> ChartTotals(
    const std::vector<std::pair<metrics::LabelValues, uint64_t>>& http_requests,
    const std::vector<std::pair<metrics::LabelValues, uint64_t>>& pushes) {
  std::map<std::string, uint64_t> totals;
  totals[kWebhooksInSeries] = 0;
  for (const auto& [labels, n] : http_requests) {
    if (!labels.empty() && labels[0] == "webhook") totals[kWebhooksInSeries] += n;
  }
  for (const auto& [labels, n] : pushes) {
    if (!labels.empty()) totals[absl::StrCat("pushes out: ", labels[0])] += n;
  }
  return totals;
}

RateSampler::RateSampler(const metrics::Registry* registry, std::function<int64_t()> now_ms)
    : registry_(registry), now_ms_(std::move(now_ms)) {}

RateSampler::~RateSampler() { Stop(); }

void RateSampler::SampleNow() {
  std::map<std::string, uint64_t> totals =
      ChartTotals(registry_->CounterValues(webhook::kRequestsTotalName),
                  registry_->CounterValues("pushgate_pushes_total"));
  std::lock_guard<std::mutex> lock(mu_);
  history_.Record(now_ms_(), totals);
}

void RateSampler::Start() {
  SampleNow();
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      if (wake_.wait_for(lock, std::chrono::milliseconds(RateHistory::kIntervalMs),
                         [this] { return stopping_; })) {
        break;
      }
      lock.unlock();
      SampleNow();
      lock.lock();
    }
  });
}

void RateSampler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<RateSeries> RateSampler::Series() const {
  std::lock_guard<std::mutex> lock(mu_);
  return history_.Series();
}

}  // namespace pushgate::admin
