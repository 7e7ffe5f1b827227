// json_text.h writes the bytes nlohmann's dump writes, so a builder can use it without changing
// a body: checked string by string against nlohmann, and body by body against the nlohmann tree
// the APNs builder used to dump (the oracle below keeps that tree's rules).
#include "providers/json_text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "providers/apns_request_builder.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

std::string Nlohmann(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Ours(const std::string& s) {
  std::string out = "prefix";
  AppendJsonString(out, s);
  return out.substr(6);
}

TEST(JsonText, EverySingleByteIsEscapedAsNlohmannDoes) {
  for (int b = 0; b < 256; ++b) {
    const std::string s(1, static_cast<char>(b));
    EXPECT_EQ(Ours(s), Nlohmann(s)) << "byte " << b;
  }
}

TEST(JsonText, TrickyStringsMatchNlohmann) {
  const std::vector<std::string> cases = {
      "",
      "plain ascii",
      "quote \" backslash \\ slash / tab \t newline \n cr \r ff \f bs \b",
      std::string("nul \0 inside", 12),
      "\x01\x1f\x7f",
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x8E",  // 2, 3 and 4 byte sequences
      "\xC0\x80",                                   // overlong NUL
      "\xE0\x80\xAF",                               // overlong slash
      "\xED\xA0\x80",                               // a surrogate
      "\xF4\x90\x80\x80",                           // above U+10FFFF
      "\xF0\x9F\x98",                               // cut 4-byte sequence at the end
      "ok \xE2\x82 then more",                      // cut 3-byte sequence in the middle
      "\x80\xBF lone continuation bytes",
      "\xFE\xFF",
      "mixed \xC3\xA9\xFF\xC3\xA9 \"end\"",
  };
  for (const std::string& s : cases) EXPECT_EQ(Ours(s), Nlohmann(s)) << s;
}

// Random strings drawn from ASCII, control characters, valid sequences of every length and
// raw bytes: both the fast path and the invalid-UTF-8 path.
TEST(JsonText, RandomStringsMatchNlohmann) {
  std::mt19937 rng(20261128);
  const std::vector<std::string> pieces = {"a",
                                           "Z",
                                           " ",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\x02",
                                           "\x7f",
                                           "\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x8E",
                                           "\xC3",
                                           "\x80",
                                           "\xED\xBF\xBF",
                                           "\xF5"};
  int invalid = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) s += pieces[rng() % pieces.size()];
    if (!IsValidUtf8(s)) ++invalid;
    ASSERT_EQ(Ours(s), Nlohmann(s)) << i;
  }
  EXPECT_GT(invalid, 100);  // both paths ran
  EXPECT_LT(invalid, 4900);
}

// IsValidUtf8 accepts exactly what nlohmann's parser accepts inside a string.
TEST(JsonText, Utf8ValidityAgreesWithNlohmannsParser) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int n = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) s.push_back(static_cast<char>(0x80 + rng() % 0x80));
    if (rng() % 2) s.insert(s.begin(), static_cast<char>(0xC0 + rng() % 0x40));
    const bool parses =
        !nlohmann::json::parse("\"" + s + "\"", nullptr, /*allow_exceptions=*/false).is_discarded();
    ASSERT_EQ(IsValidUtf8(s), parses) << i;
  }
}

// ---- the APNs body, against the nlohmann tree it replaced ---------------------------------

using Tree = nlohmann::ordered_json;

void PutText(Tree& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}

std::string OracleAlert(const NotificationContent& c, const std::string& default_sound) {
  Tree aps = Tree::object();
  Tree alert = Tree::object();
  PutText(alert, "title", c.title);
  PutText(alert, "body", c.body);
  aps["alert"] = std::move(alert);
  if (c.unread_message_count) aps["badge"] = *c.unread_message_count;
  const std::string& sound = c.apns_sound.empty() ? default_sound : c.apns_sound;
  if (!sound.empty()) aps["sound"] = sound;
  PutText(aps, "category", c.apns_category);
  PutText(aps, "thread-id", c.conversation_id);
  aps["mutable-content"] = 1;
  if (c.type == "call" && c.call_action == "initiated")
    aps["interruption-level"] = "time-sensitive";
  Tree j = Tree::object();
  j["aps"] = std::move(aps);
  PutText(j, "type", c.type);
  PutText(j, "sender", c.sender);
  PutText(j, "senderName", c.sender_name);
  PutText(j, "senderAvatar", c.sender_avatar);
  PutText(j, "receiver", c.receiver);
  PutText(j, "receiverName", c.receiver_name);
  PutText(j, "receiverType", c.receiver_type);
  PutText(j, "tag", c.tag);
  PutText(j, "conversationId", c.conversation_id);
  PutText(j, "sentAt", c.sent_at);
  if (c.type == "call") {
    PutText(j, "callAction", c.call_action);
    PutText(j, "sessionId", c.call_session_id);
    PutText(j, "callType", c.call_type);
  }
  for (const auto& [key, value] : c.extra_data) {
    if (!j.contains(key)) j[key] = value;
  }
  if (!c.message_json.empty()) j["message"] = c.message_json;
  if (!c.custom_json.empty()) j["custom"] = c.custom_json;
  return j.dump(-1, ' ', false, Tree::error_handler_t::replace);
}

std::string Built(const NotificationContent& c) {
  domain::Registration r;
  r.input.platform = domain::Platform::kApns;
  r.input.token = "a1b2c3d4";
  ApnsBuildOptions o;
  o.default_topic = "com.example.app";
  auto built = BuildApnsRequest(c, r, "attempt-1", absl::FromUnixSeconds(1'741'847'460), o);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? built->body : "";
}

NotificationContent Fixture(const std::string& name) {
  auto c = ParseStoredPayload(pushgate::testing::ReadFixture(name));
  if (!c.ok()) throw std::runtime_error(std::string(c.status().message()));
  return *c;
}

TEST(JsonText, ApnsAlertBodiesAreTheBytesTheTreeDumped) {
  for (const char* name : {"chat.json", "call.json", "reaction.json", "group_action.json"}) {
    const NotificationContent c = Fixture(name);
    EXPECT_EQ(Built(c), OracleAlert(c, "default")) << name;
  }
  NotificationContent c = Fixture("chat.json");
  c.title = "tab\there, \"quoted\", \x01 and caf\xC3\xA9";
  c.body = "bad byte \xFF stays sendable";
  c.unread_message_count = 0;
  c.apns_sound = "ping.aiff";
  c.apns_category = "MESSAGE";
  c.tag.clear();
  // Rules' extra data: a key the tree already had is not replaced ("aps", "sender"); one that
  // was left out because it was empty ("tag") is added; "message" keeps the extra key's place
  // with the message's value, as assigning into the tree did.
  c.extra_data = {
      {"aps", "no"}, {"sender", "no"}, {"tag", "extra-tag"}, {"message", "no"}, {"tenant", "blue"}};
  EXPECT_EQ(Built(c), OracleAlert(c, "default"));
  c.message_json.clear();
  EXPECT_EQ(Built(c), OracleAlert(c, "default"));  // now the extra "message" stays
}

}  // namespace
}  // namespace pushgate::providers
