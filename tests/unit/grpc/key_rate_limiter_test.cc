#include "grpc/key_rate_limiter.h"

#include "gtest/gtest.h"

namespace pushgate::grpc_api {
namespace {

using std::chrono::milliseconds;

config::RateLimit Limit(int rps, int burst) {
  config::RateLimit l;
  l.requests_per_second = rps;
  l.burst = burst;
  return l;
}

TEST(KeyRateLimiter, BurstPassesThenRefusesWithAHintThenRecovers) {
  KeyRateLimiter limiter;
  const auto t0 = KeyRateLimiter::Clock::time_point() + std::chrono::hours(1);
  const config::RateLimit limit = Limit(10, 3);  // one token per 100 ms
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("k", limit, t0).allowed) << i;
  KeyRateLimiter::Decision refused = limiter.Admit("k", limit, t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 100);
  // Waiting less than the hint is not enough; waiting the hint is.
  EXPECT_FALSE(limiter.Admit("k", limit, t0 + milliseconds(50)).allowed);
  EXPECT_TRUE(limiter.Admit("k", limit, t0 + milliseconds(100)).allowed);
  // After a long pause the bucket is full again, but never beyond the burst.
  const auto later = t0 + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("k", limit, later).allowed) << i;
  EXPECT_FALSE(limiter.Admit("k", limit, later).allowed);
}

TEST(KeyRateLimiter, KeysHaveTheirOwnBuckets) {
  KeyRateLimiter limiter;
  const auto t0 = KeyRateLimiter::Clock::time_point() + std::chrono::hours(1);
  EXPECT_TRUE(limiter.Admit("a", Limit(1, 1), t0).allowed);
  EXPECT_FALSE(limiter.Admit("a", Limit(1, 1), t0).allowed);
  EXPECT_TRUE(limiter.Admit("b", Limit(1, 1), t0).allowed);
}

TEST(KeyRateLimiter, ZeroRateIsUnlimitedAndALowerBurstAppliesAtOnce) {
  KeyRateLimiter limiter;
  const auto t0 = KeyRateLimiter::Clock::time_point() + std::chrono::hours(1);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.Admit("k", Limit(0, 1), t0).allowed);
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(limiter.Admit("r", Limit(100, 50), t0).allowed);
  // A reload lowers the burst to 2: of the 48 tokens saved, only 2 remain usable.
  EXPECT_TRUE(limiter.Admit("r", Limit(100, 2), t0).allowed);
  EXPECT_TRUE(limiter.Admit("r", Limit(100, 2), t0).allowed);
  EXPECT_FALSE(limiter.Admit("r", Limit(100, 2), t0).allowed);
}

}  // namespace
}  // namespace pushgate::grpc_api
