#include "providers/notification_content.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_keys.h"

namespace pushgate::providers {
namespace {

using pushgate::testing::ReadFixture;

TEST(ParseStoredPayload, ChatFixtureCarriesEveryField) {
  auto c = ParseStoredPayload(ReadFixture("chat.json"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->uid, "cometchat-uid-2");
  EXPECT_EQ(c->type, "chat");
  EXPECT_EQ(c->title, "Andrew Joseph");
  EXPECT_EQ(c->body, "Hello!");
  EXPECT_EQ(c->sender, "cometchat-uid-1");
  EXPECT_EQ(c->sender_name, "Andrew Joseph");
  EXPECT_EQ(c->sender_avatar,
            "https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp");
  EXPECT_EQ(c->receiver, "cometchat-uid-2");
  EXPECT_EQ(c->receiver_name, "George Alan");
  EXPECT_EQ(c->receiver_type, "user");
  EXPECT_EQ(c->tag, "123");
  EXPECT_EQ(c->conversation_id, "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(c->sent_at, "1741847453000");
  ASSERT_TRUE(c->unread_message_count.has_value());
  EXPECT_EQ(*c->unread_message_count, 5);
  EXPECT_TRUE(c->call_action.empty());
  // Compact re-serialisation of the objects, content unchanged.
  EXPECT_EQ(c->custom_json, R"({"priority":"high"})");
  EXPECT_EQ(c->message_json.find(' '), std::string::npos);
  auto original = nlohmann::json::parse(ReadFixture("chat.json"));
  EXPECT_EQ(nlohmann::json::parse(c->message_json),
            original["data"]["notificationDetails"]["message"]);
}

TEST(ParseStoredPayload, CallFixtureCarriesCallFields) {
  auto c = ParseStoredPayload(ReadFixture("call.json"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->type, "call");
  EXPECT_EQ(c->call_action, "initiated");
  EXPECT_EQ(c->call_session_id, "v1.123.aik2");
  EXPECT_EQ(c->call_type, "audio");
  EXPECT_EQ(c->body, "AUDIO CALL");
  EXPECT_TRUE(c->message_json.empty());
  EXPECT_TRUE(c->custom_json.empty());
}

TEST(ParseStoredPayload, GroupActionAndReactionFixtures) {
  auto g = ParseStoredPayload(ReadFixture("group_action.json"));
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->receiver_type, "group");
  EXPECT_EQ(g->tag, "cometchat-guid-1");
  EXPECT_EQ(g->conversation_id, "group_cometchat-guid-1");
  EXPECT_TRUE(g->receiver_name == "Hiking group");
  auto r = ParseStoredPayload(ReadFixture("reaction.json"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "Reacted to your message: \xF0\x9F\x98\x8E");
  EXPECT_EQ(r->tag, "58");
}

TEST(ParseStoredPayload, NumbersAndStringsAreBothAccepted) {
  auto c = ParseStoredPayload(R"({"data":{"to":{"uid":"u"},"notificationDetails":{
      "type":"chat","sentAt":1741847453000,"unreadMessageCount":"7"}}})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->sent_at, "1741847453000");
  EXPECT_EQ(c->unread_message_count, 7);
}

TEST(ParseStoredPayload, UnusableBadgeMeansNoBadge) {
  for (const char* v : {R"("seven")", "-1", "null", R"({"n":1})", R"("")"}) {
    auto c = ParseStoredPayload(std::string(R"({"data":{"notificationDetails":{"type":"chat",)") +
                                R"("unreadMessageCount":)" + v + "}}}");
    ASSERT_TRUE(c.ok()) << v;
    EXPECT_FALSE(c->unread_message_count.has_value()) << v;
  }
  auto absent = ParseStoredPayload(R"({"data":{"notificationDetails":{"type":"chat"}}})");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->unread_message_count.has_value());
}

TEST(ParseStoredPayload, RejectsWhatIsNotAPayload) {
  for (const char* bad :
       {"", "[]", "not json", R"({"data":{}})", R"({"data":{"notificationDetails":[]}})",
        R"({"data":{"notificationDetails":{"title":"no type"}}})"}) {
    auto c = ParseStoredPayload(bad);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace pushgate::providers
