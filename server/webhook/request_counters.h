// pushgate_http_requests_total{route,status} with the per-label-set lookup done once: each
// (route, status) child is resolved on first use and cached in a lock-free table, so counting
// a request is one atomic load and one relaxed increment.
#ifndef PUSHGATE_WEBHOOK_REQUEST_COUNTERS_H_
#define PUSHGATE_WEBHOOK_REQUEST_COUNTERS_H_

#include <array>
#include <atomic>

#include "metrics/registry.h"

namespace pushgate::webhook {

enum class Route { kWebhook, kHealthz, kReadyz, kMetrics, kOther, kUnparsed };
inline constexpr int kRouteCount = 6;
const char* RouteName(Route route);

inline constexpr char kRequestsTotalName[] = "pushgate_http_requests_total";

class RequestCounters {
 public:
  explicit RequestCounters(metrics::Registry& registry);
  void Count(Route route, int status);

 private:
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;
  metrics::CounterFamily& family_;
  std::array<std::array<std::atomic<metrics::Counter*>, kMaxStatus - kMinStatus + 1>, kRouteCount>
      cache_{};
};

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_REQUEST_COUNTERS_H_
