#include "providers/notification_content.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

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

// ParseStoredPayload reads with Boost.JSON but must give exactly what the nlohmann reading
// gives: every field, and `message` / `custom` byte for byte (the builders copy them into
// bodies that tests and apps compare).
void ExpectSameAsNlohmann(const std::string& payload) {
  SCOPED_TRACE(payload);
  auto fast = ParseStoredPayload(payload);
  auto reference = ParseStoredPayloadWithNlohmann(payload);
  ASSERT_EQ(fast.ok(), reference.ok()) << fast.status() << " / " << reference.status();
  if (!fast.ok()) {
    EXPECT_EQ(fast.status(), reference.status());
    return;
  }
  EXPECT_EQ(fast->uid, reference->uid);
  EXPECT_EQ(fast->type, reference->type);
  EXPECT_EQ(fast->title, reference->title);
  EXPECT_EQ(fast->body, reference->body);
  EXPECT_EQ(fast->sender, reference->sender);
  EXPECT_EQ(fast->sender_name, reference->sender_name);
  EXPECT_EQ(fast->sender_avatar, reference->sender_avatar);
  EXPECT_EQ(fast->receiver, reference->receiver);
  EXPECT_EQ(fast->receiver_name, reference->receiver_name);
  EXPECT_EQ(fast->receiver_type, reference->receiver_type);
  EXPECT_EQ(fast->tag, reference->tag);
  EXPECT_EQ(fast->conversation_id, reference->conversation_id);
  EXPECT_EQ(fast->sent_at, reference->sent_at);
  EXPECT_EQ(fast->unread_message_count, reference->unread_message_count);
  EXPECT_EQ(fast->call_action, reference->call_action);
  EXPECT_EQ(fast->call_session_id, reference->call_session_id);
  EXPECT_EQ(fast->call_type, reference->call_type);
  EXPECT_EQ(fast->message_json, reference->message_json);
  EXPECT_EQ(fast->custom_json, reference->custom_json);
}

std::string Details(const std::string& members) {
  return R"({"data":{"to":{"uid":"u1"},"notificationDetails":{"type":"chat",)" + members + "}}}";
}

TEST(ParseStoredPayload, FixturesReadAsWithNlohmann) {
  for (const char* name : {"chat.json", "call.json", "group_action.json", "reaction.json"}) {
    ExpectSameAsNlohmann(ReadFixture(name));
  }
}

TEST(ParseStoredPayload, MessageAndCustomAreNlohmannsCompactSortedDump) {
  // Keys out of order, byte order beyond ASCII, escapes of every kind, numbers at the edges of
  // int64 and uint64, nested arrays and empty containers, duplicate keys (the last one wins).
  const std::string message =
      R"({"z":1,"a":{"y":[1,-2,{"b":null,"a":true}],"x":[]},"":"empty key",)"
      R"("\u00e9":"e-acute","\u00c9":"E-acute","\ud83d\ude00":"emoji key",)"
      R"("A":"\"quoted\" \\ back\/slash\n\t\r\b\f\u0001\u001f\u007f",)"
      R"("ab":9223372036854775807,"aa":-9223372036854775808,)"
      R"("ac":9223372036854775808,"ad":18446744073709551615,"ae":-0,)"
      R"("dup":"first","dup":"second","obj":{},)"
      R"("t\u00e9xt":"caf\u00e9 \u65e5\u672c \ud83d\ude00"})";
  ExpectSameAsNlohmann(
      Details(R"("message":)" + message + R"(,"custom":{"b":[false,null],"a":"x"})"));
  // Whatever type `message` / `custom` have is dumped as such.
  ExpectSameAsNlohmann(Details(R"("message":"just text","custom":[3,2,1])"));
  ExpectSameAsNlohmann(Details(R"("message":null,"custom":12)"));
  ExpectSameAsNlohmann(Details(R"("message":true,"custom":{})"));
}

TEST(ParseStoredPayload, FieldsOfEveryTypeReadAsWithNlohmann) {
  ExpectSameAsNlohmann(Details(R"("title":12,"body":true,"sender":null,"senderName":{"a":1},)"
                               R"("receiver":[1],"tag":18446744073709551615,"sentAt":-5)"));
  for (const char* badge : {"5", "-1", "9223372036854775807", "9223372036854775808", R"("7")",
                            R"("-7")", R"("7x")", R"("")", "true", "null", "[1]", "2.5", "1e3"}) {
    ExpectSameAsNlohmann(Details(std::string(R"("unreadMessageCount":)") + badge));
  }
}

