#include "providers/webpush_request_builder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/match.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

using nlohmann::json;

NotificationContent Fixture(const std::string& name) {
  return *ParseStoredPayload(testing::ReadFixture(name));
}

std::string Header(const WebPushMessage& m, const std::string& name) {
  for (const auto& [k, v] : m.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TEST(WebPushBuilder, ChatCarriesTextIdsAndObjects) {
  auto m = BuildWebPushMessage(Fixture("chat.json"), WebPushBuildOptions{});
  ASSERT_TRUE(m.ok()) << m.status();
  const json j = json::parse(m->json);
  EXPECT_EQ(j["title"], "Andrew Joseph");
  EXPECT_EQ(j["body"], "Hello!");
  EXPECT_EQ(j["type"], "chat");
  EXPECT_EQ(j["conversationId"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(j["tag"], "123");
  EXPECT_EQ(j["sender"], "cometchat-uid-1");
  EXPECT_EQ(j["receiverType"], "user");
  EXPECT_EQ(j["unreadMessageCount"], 5);              // a number: the badge
  EXPECT_EQ(j["message"]["data"]["text"], "Hello!");  // an object, not JSON text
  EXPECT_EQ(j["custom"]["priority"], "high");
  EXPECT_FALSE(j.contains("callAction"));
  EXPECT_FALSE(m->dropped_message || m->dropped_custom || m->truncated_body);
}

TEST(WebPushBuilder, ChatHeaders) {
  auto m = BuildWebPushMessage(Fixture("chat.json"), WebPushBuildOptions{});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(Header(*m, "ttl"), "86400");
  EXPECT_EQ(Header(*m, "urgency"), "normal");
  EXPECT_EQ(Header(*m, "topic"), "123");  // the message tag: an edit replaces the original
  EXPECT_EQ(Header(*m, "content-encoding"), "aes128gcm");
  EXPECT_EQ(Header(*m, "content-type"), "application/octet-stream");
}

TEST(WebPushBuilder, RingingCallIsUrgentAndShortLived) {
  WebPushBuildOptions o;
  o.call_ttl = absl::Seconds(45);
  auto m = BuildWebPushMessage(Fixture("call.json"), o);
  ASSERT_TRUE(m.ok());
  const json j = json::parse(m->json);
  EXPECT_EQ(j["callAction"], "initiated");
  EXPECT_EQ(j["sessionId"], "v1.123.aik2");
  EXPECT_EQ(j["callType"], "audio");
  EXPECT_EQ(Header(*m, "ttl"), "45");
  EXPECT_EQ(Header(*m, "urgency"), "high");
  // The session id has '.', outside the base64url alphabet: hashed to 32 characters.
  EXPECT_EQ(Header(*m, "topic"), WebPushTopic("v1.123.aik2"));
  EXPECT_EQ(Header(*m, "topic").size(), 32u);

  NotificationContent cancelled = Fixture("call.json");
  cancelled.call_action = "cancelled";
  m = BuildWebPushMessage(cancelled, o);
  EXPECT_EQ(Header(*m, "urgency"), "normal");
  EXPECT_EQ(Header(*m, "ttl"), "45");
  EXPECT_EQ(Header(*m, "topic"), WebPushTopic("v1.123.aik2"));  // replaces the pending ring
}

TEST(WebPushBuilder, TopicIsBase64UrlAndAtMost32Characters) {
  EXPECT_EQ(WebPushTopic(""), "");
  EXPECT_EQ(WebPushTopic("abc-DEF_123"), "abc-DEF_123");
  const std::string long_key(33, 'a');
  for (const std::string& key : {long_key, std::string("conv/with spaces"), std::string("ü")}) {
    const std::string t = WebPushTopic(key);
    EXPECT_EQ(t.size(), 32u) << key;
    EXPECT_EQ(
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    EXPECT_EQ(t, WebPushTopic(key));  // stable: the same key always collapses
  }
  EXPECT_NE(WebPushTopic(long_key), WebPushTopic(std::string(34, 'a')));
}

TEST(WebPushBuilder, NoTagFallsBackToTheConversation) {
  NotificationContent c = Fixture("chat.json");
  c.tag.clear();
  auto m = BuildWebPushMessage(c, WebPushBuildOptions{});
  EXPECT_EQ(Header(*m, "topic"), WebPushTopic(c.conversation_id));
  c.conversation_id.clear();
  m = BuildWebPushMessage(c, WebPushBuildOptions{});
  EXPECT_EQ(Header(*m, "topic"), "<absent>");
}

TEST(WebPushBuilder, MessageGoesFirstThenCustomThenTheBodyIsCut) {
  NotificationContent c = Fixture("chat.json");
  c.message_json = json{{"blob", std::string(4000, 'm')}}.dump();
  auto m = BuildWebPushMessage(c, WebPushBuildOptions{});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->dropped_message);
  EXPECT_FALSE(m->dropped_custom);
  EXPECT_FALSE(json::parse(m->json).contains("message"));

  c.custom_json = json{{"blob", std::string(5000, 'c')}}.dump();
  m = BuildWebPushMessage(c, WebPushBuildOptions{});
  EXPECT_TRUE(m->dropped_message && m->dropped_custom);
  EXPECT_FALSE(m->truncated_body);
  EXPECT_EQ(json::parse(m->json)["body"], "Hello!");

  // Multi-byte text and characters that JSON escapes: the cut stays valid UTF-8 and fits.
  std::string body;
  for (int i = 0; i < 3000; ++i) body += i % 3 == 0 ? "\xC3\xBC" : (i % 3 == 1 ? "\"" : "x");
  c.body = body;
  m = BuildWebPushMessage(c, WebPushBuildOptions{});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->truncated_body);
  EXPECT_LE(m->json.size(), kWebPushMaxPlaintextBytes);
  EXPECT_GT(m->json.size(), kWebPushMaxPlaintextBytes - 8);  // the longest cut that fits
  const std::string cut = json::parse(m->json)["body"];
  EXPECT_TRUE(absl::EndsWith(cut, "\xE2\x80\xA6"));
  EXPECT_TRUE(absl::StartsWith(body, cut.substr(0, cut.size() - 3)));
}

TEST(WebPushBuilder, ASmallBudgetCutsTheBodyToFit) {
  WebPushBuildOptions o;
  o.max_plaintext_bytes = 500;
  NotificationContent c = Fixture("chat.json");
  c.message_json.clear();
  c.custom_json.clear();
  c.body = std::string(500, 'b');
  auto m = BuildWebPushMessage(c, o);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_LE(m->json.size(), 500u);
  EXPECT_TRUE(m->truncated_body);
}

TEST(WebPushBuilder, OversizedEvenWithoutBodyIsOutOfRange) {
  NotificationContent c = Fixture("chat.json");
  c.title = std::string(5000, 't');
  auto m = BuildWebPushMessage(c, WebPushBuildOptions{});
  EXPECT_EQ(m.status().code(), absl::StatusCode::kOutOfRange);
}

TEST(WebPushBuilder, MinimalShapeKeepsIdsTitleAndAShortBody) {
  NotificationContent c = Fixture("chat.json");
  c.body = std::string(1000, 'b');
  auto m = BuildWebPushMessage(c, WebPushBuildOptions{}, WebPushShape::kMinimal);
  ASSERT_TRUE(m.ok());
  const json j = json::parse(m->json);
  EXPECT_FALSE(j.contains("message"));
  EXPECT_FALSE(j.contains("custom"));
  EXPECT_EQ(j["title"], "Andrew Joseph");
  EXPECT_EQ(j["conversationId"], c.conversation_id);
  EXPECT_EQ(j["body"].get<std::string>(),
            std::string(kWebPushMinimalBodyBytes, 'b') + "\xE2\x80\xA6");
  EXPECT_TRUE(m->dropped_message && m->dropped_custom && m->truncated_body);
}

}  // namespace
}  // namespace pushgate::providers
