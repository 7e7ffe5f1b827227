// A ProviderSet whose contents a config reload replaces: new sends (and the planner) use the
// newest set, while sends already started finish on the set they began with. A replaced set
// is shut down once `drain` has passed (longer than any provider request may take), at the
// next swap or at Shutdown, so its HTTP/2 connections do not linger.
#ifndef PUSHGATE_ENGINE_SWAPPABLE_PROVIDER_SET_H_
#define PUSHGATE_ENGINE_SWAPPABLE_PROVIDER_SET_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/provider_set.h"

namespace pushgate::engine {

class SwappableProviderSet final : public ProviderSet {
 public:
  using Clock = std::chrono::steady_clock;

  SwappableProviderSet(std::unique_ptr<ProviderSet> initial, Clock::duration drain);

  providers::Provider* Find(const std::string& app_id, domain::Channel channel) override;
  AppChannels ChannelsOf(const std::string& app_id) const override;
  void Shutdown() override;

  // `next` serves every Find and ChannelsOf from now on. Sets replaced more than `drain` ago
  // are shut down here (their sends are over).
  void Swap(std::unique_ptr<ProviderSet> next);

 private:
  struct Retired {
    std::shared_ptr<ProviderSet> set;
    Clock::time_point since;
  };
  std::shared_ptr<ProviderSet> Current() const;

  const Clock::duration drain_;
  mutable std::mutex mu_;
  std::shared_ptr<ProviderSet> current_;
  std::vector<Retired> retired_;
};

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_SWAPPABLE_PROVIDER_SET_H_
