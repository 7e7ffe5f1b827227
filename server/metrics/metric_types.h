// The three metric kinds a family holds. Each update is one relaxed atomic operation, so the
// request path can count without locks; reading (a scrape) sees each value consistently on its
// own, which is all the Prometheus text format promises.
#ifndef PUSHGATE_METRICS_METRIC_TYPES_H_
#define PUSHGATE_METRICS_METRIC_TYPES_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace pushgate::metrics {

class Counter {
 public:
  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double delta);
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Fixed upper bounds, chosen at registration. Counts are kept per bucket (not cumulative) and
// summed at scrape time, so an observation touches exactly one bucket.
class Histogram {
 public:
  // `upper_bounds` must be sorted ascending; +Inf is implicit.
  explicit Histogram(std::vector<double> upper_bounds);

  void Observe(double v);

  struct Snapshot {
    std::vector<double> upper_bounds;  // without +Inf
    std::vector<uint64_t> cumulative;  // one per bound, then one for +Inf (== count)
    double sum = 0;
    uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
  };
  Snapshot Read() const;

 private:
  const std::vector<double> upper_bounds_;
  // upper_bounds_.size() + 1 slots; the last is the +Inf bucket.
  std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;
  std::atomic<double> sum_{0};
};

}  // namespace pushgate::metrics

#endif  // PUSHGATE_METRICS_METRIC_TYPES_H_
