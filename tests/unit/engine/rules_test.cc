// The per-app rules (engine/rules.h), and what the APNs and FCM builders make of ruled content:
// the rules are only worth something if nothing they remove reaches a request body.
#include "engine/rules.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "providers/apns_request_builder.h"
#include "providers/fcm_request_builder.h"

namespace pushgate::engine {
namespace {

using nlohmann::json;
using providers::NotificationContent;

NotificationContent Chat() {
  NotificationContent c;
  c.type = "chat";
  c.title = "Andrew Joseph";
  c.body = "Our secret plan is at noon";
  c.sender = "cometchat-uid-1";
  c.sender_name = "Andrew Joseph";
  c.sender_avatar = "https://assets.example/a.webp";
  c.receiver = "cometchat-uid-2";
  c.receiver_name = "George Alan";
  c.receiver_type = "user";
  c.tag = "123";
  c.conversation_id = "cometchat-uid-1_user_cometchat-uid-2";
  c.sent_at = "1741847453000";
  c.unread_message_count = 5;
  c.message_json = R"({"category":"message","text":"Our secret plan is at noon"})";
  c.custom_json = R"({"campaign":"spring"})";
  return c;
}

NotificationContent Call(const std::string& action) {
  NotificationContent c = Chat();
  c.type = "call";
  c.title = "Andrew Joseph";
  c.body = "AUDIO CALL";
  c.message_json.clear();
  c.call_action = action;
  c.call_session_id = "v1.123.aik2";
  c.call_type = "audio";
  return c;
}

NotificationContent GroupAction() {
  NotificationContent c = Chat();
  c.title = "Hiking group";
  c.body = "Andrew Joseph has left";
  c.receiver = "cometchat-guid-1";
  c.receiver_type = "group";
  c.tag = "cometchat-guid-1";
  c.conversation_id = "group_cometchat-guid-1";
  c.message_json.clear();
  return c;
}

NotificationContent Reaction() {
  NotificationContent c = Chat();
  c.body = "Reacted to your message: \xF0\x9F\x98\x8E";
  c.tag = "58";
  c.message_json.clear();
  return c;
}

config::RulesConfig Privacy() {
  config::RulesConfig r;
  r.privacy = true;
  r.privacy_title = "New activity";
  r.privacy_body = "Open the app to see it";
  return r;
}

TEST(EventKindTest, TellsTheFourKindsApart) {
  EXPECT_EQ(EventKindOf(Chat()), "chat");
  EXPECT_EQ(EventKindOf(Call("initiated")), "call");
  EXPECT_EQ(EventKindOf(Call("ended")), "call");
  EXPECT_EQ(EventKindOf(GroupAction()), "group_action");
  EXPECT_EQ(EventKindOf(Reaction()), "reaction");
}

TEST(EventKindTest, TheMessageCategoryWinsOverTheHeuristics) {
  NotificationContent action = Chat();
  action.message_json = R"({"category":"action","action":"kicked"})";
  EXPECT_EQ(EventKindOf(action), "group_action");
  NotificationContent reaction = Chat();
  reaction.message_json = R"({"category":"reaction"})";
  EXPECT_EQ(EventKindOf(reaction), "reaction");
  // A chat message whose text happens to read like the reaction template is still a chat.
  NotificationContent text = Chat();
  text.body = "Reacted to your message: no, really";
  EXPECT_EQ(EventKindOf(text), "chat");
  // A group message carries a message id in its tag, not the group's id.
  NotificationContent group_chat = GroupAction();
  group_chat.tag = "777";
  EXPECT_EQ(EventKindOf(group_chat), "chat");
}

TEST(RulesTest, DroppedKindsAreDroppedAndOthersPass) {
  config::RulesConfig rules;
  rules.drop_kinds = {"reaction", "group_action"};
  EXPECT_TRUE(ApplyRules(rules, Reaction()).dropped);
  EXPECT_TRUE(ApplyRules(rules, GroupAction()).dropped);
  const RuledContent chat = ApplyRules(rules, Chat());
  EXPECT_FALSE(chat.dropped);
  EXPECT_EQ(chat.content.body, Chat().body);
  EXPECT_FALSE(ApplyRules(rules, Call("initiated")).dropped);
  EXPECT_TRUE(DropsKind(rules, "reaction"));
  EXPECT_FALSE(DropsKind(rules, "call"));
}

TEST(RulesTest, WithoutRulesTheContentIsUnchanged) {
  const RuledContent out = ApplyRules(config::RulesConfig{}, Chat());
  EXPECT_FALSE(out.dropped);
  EXPECT_EQ(out.content.body, Chat().body);
  EXPECT_EQ(out.content.sender_name, "Andrew Joseph");
  EXPECT_EQ(out.content.message_json, Chat().message_json);
  EXPECT_TRUE(out.content.extra_data.empty());
}

TEST(RulesTest, PrivacyKeepsOnlyIdsAndTheNeutralText) {
  const NotificationContent c = ApplyPrivacy(Privacy(), Call("initiated"));
  EXPECT_EQ(c.title, "New activity");
  EXPECT_EQ(c.body, "Open the app to see it");
  EXPECT_EQ(c.type, "call");
  EXPECT_EQ(c.tag, "123");
  EXPECT_EQ(c.conversation_id, "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(c.call_action, "initiated");
  EXPECT_EQ(c.call_session_id, "v1.123.aik2");
  EXPECT_EQ(c.unread_message_count, 5);
  for (const std::string* gone : {&c.sender, &c.sender_name, &c.sender_avatar, &c.receiver,
                                  &c.receiver_name, &c.message_json, &c.custom_json}) {
    EXPECT_EQ(*gone, "");
  }
}

TEST(RulesTest, ExtraDataAndOverridesByKind) {
  config::RulesConfig rules;
  rules.extra_data = {{"env", "prod"}};
  rules.overrides["*"].apns_sound = "chime.caf";
  rules.overrides["*"].android_channel_id = "messages";
  rules.overrides["call"].android_channel_id = "calls";
  rules.overrides["call"].apns_category = "INCOMING_CALL";
  rules.overrides["call"].webpush_icon = "https://example.com/call.png";

  const NotificationContent chat = ApplyRules(rules, Chat()).content;
  EXPECT_EQ(chat.extra_data, (std::vector<std::pair<std::string, std::string>>{{"env", "prod"}}));
  EXPECT_EQ(chat.apns_sound, "chime.caf");
  EXPECT_EQ(chat.android_channel_id, "messages");
  EXPECT_EQ(chat.apns_category, "");

  const NotificationContent call = ApplyRules(rules, Call("initiated")).content;
  EXPECT_EQ(call.apns_sound, "chime.caf");  // from "*": the kind's entry does not set it
  EXPECT_EQ(call.android_channel_id, "calls");
  EXPECT_EQ(call.apns_category, "INCOMING_CALL");
  EXPECT_EQ(call.webpush_icon, "https://example.com/call.png");
}

domain::Registration FcmReg(const std::string& os) {
  domain::Registration r;
  r.id = 1;
  r.input.app_id = "app123";
  r.input.uid = "cometchat-uid-2";
  r.input.platform = domain::Platform::kFcm;
  r.input.token = "fcm-token-1";
  r.input.fcm_os = os;
  return r;
}

domain::Registration ApnsReg() {
  domain::Registration r;
  r.id = 2;
  r.input.app_id = "app123";
  r.input.uid = "cometchat-uid-2";
  r.input.platform = domain::Platform::kApns;
  r.input.token = std::string(64, 'a');
  r.input.apns_topic = "com.example.chat";
  return r;
}

// Every word of the chat's text and people, which privacy mode keeps out of every request.
void ExpectNoUserText(const std::string& body) {
  for (const char* secret :
       {"secret plan", "Andrew", "George", "a.webp", "campaign", "\"sender", "\"receiver"}) {
    EXPECT_EQ(body.find(secret), std::string::npos) << secret << " in " << body;
  }
}

TEST(RulesTest, PrivacyModeBodiesCarryNoUserTextOnAnyTarget) {
  const NotificationContent c = ApplyRules(Privacy(), Chat()).content;
  for (const std::string os : {"android", "ios", "web"}) {
    auto fcm = providers::BuildFcmRequest(c, FcmReg(os), "proj", absl::Now(), {});
    ASSERT_TRUE(fcm.ok()) << fcm.status();
    ExpectNoUserText(fcm->body);
    EXPECT_NE(fcm->body.find("New activity"), std::string::npos) << fcm->body;
  }
  providers::ApnsBuildOptions o;
  o.default_topic = "com.example.chat";
  auto apns = providers::BuildApnsRequest(c, ApnsReg(), "1-1", absl::Now(), o);
  ASSERT_TRUE(apns.ok()) << apns.status();
  ExpectNoUserText(apns->body);
  const json body = json::parse(apns->body);
  EXPECT_EQ(body["aps"]["alert"]["title"], "New activity");
  EXPECT_EQ(body["conversationId"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(body["tag"], "123");
}

TEST(RulesTest, BuildersCarryExtraDataAndOverridesWithoutReplacingCometChatFields) {
  config::RulesConfig rules;
  rules.extra_data = {{"env", "prod"}};
  rules.overrides["chat"].fcm_sound = "pop";
  rules.overrides["chat"].android_channel_id = "messages";
  rules.overrides["chat"].apns_sound = "chime.caf";
  rules.overrides["chat"].apns_category = "REPLY";
  NotificationContent c = ApplyRules(rules, Chat()).content;
  // A key colliding with a CometChat field (the config refuses it; the builders hold too).
  c.extra_data.emplace_back("tag", "not-the-tag");

  providers::FcmBuildOptions fo;
  fo.android_channel_id = "default_channel";
  auto android = providers::BuildFcmRequest(c, FcmReg("android"), "proj", absl::Now(), fo);
  ASSERT_TRUE(android.ok()) << android.status();
  const json m = json::parse(android->body)["message"];
  EXPECT_EQ(m["data"]["env"], "prod");
  EXPECT_EQ(m["data"]["tag"], "123");
  EXPECT_EQ(m["android"]["notification"]["channel_id"], "messages");
  EXPECT_EQ(m["android"]["notification"]["sound"], "pop");

  auto ios = providers::BuildFcmRequest(c, FcmReg("ios"), "proj", absl::Now(), fo);
  ASSERT_TRUE(ios.ok()) << ios.status();
  const json aps = json::parse(ios->body)["message"]["apns"]["payload"]["aps"];
  EXPECT_EQ(aps["sound"], "chime.caf");
  EXPECT_EQ(aps["category"], "REPLY");

  providers::ApnsBuildOptions ao;
  ao.default_topic = "com.example.chat";
  auto apns = providers::BuildApnsRequest(c, ApnsReg(), "1-1", absl::Now(), ao);
  ASSERT_TRUE(apns.ok()) << apns.status();
  const json body = json::parse(apns->body);
  EXPECT_EQ(body["env"], "prod");
  EXPECT_EQ(body["tag"], "123");
  EXPECT_EQ(body["aps"]["sound"], "chime.caf");
  EXPECT_EQ(body["aps"]["category"], "REPLY");
}

}  // namespace
}  // namespace pushgate::engine
