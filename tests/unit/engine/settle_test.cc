#include "engine/settle.h"

#include <gtest/gtest.h>

#include "store/delivery_summary.h"

namespace pushgate::engine {
namespace {

using domain::DeliveryState;
using providers::Outcome;

RetryPolicy Policy() {
  RetryPolicy p;
  p.max_attempts = 3;
  p.initial_backoff = absl::Seconds(1);
  p.max_backoff = absl::Seconds(60);
  p.max_age = absl::Hours(1);
  return p;
}

SettleInput Input(Outcome outcome, int status = 0, std::string reason = "") {
  SettleInput in;
  in.result.outcome = outcome;
  in.result.http_status = status;
  in.result.reason = std::move(reason);
  in.channel = domain::Channel::kApns;
  in.attempt_number = 1;
  in.received_at_ms = 1'000'000;
  in.started_at_ms = 1'000'100;
  in.now_ms = 1'000'200;
  in.random01 = 0.5;
  return in;
}

TEST(Settle, DeliveredIsDelivered) {
  const SettleDecision d = Settle(Policy(), Input(Outcome::kDelivered, 200));
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_FALSE(d.retire_registration);
  EXPECT_TRUE(d.reason.empty());
}

TEST(Settle, Apns410RetiresUnlessRenewedAfterItsTimestamp) {
  SettleInput in = Input(Outcome::kTokenDead, 410, "Unregistered");
  in.result.token_invalid_since_ms = 999'000;
  const SettleDecision d = Settle(Policy(), in);
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_EQ(d.reason, "Unregistered");
  EXPECT_TRUE(d.retire_registration);
  EXPECT_EQ(d.retire_detail, "apns 410 Unregistered");
  EXPECT_EQ(d.retire_unless_updated_since_ms, 999'000);
}

TEST(Settle, TokenDeadWithoutTimestampUsesTheAttemptStart) {
  SettleInput in = Input(Outcome::kTokenDead, 400, "BadDeviceToken");
  const SettleDecision d = Settle(Policy(), in);
  EXPECT_TRUE(d.retire_registration);
  EXPECT_EQ(d.retire_detail, "apns 400 BadDeviceToken");
  EXPECT_EQ(d.retire_unless_updated_since_ms, in.started_at_ms);
  // A local verdict (no HTTP answer) has no status in the detail.
  in = Input(Outcome::kTokenDead, 0, "BadDeviceToken");
  EXPECT_EQ(Settle(Policy(), in).retire_detail, "apns BadDeviceToken");
}

TEST(Settle, PermanentFailureFailsAtOnce) {
  const SettleDecision d =
      Settle(Policy(), Input(Outcome::kPermanentFailure, 413, "PayloadTooLarge"));
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_EQ(d.reason, "PayloadTooLarge");
  EXPECT_FALSE(d.retire_registration);
}

TEST(Settle, RetryWaitsThenGivesUpAtMaxAttempts) {
  SettleInput in = Input(Outcome::kRetry, 503, "ServiceUnavailable");
  SettleDecision d = Settle(Policy(), in);
  EXPECT_EQ(d.state, DeliveryState::kRetryWait);
  EXPECT_EQ(d.reason, "ServiceUnavailable");
  EXPECT_EQ(d.next_attempt_at_ms, in.now_ms + 500);
  in.attempt_number = 3;
  d = Settle(Policy(), in);
  EXPECT_EQ(d.state, DeliveryState::kFailed);
  EXPECT_EQ(d.reason, kReasonMaxAttempts);
}

TEST(Settle, RetryHonoursRetryAfter) {
  SettleInput in = Input(Outcome::kRetry, 429, "TooManyRequests");
  in.result.retry_after = absl::Seconds(120);
  EXPECT_EQ(Settle(Policy(), in).next_attempt_at_ms, in.now_ms + 120'000);
  in.result.retry_after.reset();  // 429 without Retry-After: the quota floor
  EXPECT_EQ(Settle(Policy(), in).next_attempt_at_ms, in.now_ms + 60'000);
}

// FCM passes QUOTA_EXCEEDED's Retry-After through as sent; Google's minute is this floor, so
// quota_backoff_seconds moves it for FCM as for APNs.
TEST(Settle, FcmQuotaExceededWaitsForTheConfiguredQuotaFloor) {
  SettleInput in = Input(Outcome::kRetry, 429, "QUOTA_EXCEEDED");
  in.channel = domain::Channel::kFcm;
  in.result.retry_after = absl::Seconds(5);
  EXPECT_EQ(Settle(Policy(), in).next_attempt_at_ms, in.now_ms + 60'000);
  config::EngineConfig engine;
  engine.max_attempts = 3;
  engine.quota_backoff_seconds = 1;
  EXPECT_EQ(Settle(RetryPolicy::FromConfig(engine), in).next_attempt_at_ms, in.now_ms + 5'000);
  in.result.retry_after.reset();
  EXPECT_EQ(Settle(RetryPolicy::FromConfig(engine), in).next_attempt_at_ms, in.now_ms + 1'000);
}

TEST(Settle, ConfigErrorRetriesAfterAMinuteAndNeverOnAttemptCount) {
  SettleInput in = Input(Outcome::kConfigError, 403, "InvalidProviderToken");
  in.attempt_number = 10;  // well past max_attempts
  const SettleDecision d = Settle(Policy(), in);
  EXPECT_TRUE(d.config_error);
  EXPECT_FALSE(d.retire_registration);
  EXPECT_EQ(d.state, DeliveryState::kRetryWait);
  EXPECT_GE(d.next_attempt_at_ms, in.now_ms + 60'000);
  // ...until the notification is too old.
  in.now_ms = in.received_at_ms + 3600'000 - 1000;
  EXPECT_EQ(Settle(Policy(), in).state, DeliveryState::kFailed);
  EXPECT_EQ(Settle(Policy(), in).reason, kReasonMaxAge);
}

TEST(Settle, RingingCallIsNotRetriedPastItsExpiry) {
  SettleInput in = Input(Outcome::kRetry, 503, "ServiceUnavailable");
  in.ringing_call = true;
  in.call_expiry_seconds = 30;
  // The retry (0.5 s away) still fits in the 30 s window.
  EXPECT_EQ(Settle(Policy(), in).state, DeliveryState::kRetryWait);
  in.now_ms = in.received_at_ms + 29'800;
  const SettleDecision d = Settle(Policy(), in);
  EXPECT_EQ(d.state, DeliveryState::kSkipped);
  EXPECT_EQ(d.reason, store::kReasonExpired);
}

}  // namespace
}  // namespace pushgate::engine
