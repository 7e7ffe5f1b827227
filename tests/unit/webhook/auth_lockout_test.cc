#include "webhook/auth_lockout.h"

#include <string>

#include "gtest/gtest.h"

namespace pushgate::webhook {
namespace {

using std::chrono::seconds;

config::WebhookAuthLimits Limits() {
  config::WebhookAuthLimits l;
  l.failure_window_seconds = 60;
  l.slow_after_failures = 3;
  l.slow_delay_ms = 500;
  l.lockout_after_failures = 5;
  l.lockout_seconds = 120;
  l.max_tracked_sources = 100;
  return l;
}

const AuthLockout::Clock::time_point kT0 = AuthLockout::Clock::time_point() + std::chrono::hours(1);

TEST(AuthLockout, SlowsThenLocksOutOneSourceOnly) {
  AuthLockout lockout(Limits());
  for (int i = 1; i <= 2; ++i) {
    const AuthLockout::Failure f = lockout.RecordFailure("10.0.0.1", kT0);
    EXPECT_EQ(f.delay.count(), 0) << i;
    EXPECT_FALSE(f.locked_now);
  }
  for (int i = 3; i <= 4; ++i) {
    EXPECT_EQ(lockout.RecordFailure("10.0.0.1", kT0).delay.count(), 500) << i;
  }
  EXPECT_EQ(lockout.LockedForSeconds("10.0.0.1", kT0), 0);
  const AuthLockout::Failure fifth = lockout.RecordFailure("10.0.0.1", kT0 + seconds(1));
  EXPECT_TRUE(fifth.locked_now);
  EXPECT_EQ(fifth.lockout_seconds, 120);
  EXPECT_EQ(lockout.LockedForSeconds("10.0.0.1", kT0 + seconds(1)), 120);
  EXPECT_EQ(lockout.LockedForSeconds("10.0.0.1", kT0 + seconds(100)), 21);
  EXPECT_EQ(lockout.LockedForSeconds("10.0.0.2", kT0 + seconds(1)), 0);  // another source
  EXPECT_EQ(lockout.locked_sources(kT0 + seconds(1)), 1u);
  // Over when the time is up, with a fresh count: one more mistake does not relock it.
  EXPECT_EQ(lockout.LockedForSeconds("10.0.0.1", kT0 + seconds(121)), 0);
  EXPECT_FALSE(lockout.RecordFailure("10.0.0.1", kT0 + seconds(122)).locked_now);
  EXPECT_EQ(lockout.LockedForSeconds("10.0.0.1", kT0 + seconds(122)), 0);
}

TEST(AuthLockout, FailuresAgeOutWithTheWindow) {
  AuthLockout lockout(Limits());
  for (int i = 0; i < 4; ++i) lockout.RecordFailure("s", kT0);
  // 61 s later the four are forgotten: this is failure one of a new window.
  const AuthLockout::Failure f = lockout.RecordFailure("s", kT0 + seconds(61));
  EXPECT_FALSE(f.locked_now);
  EXPECT_EQ(f.delay.count(), 0);
}

TEST(AuthLockout, MemoryIsBoundedAndLockedSourcesAreKeptLongest) {
  config::WebhookAuthLimits limits = Limits();
  limits.max_tracked_sources = 3;
  limits.lockout_after_failures = 1;  // every failure locks its source
  AuthLockout lockout(limits);
  lockout.RecordFailure("locked", kT0);
  limits.lockout_after_failures = 5;
  lockout.SetLimits(limits);
  for (int i = 0; i < 50; ++i) {
    lockout.RecordFailure("probe-" + std::to_string(i), kT0 + seconds(1 + i));
    ASSERT_LE(lockout.tracked_sources(), 3u);
  }
  // Fifty sources came and went; the locked one is still refused.
  EXPECT_GT(lockout.LockedForSeconds("locked", kT0 + seconds(60)), 0);
}

}  // namespace
}  // namespace pushgate::webhook
