#include "engine/planner.h"

#include <gtest/gtest.h>

#include <map>

#include "store/delivery_summary.h"

namespace pushgate::engine {
namespace {

using domain::Channel;
using domain::DeliveryState;
using domain::Platform;

domain::Registration Reg(int64_t id, const std::string& session, Platform platform,
                         const std::string& token = "a0b1c2d3e4f5a6b7c8d9") {
  domain::Registration r;
  r.id = id;
  r.input.app_id = "app1";
  r.input.uid = "alice";
  r.input.session_id = session;
  r.input.platform = platform;
  r.input.token = token;
  return r;
}

domain::NotificationRecord Note(const std::string& type, const std::string& action = "",
                                int64_t received_at_ms = 1'000'000) {
  domain::NotificationRecord n;
  n.id = 7;
  n.app_id = "app1";
  n.uid = "alice";
  n.type = type;
  n.call_action = action;
  n.received_at_ms = received_at_ms;
  return n;
}

AppChannels ApnsOnly() {
  AppChannels c;
  c.apns = true;
  return c;
}

// registration id → planned delivery
std::map<int64_t, store::PlannedDelivery> ById(const std::vector<store::PlannedDelivery>& v) {
  std::map<int64_t, store::PlannedDelivery> m;
  for (const auto& p : v) m[p.registration_id] = p;
  return m;
}

const std::vector<domain::Registration> kIphoneAndAndroid = {
    Reg(1, "iphone", Platform::kApns), Reg(2, "iphone", Platform::kApnsVoip),
    Reg(3, "android", Platform::kFcm, "fcm-token-123456")};

TEST(Planner, ChatGoesToEveryRegistrationButVoip) {
  AppChannels channels = ApnsOnly();
  channels.fcm = true;
  auto plan = ById(PlanDeliveries(Note("chat"), kIphoneAndAndroid, channels, {}, 1'000'000));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[1].channel, Channel::kApns);
  EXPECT_EQ(plan[1].state, DeliveryState::kSending);
  EXPECT_EQ(plan[3].channel, Channel::kFcm);
  EXPECT_EQ(plan.count(2), 0u);
}

TEST(Planner, RingingCallUsesTheSessionsVoipTokenElseItsAlertRegistrations) {
  AppChannels channels = ApnsOnly();
  channels.fcm = true;
  auto plan =
      ById(PlanDeliveries(Note("call", "initiated"), kIphoneAndAndroid, channels, {}, 1'000'000));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[2].channel, Channel::kApnsVoip);  // the iPhone rings over PushKit...
  EXPECT_EQ(plan.count(1), 0u);                    // ...not with an alert as well
  EXPECT_EQ(plan[3].channel, Channel::kFcm);       // Android has no VoIP token: FCM
}

TEST(Planner, RingingCallFallsBackToAlertWhenVoipCannotBeSent) {
  // VoIP tokens exist, but the app has no APNs credentials and no log channel: the session's
  // FCM registration (an iPhone using FCM for alerts) rings instead.
  AppChannels channels;
  channels.fcm = true;
  const std::vector<domain::Registration> regs = {Reg(1, "s", Platform::kApnsVoip),
                                                  Reg(2, "s", Platform::kFcm, "fcm-token")};
  auto plan = ById(PlanDeliveries(Note("call", "initiated"), regs, channels, {}, 1'000'000));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[2].channel, Channel::kFcm);
}

TEST(Planner, OtherCallActionsNeverUseVoip) {
  for (const char* action : {"cancelled", "unanswered", "ended", "rejected", "busy", "ongoing"}) {
    auto plan =
        ById(PlanDeliveries(Note("call", action), kIphoneAndAndroid, ApnsOnly(), {}, 1'000'000));
    EXPECT_EQ(plan.count(2), 0u) << action;
    EXPECT_EQ(plan[1].channel, Channel::kApns) << action;
  }
}

TEST(Planner, LogChannelTakesPlatformsWithoutProvider) {
  AppChannels channels;
  channels.log_channel = true;
  auto plan = ById(PlanDeliveries(Note("chat"), kIphoneAndAndroid, channels, {}, 1'000'000));
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[1].channel, Channel::kLog);
  EXPECT_EQ(plan[3].channel, Channel::kLog);
  // With APNs credentials, APNs keeps its own channel and only FCM falls to the log.
  channels.apns = true;
  plan = ById(PlanDeliveries(Note("chat"), kIphoneAndAndroid, channels, {}, 1'000'000));
  EXPECT_EQ(plan[1].channel, Channel::kApns);
  EXPECT_EQ(plan[3].channel, Channel::kLog);
}

TEST(Planner, NoProviderIsASkippedDelivery) {
  auto plan = ById(PlanDeliveries(Note("chat"), kIphoneAndAndroid, ApnsOnly(), {}, 1'000'000));
  EXPECT_EQ(plan[3].state, DeliveryState::kSkipped);
  EXPECT_EQ(plan[3].reason, kReasonNoProvider);
  EXPECT_EQ(plan[3].channel, Channel::kFcm);
}

TEST(Planner, ExpiredRingingCallIsPlannedSkipped) {
  PlanOptions options;
  options.call_expiry_seconds = 30;
  const auto note = Note("call", "initiated", 1'000'000);
  auto plan = ById(PlanDeliveries(note, kIphoneAndAndroid, ApnsOnly(), options, 1'030'000));
  EXPECT_EQ(plan[2].state, DeliveryState::kSending);  // at the deadline it still goes
  plan = ById(PlanDeliveries(note, kIphoneAndAndroid, ApnsOnly(), options, 1'030'001));
  EXPECT_EQ(plan[2].state, DeliveryState::kSkipped);
  EXPECT_EQ(plan[2].reason, store::kReasonExpired);
}

