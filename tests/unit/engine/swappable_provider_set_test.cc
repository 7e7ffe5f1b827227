#include "engine/swappable_provider_set.h"

#include <atomic>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace pushgate::engine {
namespace {

// A set that only says which generation it is and whether it was shut down.
class MarkedSet final : public ProviderSet {
 public:
  MarkedSet(bool log_channel, std::atomic<int>* shutdowns)
      : log_channel_(log_channel), shutdowns_(shutdowns) {}
  providers::Provider* Find(const std::string&, domain::Channel) override { return nullptr; }
  AppChannels ChannelsOf(const std::string&) const override {
    AppChannels c;
    c.log_channel = log_channel_;
    return c;
  }
  void Shutdown() override { ++*shutdowns_; }

 private:
  const bool log_channel_;
  std::atomic<int>* shutdowns_;
};

TEST(SwappableProviderSet, NewSetServesAtOnceOldOneIsShutDownAfterTheDrain) {
  std::atomic<int> first_down{0}, second_down{0}, third_down{0};
  SwappableProviderSet set(std::make_unique<MarkedSet>(false, &first_down), std::chrono::hours(1));
  EXPECT_FALSE(set.ChannelsOf("app").log_channel);
  set.Swap(std::make_unique<MarkedSet>(true, &second_down));
  EXPECT_TRUE(set.ChannelsOf("app").log_channel);
  // Within the drain the replaced set may still have sends in flight: it stays up.
  set.Swap(std::make_unique<MarkedSet>(false, &third_down));
  EXPECT_EQ(first_down, 0);
  EXPECT_EQ(second_down, 0);
  set.Shutdown();
  EXPECT_EQ(first_down, 1);
  EXPECT_EQ(second_down, 1);
  EXPECT_EQ(third_down, 1);
}

TEST(SwappableProviderSet, SetsPastTheDrainAreShutDownAtTheNextSwap) {
  std::atomic<int> first_down{0}, second_down{0}, third_down{0};
  SwappableProviderSet set(std::make_unique<MarkedSet>(false, &first_down),
                           std::chrono::milliseconds(0));
  set.Swap(std::make_unique<MarkedSet>(true, &second_down));
  EXPECT_EQ(first_down, 0);  // just replaced: shut down by the next swap, not this one
  set.Swap(std::make_unique<MarkedSet>(false, &third_down));
  EXPECT_EQ(first_down, 1);
  EXPECT_EQ(second_down, 0);
  set.Shutdown();
  EXPECT_EQ(first_down, 1);  // never twice
  EXPECT_EQ(second_down, 1);
  EXPECT_EQ(third_down, 1);
}

}  // namespace
}  // namespace pushgate::engine
