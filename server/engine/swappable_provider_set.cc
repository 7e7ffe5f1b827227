#include "engine/swappable_provider_set.h"

#include <utility>

namespace pushgate::engine {

SwappableProviderSet::SwappableProviderSet(std::unique_ptr<ProviderSet> initial,
                                           Clock::duration drain)
    : drain_(drain), current_(std::move(initial)) {}

std::shared_ptr<ProviderSet> SwappableProviderSet::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

providers::Provider* SwappableProviderSet::Find(const std::string& app_id,
                                                domain::Channel channel) {
  // The provider lives as long as its set, and a replaced set is kept past any send's end.
  return Current()->Find(app_id, channel);
}

AppChannels SwappableProviderSet::ChannelsOf(const std::string& app_id) const {
  return Current()->ChannelsOf(app_id);
}

void SwappableProviderSet::Swap(std::unique_ptr<ProviderSet> next) {
  std::vector<std::shared_ptr<ProviderSet>> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Clock::time_point now = Clock::now();
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (now - it->since >= drain_) {
        done.push_back(std::move(it->set));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
    retired_.push_back({std::move(current_), now});
    current_ = std::move(next);
  }
  // Outside the lock: Shutdown waits for the set's I/O thread.
  for (const std::shared_ptr<ProviderSet>& set : done) set->Shutdown();
}

void SwappableProviderSet::Shutdown() {
  std::vector<std::shared_ptr<ProviderSet>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Retired& r : retired_) all.push_back(std::move(r.set));
    retired_.clear();
    all.push_back(current_);
  }
  for (const std::shared_ptr<ProviderSet>& set : all) set->Shutdown();
}

}  // namespace pushgate::engine
