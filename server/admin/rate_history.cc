#include "admin/rate_history.h"

#include <set>

namespace pushgate::admin {

void RateHistory::Record(int64_t now_ms, const std::map<std::string, uint64_t>& totals) {
  if (!primed_ || now_ms <= last_ms_) {
    // First call, or a clock that did not move forward: nothing to divide by yet.
    for (const auto& [name, total] : totals) last_totals_[name] = total;
    if (!primed_) last_ms_ = now_ms;
    primed_ = true;
    return;
  }
  const double seconds = static_cast<double>(now_ms - last_ms_) / 1000.0;
  Sample sample;
  sample.at_ms = now_ms;
  for (const auto& [name, total] : totals) {
    auto previous = last_totals_.find(name);
    const uint64_t before = previous == last_totals_.end() ? 0 : previous->second;
    const uint64_t increase = total >= before ? total - before : total;
    sample.per_second[name] = static_cast<double>(increase) / seconds;
    last_totals_[name] = total;
  }
  for (const auto& [name, total] : last_totals_) sample.per_second.emplace(name, 0.0);
  last_ms_ = now_ms;
  samples_.push_back(std::move(sample));
  while (samples_.size() > kCapacity ||
         (!samples_.empty() && samples_.front().at_ms <= now_ms - kWindowMs)) {
    samples_.pop_front();
  }
}

std::vector<RateSeries> RateHistory::Series() const {
  std::set<std::string> names;
  for (const Sample& s : samples_) {
    for (const auto& [name, rate] : s.per_second) names.insert(name);
  }
  std::vector<RateSeries> out;
  for (const std::string& name : names) {
    RateSeries series;
    series.name = name;
    for (const Sample& s : samples_) {
      auto it = s.per_second.find(name);
      series.points.push_back({s.at_ms, it == s.per_second.end() ? 0.0 : it->second});
    }
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace pushgate::admin
