#include "engine/call_expiry.h"

#include <gtest/gtest.h>

namespace pushgate::engine {
namespace {

TEST(CallExpiry, OnlyAnInitiatedCallRings) {
  EXPECT_TRUE(IsRingingCall("call", "initiated"));
  EXPECT_FALSE(IsRingingCall("call", "cancelled"));
  EXPECT_FALSE(IsRingingCall("call", "ended"));
  EXPECT_FALSE(IsRingingCall("chat", "initiated"));
}

TEST(CallExpiry, ExpiresAfterTheDeadline) {
  EXPECT_EQ(CallDeadlineMs(1000, 30), 31'000);
  EXPECT_FALSE(CallExpired("call", "initiated", 1000, 30, 31'000));  // at the deadline: fine
  EXPECT_TRUE(CallExpired("call", "initiated", 1000, 30, 31'001));
  // Nothing else ever expires this way.
  EXPECT_FALSE(CallExpired("call", "ended", 1000, 30, 1'000'000));
  EXPECT_FALSE(CallExpired("chat", "", 1000, 30, 1'000'000));
}

}  // namespace
}  // namespace pushgate::engine
