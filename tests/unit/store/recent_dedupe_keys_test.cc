// The in-memory set of recent dedupe keys on its own: what it remembers and when it forgets.
#include "store/recent_dedupe_keys.h"

#include <gtest/gtest.h>

namespace pushgate::store {
namespace {

TEST(RecentDedupeKeysTest, FindsTheNewestHolder) {
  RecentDedupeKeys keys(60'000);
  EXPECT_FALSE(keys.Find(7).has_value());
  keys.Remember(7, 1, 1000);
  keys.Remember(7, 5, 2000);
  std::optional<RecentDedupeKeys::Holder> holder = keys.Find(7);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->id, 5);
  EXPECT_EQ(holder->received_at_ms, 2000);
  EXPECT_FALSE(keys.Find(8).has_value());
}

TEST(RecentDedupeKeysTest, ForgetsKeysAFullWindowOlderThanTheNewestRow) {
  RecentDedupeKeys keys(60'000);
  keys.Remember(1, 1, 1000);
  keys.Remember(2, 2, 1001);
  keys.Remember(3, 3, 1000 + 59'999);  // 1 and 2 could still have copies in their window
  EXPECT_TRUE(keys.Find(1).has_value());
  keys.Remember(4, 4, 1000 + 60'000);  // exactly one window after 1: a copy of 1 is new now
  EXPECT_FALSE(keys.Find(1).has_value());
  EXPECT_TRUE(keys.Find(2).has_value());
  EXPECT_EQ(keys.size(), 3u);
}

TEST(RecentDedupeKeysTest, ExpiryOfAnOldArrivalKeepsTheNewerHolderOfTheSameKey) {
  RecentDedupeKeys keys(60'000);
  keys.Remember(7, 1, 1000);
  keys.Remember(7, 2, 1000 + 60'000);  // the key taken over after the window
  keys.Remember(8, 3, 1000 + 60'001);  // expires the first arrival of 7
  std::optional<RecentDedupeKeys::Holder> holder = keys.Find(7);
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->id, 2);
}

}  // namespace
}  // namespace pushgate::store
