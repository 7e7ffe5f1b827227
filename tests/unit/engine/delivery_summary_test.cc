#include "store/delivery_summary.h"

#include <gtest/gtest.h>

namespace pushgate::store {
namespace {

using K = Settlement::Kind;

DeliveryStateView V(DeliveryState s, std::string reason = "", int64_t next = 0) {
  return DeliveryStateView{s, next, std::move(reason)};
}

TEST(DeliverySummary, NoDeliveriesMeansNoTargets) {
  const Settlement s = SummarizeDeliveries({});
  EXPECT_EQ(s.kind, K::kDone);
  EXPECT_EQ(s.outcome, NotificationOutcome::kNoTargets);
}

TEST(DeliverySummary, AnythingInFlightIsInProgress) {
  EXPECT_EQ(SummarizeDeliveries({V(DeliveryState::kDelivered), V(DeliveryState::kSending)}).kind,
            K::kInProgress);
  EXPECT_EQ(SummarizeDeliveries({V(DeliveryState::kPending), V(DeliveryState::kRetryWait)}).kind,
            K::kInProgress);
}

TEST(DeliverySummary, RetriesWaitForTheEarliest) {
  const Settlement s =
      SummarizeDeliveries({V(DeliveryState::kRetryWait, "", 500), V(DeliveryState::kDelivered),
                           V(DeliveryState::kRetryWait, "", 300)});
  EXPECT_EQ(s.kind, K::kWaiting);
  EXPECT_EQ(s.next_attempt_at_ms, 300);
}

TEST(DeliverySummary, DoneOutcomes) {
  auto outcome = [](std::vector<DeliveryStateView> v) { return SummarizeDeliveries(v).outcome; };
  EXPECT_EQ(outcome({V(DeliveryState::kDelivered), V(DeliveryState::kDelivered)}),
            NotificationOutcome::kDelivered);
  EXPECT_EQ(outcome({V(DeliveryState::kDelivered), V(DeliveryState::kFailed, "Unregistered")}),
            NotificationOutcome::kPartiallyDelivered);
  EXPECT_EQ(outcome({V(DeliveryState::kDelivered), V(DeliveryState::kSkipped, "no_provider")}),
            NotificationOutcome::kPartiallyDelivered);
  EXPECT_EQ(outcome({V(DeliveryState::kFailed, "max_attempts")}), NotificationOutcome::kFailed);
  EXPECT_EQ(outcome({V(DeliveryState::kSkipped, kReasonExpired),
                     V(DeliveryState::kFailed, "Unregistered")}),
            NotificationOutcome::kExpired);
  EXPECT_EQ(outcome({V(DeliveryState::kSkipped, "no_provider")}), NotificationOutcome::kFiltered);
}

TEST(DeliverySummary, NamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Channel::kLog); ++i) {
    const auto c = static_cast<Channel>(i);
    EXPECT_EQ(ChannelFromName(ChannelName(c)), c);
  }
  for (int i = 0; i <= static_cast<int>(DeliveryState::kSkipped); ++i) {
    const auto s = static_cast<DeliveryState>(i);
    EXPECT_EQ(DeliveryStateFromName(DeliveryStateName(s)), s);
  }
  for (int i = 0; i <= static_cast<int>(NotificationOutcome::kExpired); ++i) {
    const auto o = static_cast<NotificationOutcome>(i);
    EXPECT_EQ(NotificationOutcomeFromName(NotificationOutcomeName(o)), o);
  }
  EXPECT_EQ(ChannelFromName("carrier-pigeon"), std::nullopt);
}

}  // namespace
}  // namespace pushgate::store
