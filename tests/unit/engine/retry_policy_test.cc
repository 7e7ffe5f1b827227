#include "engine/retry_policy.h"

#include <gtest/gtest.h>

namespace pushgate::engine {
namespace {

RetryPolicy Policy() {
  RetryPolicy p;
  p.max_attempts = 5;
  p.initial_backoff = absl::Seconds(1);
  p.max_backoff = absl::Seconds(10);
  p.max_age = absl::Hours(1);
  return p;
}

TEST(RetryPolicy, BackoffWindowDoublesPerAttemptUpToTheCap) {
  const RetryPolicy p = Policy();
  // random01 just below 1 shows the window's top.
  const double top = 0.999999;
  EXPECT_NEAR(absl::ToDoubleSeconds(Backoff(p, 1, top)), 1, 0.001);
  EXPECT_NEAR(absl::ToDoubleSeconds(Backoff(p, 2, top)), 2, 0.001);
  EXPECT_NEAR(absl::ToDoubleSeconds(Backoff(p, 3, top)), 4, 0.001);
  EXPECT_NEAR(absl::ToDoubleSeconds(Backoff(p, 4, top)), 8, 0.001);
  EXPECT_NEAR(absl::ToDoubleSeconds(Backoff(p, 5, top)), 10, 0.001);
  EXPECT_NEAR(absl::ToDoubleSeconds(Backoff(p, 60, top)), 10, 0.001);  // no overflow
}

TEST(RetryPolicy, FullJitterSpansTheWholeWindow) {
  const RetryPolicy p = Policy();
  EXPECT_EQ(Backoff(p, 3, 0.0), absl::ZeroDuration());
  EXPECT_EQ(Backoff(p, 3, 0.5), absl::Seconds(2));
  EXPECT_EQ(Backoff(p, 3, 0.25), absl::Seconds(1));
}

TEST(RetryPolicy, SchedulesTheNextAttemptFromNow) {
  RetryInput in;
  in.attempts_made = 2;
  in.now_ms = 1'000'000;
  in.received_at_ms = 999'000;
  in.random01 = 0.5;
  const RetryDecision d = DecideRetry(Policy(), in);
  EXPECT_FALSE(d.give_up);
  EXPECT_EQ(d.next_attempt_at_ms, 1'001'000);  // half of the 2 s window
}

TEST(RetryPolicy, RetryAfterIsAFloor) {
  RetryInput in;
  in.attempts_made = 1;
  in.now_ms = 0;
  in.random01 = 0.5;
  in.retry_after = absl::Seconds(30);
  EXPECT_EQ(DecideRetry(Policy(), in).next_attempt_at_ms, 30'000);
  // A Retry-After shorter than the backoff does not shorten it.
  in.attempts_made = 4;
  in.random01 = 0.999;
  in.retry_after = absl::Seconds(1);
  EXPECT_GT(DecideRetry(Policy(), in).next_attempt_at_ms, 7'000);
}

TEST(RetryPolicy, QuotaClassWaitsAtLeastAMinute) {
  EXPECT_TRUE(IsQuotaClass(429, "TooManyRequests"));
  EXPECT_TRUE(IsQuotaClass(0, "QUOTA_EXCEEDED"));
  EXPECT_FALSE(IsQuotaClass(503, "ServiceUnavailable"));
  RetryInput in;
  in.attempts_made = 1;
  in.random01 = 0.1;
  in.quota_class = true;
  EXPECT_EQ(DecideRetry(Policy(), in).next_attempt_at_ms, 60'000);
}

TEST(RetryPolicy, GivesUpAfterMaxAttempts) {
  RetryInput in;
  in.attempts_made = 5;
  const RetryDecision d = DecideRetry(Policy(), in);
  EXPECT_TRUE(d.give_up);
  EXPECT_EQ(d.reason, kReasonMaxAttempts);
  in.attempts_made = 4;
  EXPECT_FALSE(DecideRetry(Policy(), in).give_up);
  // Config errors are not the delivery's fault: they only age out.
  in.attempts_made = 50;
  in.ignore_max_attempts = true;
  EXPECT_FALSE(DecideRetry(Policy(), in).give_up);
}

TEST(RetryPolicy, GivesUpWhenTheRetryWouldBeOlderThanMaxAge) {
  RetryInput in;
  in.attempts_made = 1;
  in.received_at_ms = 0;
  in.now_ms = 3600'000 - 100;  // 100 ms of life left; the retry needs 500 ms
  in.random01 = 0.5;
  const RetryDecision d = DecideRetry(Policy(), in);
  EXPECT_TRUE(d.give_up);
  EXPECT_EQ(d.reason, kReasonMaxAge);
}

TEST(RetryPolicy, FromConfigConvertsUnits) {
  config::EngineConfig c;
  c.max_attempts = 3;
  c.initial_backoff_ms = 50;
  c.max_backoff_seconds = 2;
  c.max_age_seconds = 60;
  c.quota_backoff_seconds = 7;
  const RetryPolicy p = RetryPolicy::FromConfig(c);
  EXPECT_EQ(p.max_attempts, 3);
  EXPECT_EQ(p.initial_backoff, absl::Milliseconds(50));
  EXPECT_EQ(p.max_backoff, absl::Seconds(2));
  EXPECT_EQ(p.max_age, absl::Seconds(60));
  EXPECT_EQ(p.quota_floor, absl::Seconds(7));
}

}  // namespace
}  // namespace pushgate::engine
