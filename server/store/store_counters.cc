#include "store/store_counters.h"

namespace pushgate::store {

void StoreCounters::Set(const std::string& family, const std::string& key, int64_t value) {
  std::lock_guard<std::mutex> lock(mu_);
  families_[family][key] = value;
}

void StoreCounters::Apply(const std::vector<CounterChange>& changes) {
  if (changes.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  // Consecutive changes usually hit the same counter (a batch of ingests all add to "queued"),
  // so remember the last one instead of looking it up again.
  const CounterChange* last = nullptr;
  int64_t* last_counter = nullptr;
  for (const CounterChange& change : changes) {
    if (last == nullptr || change.family != last->family || change.key != last->key) {
      last_counter = &families_[change.family][change.key];
      last = &change;
    }
    *last_counter += change.delta;
  }
}

std::map<std::string, int64_t> StoreCounters::Snapshot(const std::string& family) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(family);
  if (it == families_.end()) return {};
  return it->second;
}

std::string RegistrationCounterKey(const std::string& platform, bool active) {
  return platform + (active ? "/active" : "/inactive");
}

}  // namespace pushgate::store
