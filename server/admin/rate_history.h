// Per-second rates of cumulative counters over the last hour, one sample every 10 seconds:
// what the status page's chart draws. Pure (no clock, no threads): the caller passes the time
// and the counters' totals, and guards it with its own lock.
#ifndef PUSHGATE_ADMIN_RATE_HISTORY_H_
#define PUSHGATE_ADMIN_RATE_HISTORY_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace pushgate::admin {

struct RatePoint {
  int64_t at_ms = 0;      // end of the interval
  double per_second = 0;  // the counter's increase over the interval, per second
};

struct RateSeries {
  std::string name;
  std::vector<RatePoint> points;  // oldest first, one per sample
};

class RateHistory {
 public:
  static constexpr int64_t kIntervalMs = 10'000;
  static constexpr int64_t kWindowMs = 3'600'000;
  static constexpr size_t kCapacity = kWindowMs / kIntervalMs;  // 360 samples

  // `totals`: series name → the counter's cumulative value at `now_ms`. The first call only
  // remembers the totals; each later one adds a sample of rates since the previous call. A
  // total below its previous value (a counter that restarted) counts from zero. A series
  // missing from a call keeps its previous total and rates 0 for that sample.
  void Record(int64_t now_ms, const std::map<std::string, uint64_t>& totals);

  // Every series seen, by name, each with a point per sample of the last hour (0 where the
  // series did not exist yet). Samples older than an hour before the newest are dropped.
  std::vector<RateSeries> Series() const;

 private:
  struct Sample {
    int64_t at_ms = 0;
    std::map<std::string, double> per_second;
  };
  bool primed_ = false;
  int64_t last_ms_ = 0;
  std::map<std::string, uint64_t> last_totals_;
  std::deque<Sample> samples_;
};

}  // namespace pushgate::admin

#endif  // PUSHGATE_ADMIN_RATE_HISTORY_H_
