#include "webhook/request_counters.h"

#include <string>

namespace pushgate::webhook {

const char* RouteName(Route route) {
  switch (route) {
    case Route::kWebhook:
      return "webhook";
    case Route::kHealthz:
      return "healthz";
    case Route::kReadyz:
      return "readyz";
    case Route::kMetrics:
      return "metrics";
    case Route::kOther:
      return "other";
    case Route::kUnparsed:
      return "unparsed";
  }
  return "other";
}

RequestCounters::RequestCounters(metrics::Registry& registry)
    : family_(registry.AddCounter(kRequestsTotalName,
                                  "HTTP requests answered, by route and status code.",
                                  {"route", "status"})) {}

void RequestCounters::Count(Route route, int status) {
  if (status < kMinStatus || status > kMaxStatus) status = 500;
  std::atomic<metrics::Counter*>& slot = cache_[static_cast<int>(route)][status - kMinStatus];
  metrics::Counter* counter = slot.load(std::memory_order_acquire);
  if (counter == nullptr) {
    // Two threads may both look it up; WithLabels returns the same child to both.
    counter = &family_.WithLabels({RouteName(route), std::to_string(status)});
    slot.store(counter, std::memory_order_release);
  }
  counter->Increment();
}

}  // namespace pushgate::webhook