TEST(Planner, InactiveRegistrationsAreIgnored) {
  std::vector<domain::Registration> regs = {Reg(1, "s", Platform::kApns)};
  regs[0].active = false;
  EXPECT_TRUE(PlanDeliveries(Note("chat"), regs, ApnsOnly(), {}, 0).empty());
}

TEST(Planner, TargetHintsHideTheSecretPart) {
  EXPECT_EQ(TargetHint(Reg(1, "s", Platform::kApns, "a0b1c2d3e4f5a6b7")), "a0b1c2d3\xE2\x80\xA6");
  EXPECT_EQ(TargetHint(Reg(1, "s", Platform::kWebPush,
                           "https://fcm.googleapis.com/fcm/send/abcdef:APA91b")),
            "https://fcm.googleapis.com");
  EXPECT_EQ(PlanDeliveries(Note("chat"), {Reg(1, "s", Platform::kApns, "a0b1c2d3e4f5a6b7")},
                           ApnsOnly(), {}, 0)[0]
                .target_hint,
            "a0b1c2d3\xE2\x80\xA6");
}

// ---- forward hooks --------------------------------------------------------------------------

namespace hooks {

HookRoute Route(const std::string& name, std::vector<std::string> types = {},
                std::vector<std::string> call_actions = {}) {
  return HookRoute{name, std::move(types), std::move(call_actions)};
}

// hook name → planned delivery (hook deliveries only)
std::map<std::string, store::PlannedDelivery> HooksOf(
    const std::vector<store::PlannedDelivery>& v) {
  std::map<std::string, store::PlannedDelivery> m;
  for (const auto& p : v) {
    if (!p.hook.empty()) m[p.hook] = p;
  }
  return m;
}

TEST(PlannerHooks, EveryMatchingHookGetsOneDeliveryBesideTheDevices) {
  AppChannels channels = ApnsOnly();
  channels.hooks = {Route("crm"), Route("audit")};
  auto planned = PlanDeliveries(Note("chat"), kIphoneAndAndroid, channels, {}, 1'000'000);
  auto hooks = HooksOf(planned);
  ASSERT_EQ(hooks.size(), 2u);
  for (const auto& [name, p] : hooks) {
    EXPECT_EQ(p.channel, Channel::kWebhook);
    EXPECT_EQ(p.registration_id, 0);
    EXPECT_EQ(p.target_hint, name);
    EXPECT_EQ(p.state, DeliveryState::kSending);
  }
  // The devices are planned as without hooks: iPhone alert, Android (no FCM: skipped).
  EXPECT_EQ(planned.size(), 4u);
}

TEST(PlannerHooks, ARecipientWithoutRegistrationsStillHasTheHookAsTarget) {
  AppChannels channels;
  channels.hooks = {Route("crm")};
  auto planned = PlanDeliveries(Note("chat"), {}, channels, {}, 1'000'000);
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].hook, "crm");
  EXPECT_EQ(store::SummarizeDeliveries({store::DeliveryStateView{planned[0].state, 0, ""}}).kind,
            store::Settlement::Kind::kInProgress);
}

TEST(PlannerHooks, TypeAndCallActionFiltersSelectTheHooks) {
  AppChannels channels;
  channels.hooks = {Route("all"), Route("chats", {"chat"}), Route("calls", {"call"}),
                    Route("ringing", {"call"}, {"initiated"}),
                    Route("ringing-any-type", {}, {"initiated"})};
  auto names = [&](const domain::NotificationRecord& n) {
    std::vector<std::string> out;
    for (const auto& [name, p] : HooksOf(PlanDeliveries(n, {}, channels, {}, 1'000'000))) {
      out.push_back(name);
    }
    return out;
  };
  using V = std::vector<std::string>;
  // call_actions filter calls only: a chat passes a hook that lists call actions but no types.
  EXPECT_EQ(names(Note("chat")), V({"all", "chats", "ringing-any-type"}));
  EXPECT_EQ(names(Note("call", "initiated")), V({"all", "calls", "ringing", "ringing-any-type"}));
  EXPECT_EQ(names(Note("call", "ended")), V({"all", "calls"}));
}

TEST(PlannerHooks, NoMatchingHookAndNoRegistrationsPlansNothing) {
  AppChannels channels;
  channels.hooks = {Route("chats", {"chat"})};
  EXPECT_TRUE(PlanDeliveries(Note("call", "ended"), {}, channels, {}, 1'000'000).empty());
}

TEST(PlannerHooks, ALateRingingCallStillReachesTheHookButNotTheDevices) {
  AppChannels channels = ApnsOnly();
  channels.hooks = {Route("calls", {"call"})};
  const int64_t received = 1'000'000;
  const int64_t now = received + 31'000;  // past the default 30 s expiry
  auto planned =
      PlanDeliveries(Note("call", "initiated", received), kIphoneAndAndroid, channels, {}, now);
  for (const auto& p : planned) {
    if (p.hook.empty()) {
      EXPECT_EQ(p.state, DeliveryState::kSkipped);
    } else {
      EXPECT_EQ(p.state, DeliveryState::kSending) << "hook " << p.hook;
    }
  }
  EXPECT_EQ(HooksOf(planned).size(), 1u);
}

}  // namespace hooks
}  // namespace
}  // namespace pushgate::engine