TEST(ParseStoredPayload, DoublesReadAsWithNlohmann) {
  // Boost.JSON 1.81 may round a decimal differently from strtod: these take the nlohmann
  // reading, and must still come out as it prints them.
  ExpectSameAsNlohmann(Details(R"("message":{"lat":48.8566,"big":1e300,"int":1.0,"tiny":5e-324},)"
                               R"("sentAt":1741847453.25)"));
  ExpectSameAsNlohmann(Details(R"("custom":[0.1,2.5e10,-0.0])"));
  ExpectSameAsNlohmann(Details(R"("unreadMessageCount":3.99)"));
}

TEST(ParseStoredPayload, BrokenPayloadsFailAsWithNlohmann) {
  const std::vector<std::string> broken = {
      "",
      "[]",
      "not json",
      R"({"data":{}})",
      R"({"data":{"notificationDetails":[]}})",
      R"({"data":{"notificationDetails":{"title":"no type"}}})",
      R"({"data":{"notificationDetails":{"type":""}}})",
      Details(R"("body":"lone surrogate \ud800")"),
      Details("\"body\":\"bad utf-8 \xC3\x28\""),
      Details(R"("message":{"a":1,})"),
      std::string(200, '[') + std::string(200, ']'),
  };
  for (const std::string& bad : broken) ExpectSameAsNlohmann(bad);
  // Nesting deeper than Boost.JSON is told to go: the nlohmann reading answers.
  ExpectSameAsNlohmann(Details(R"("message":)" + std::string(100, '[') + std::string(100, ']')));
}

// Random `message` objects: keys that sort differently by byte than by character, strings
// with escapes and multi-byte UTF-8, integers of every size, nesting.
class RandomJson {
 public:
  explicit RandomJson(uint32_t seed) : random_(seed) {}

  std::string Value(int depth) {
    switch (Pick(depth < 4 ? 9 : 6)) {
      case 0:
        return "null";
      case 1:
        return Pick(2) ? "true" : "false";
      case 2:
        return std::to_string(static_cast<int64_t>(random_()) - (int64_t{1} << 31));
      case 3: {
        static const char* const kEdges[] = {"0",
                                             "-0",
                                             "9223372036854775807",
                                             "-9223372036854775808",
                                             "9223372036854775808",
                                             "18446744073709551615",
                                             "1741847453000"};
        return kEdges[Pick(7)];
      }
      case 4:
      case 5:
        return String();
      case 6:
      case 7: {
        std::string out = "{";
        const int n = Pick(6);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out += ",";
          out += String() + ":" + Value(depth + 1);
        }
        return out + "}";
      }
      default: {
        std::string out = "[";
        const int n = Pick(5);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out += ",";
          out += Value(depth + 1);
        }
        return out + "]";
      }
    }
  }

 private:
  int Pick(int n) { return static_cast<int>(random_() % static_cast<uint32_t>(n)); }

  std::string String() {
    static const char* const kPieces[] = {"a",
                                          "b",
                                          "A",
                                          "Z",
                                          "~",
                                          "0",
                                          " ",
                                          "id",
                                          "sentAt",
                                          R"(\")",
                                          R"(\\)",
                                          R"(\/)",
                                          R"(\n)",
                                          R"(\t)",
                                          R"(\u0000)",
                                          R"(\u001b)",
                                          R"(\u007f)",
                                          R"(\u00e9)",
                                          R"(\u20ac)",
                                          "\xC3\xA9",
                                          "\xE6\x97\xA5",
                                          "\xF0\x9F\x98\x8E",
                                          R"(\ud83d\ude00)",
                                          R"(\uFFFD)"};
    std::string out = "\"";
    const int n = Pick(5);
    for (int i = 0; i < n; ++i) out += kPieces[Pick(24)];
    return out + "\"";
  }

  std::mt19937 random_;
};

TEST(ParseStoredPayload, RandomMessagesReadAsWithNlohmann) {
  RandomJson random(20261128);
  for (int i = 0; i < 2000; ++i) {
    ExpectSameAsNlohmann(Details(R"("message":)" + random.Value(0) + R"(,"custom":)" +
                                 random.Value(1) + R"(,"title":)" + random.Value(3)));
  }
}

}  // namespace
}  // namespace pushgate::providers
