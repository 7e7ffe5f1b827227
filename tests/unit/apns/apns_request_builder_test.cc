#include "providers/apns_request_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "common/crypto.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using Headers = std::vector<std::pair<std::string, std::string>>;

const absl::Time kNow = absl::FromUnixSeconds(1'741'847'460);
const char kToken[] = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

NotificationContent Fixture(const std::string& name) {
  auto c = ParseStoredPayload(pushgate::testing::ReadFixture(name));
  if (!c.ok()) throw std::runtime_error(std::string(c.status().message()));
  return *c;
}

domain::Registration Reg(domain::Platform platform, std::string env = "production",
                         std::string topic = "") {
  domain::Registration r;
  r.id = 7;
  r.input.app_id = "app123";
  r.input.uid = "cometchat-uid-2";
  r.input.platform = platform;
  r.input.token = kToken;
  r.input.apns_topic = std::move(topic);
  r.input.apns_environment = std::move(env);
  return r;
}

ApnsBuildOptions Options() {
  ApnsBuildOptions o;
  o.default_topic = "com.example.app";
  return o;
}

nlohmann::json Body(const ApnsRequest& r) { return nlohmann::json::parse(r.body); }

std::string HeaderOf(const ApnsRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<absent>";
}

// §2.5: every key beside `aps` must have a primitive value.
void ExpectPrimitiveCustomKeys(const nlohmann::json& body) {
  ASSERT_TRUE(body.is_object());
  ASSERT_TRUE(body.contains("aps"));
  for (const auto& [k, v] : body.items()) {
    if (k == "aps") continue;
    EXPECT_TRUE(v.is_primitive()) << k << " is not primitive";
  }
}

bool IsValidUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

TEST(ApnsRequestBuilder, ChatFixtureIsAnAlertWithEveryField) {
  const auto content = Fixture("chat.json");
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "attempt-1", kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ApnsPushKind::kAlert);
  EXPECT_EQ(r->environment, ApnsEnvironment::kProduction);
  EXPECT_EQ(r->path, std::string("/3/device/") + kToken);
  EXPECT_THAT(r->headers,
              ElementsAre(Pair("apns-push-type", "alert"), Pair("apns-topic", "com.example.app"),
                          Pair("apns-priority", "10"), Pair("apns-collapse-id", "123"),
                          Pair("apns-id", ApnsIdForAttempt("attempt-1")),
                          Pair("content-type", "application/json")));
  const auto body = Body(*r);
  EXPECT_EQ(body["aps"], nlohmann::json::parse(R"({
      "alert": {"title": "Andrew Joseph", "body": "Hello!"},
      "badge": 5, "sound": "default",
      "thread-id": "cometchat-uid-1_user_cometchat-uid-2", "mutable-content": 1})"));
  EXPECT_EQ(body["type"], "chat");
  EXPECT_EQ(body["sender"], "cometchat-uid-1");
  EXPECT_EQ(body["senderName"], "Andrew Joseph");
  EXPECT_EQ(body["senderAvatar"],
            "https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp");
  EXPECT_EQ(body["receiver"], "cometchat-uid-2");
  EXPECT_EQ(body["receiverName"], "George Alan");
  EXPECT_EQ(body["receiverType"], "user");
  EXPECT_EQ(body["tag"], "123");
  EXPECT_EQ(body["conversationId"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(body["sentAt"], "1741847453000");
  EXPECT_FALSE(body.contains("callAction"));
  // message and custom travel as JSON text (primitive values), content intact.
  ASSERT_TRUE(body["message"].is_string());
  EXPECT_EQ(nlohmann::json::parse(body["message"].get<std::string>())["data"]["text"], "Hello!");
  EXPECT_EQ(body["custom"], R"({"priority":"high"})");
  ExpectPrimitiveCustomKeys(body);
  EXPECT_FALSE(r->dropped_message || r->dropped_custom || r->truncated_body);
}

TEST(ApnsRequestBuilder, ReactionAndGroupActionFixtures) {
  auto reaction = BuildApnsRequest(Fixture("reaction.json"), Reg(domain::Platform::kApns), "a",
                                   kNow, Options());
  ASSERT_TRUE(reaction.ok()) << reaction.status();
  EXPECT_EQ(HeaderOf(*reaction, "apns-push-type"), "alert");
  EXPECT_EQ(HeaderOf(*reaction, "apns-collapse-id"), "58");
  EXPECT_EQ(Body(*reaction)["aps"]["alert"]["body"], "Reacted to your message: \xF0\x9F\x98\x8E");
  // Emoji sent as UTF-8, not as \u escapes (smaller).
  EXPECT_NE(reaction->body.find("\xF0\x9F\x98\x8E"), std::string::npos);
  ExpectPrimitiveCustomKeys(Body(*reaction));

  auto group = BuildApnsRequest(Fixture("group_action.json"), Reg(domain::Platform::kApns), "a",
                                kNow, Options());
  ASSERT_TRUE(group.ok()) << group.status();
  EXPECT_EQ(HeaderOf(*group, "apns-collapse-id"), "cometchat-guid-1");
  const auto body = Body(*group);
  EXPECT_EQ(body["aps"]["alert"]["title"], "Hiking group");
  EXPECT_EQ(body["aps"]["alert"]["body"], "Andrew Joseph has left");
  EXPECT_EQ(body["aps"]["thread-id"], "group_cometchat-guid-1");
  EXPECT_EQ(body["aps"]["badge"], 5);
  EXPECT_EQ(body["receiverType"], "group");
  EXPECT_FALSE(body.contains("message"));
  EXPECT_FALSE(body.contains("custom"));
}

TEST(ApnsRequestBuilder, CallInitiatedToVoipTokenIsAPushKitPush) {
  const auto content = Fixture("call.json");
  auto r =
      BuildApnsRequest(content, Reg(domain::Platform::kApnsVoip), "attempt-2", kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ApnsPushKind::kVoip);
  EXPECT_THAT(r->headers,
              ElementsAre(Pair("apns-push-type", "voip"),
                          Pair("apns-topic", "com.example.app.voip"), Pair("apns-priority", "10"),
                          Pair("apns-expiration", std::to_string(1'741'847'460 + 30)),
                          Pair("apns-id", ApnsIdForAttempt("attempt-2")),
                          Pair("content-type", "application/json")));
  const auto body = Body(*r);
  EXPECT_EQ(body["sessionId"], "v1.123.aik2");
  EXPECT_EQ(body["callType"], "audio");
  EXPECT_EQ(body["callAction"], "initiated");
  EXPECT_EQ(body["sender"], "cometchat-uid-1");
  EXPECT_EQ(body["senderName"], "Andrew Joseph");
  EXPECT_EQ(body["senderAvatar"],
            "https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp");
  EXPECT_EQ(body["conversationId"], "cometchat-uid-1_user_cometchat-uid-2");
  EXPECT_EQ(body["sentAt"], "1741847453000");
  EXPECT_EQ(body["type"], "call");
  // Nothing for display: PushKit never shows it, the app reports the call to CallKit.
  EXPECT_FALSE(body["aps"].contains("badge"));
  EXPECT_FALSE(body["aps"].contains("sound"));
  EXPECT_FALSE(body["aps"].contains("mutable-content"));
  ExpectPrimitiveCustomKeys(body);
}

TEST(ApnsRequestBuilder, CallInitiatedToDeviceTokenIsAnUrgentAlert) {
  auto r =
      BuildApnsRequest(Fixture("call.json"), Reg(domain::Platform::kApns), "x", kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind, ApnsPushKind::kAlert);
  EXPECT_EQ(HeaderOf(*r, "apns-push-type"), "alert");
  EXPECT_EQ(HeaderOf(*r, "apns-topic"), "com.example.app");
  EXPECT_EQ(HeaderOf(*r, "apns-priority"), "10");
  EXPECT_EQ(HeaderOf(*r, "apns-expiration"), std::to_string(1'741'847'460 + 30));
  // Collapsed per call session, so a later "missed call" replaces it.
  EXPECT_EQ(HeaderOf(*r, "apns-collapse-id"), "v1.123.aik2");
  const auto body = Body(*r);
  EXPECT_EQ(body["aps"]["alert"]["body"], "AUDIO CALL");
  EXPECT_EQ(body["aps"]["interruption-level"], "time-sensitive");
  EXPECT_EQ(body["callAction"], "initiated");
  EXPECT_EQ(body["sessionId"], "v1.123.aik2");
}

TEST(ApnsRequestBuilder, OtherCallActionsAreAlertsAndNeverVoip) {
  for (const char* action : {"cancelled", "unanswered", "ongoing", "rejected", "ended", "busy"}) {
    auto content = Fixture("call.json");
    content.call_action = action;
    EXPECT_EQ(ApnsPushKindFor(content, domain::Platform::kApnsVoip), ApnsPushKind::kNone) << action;
    auto voip = BuildApnsRequest(content, Reg(domain::Platform::kApnsVoip), "x", kNow, Options());
    EXPECT_EQ(voip.status().code(), absl::StatusCode::kFailedPrecondition) << action;

    auto alert = BuildApnsRequest(content, Reg(domain::Platform::kApns), "x", kNow, Options());
    ASSERT_TRUE(alert.ok()) << action;
    EXPECT_EQ(HeaderOf(*alert, "apns-push-type"), "alert");
    EXPECT_EQ(HeaderOf(*alert, "apns-collapse-id"), "v1.123.aik2");
    EXPECT_EQ(HeaderOf(*alert, "apns-expiration"), "<absent>");  // Apple's storage policy
    const auto body = Body(*alert);
    EXPECT_EQ(body["callAction"], action);
    EXPECT_EQ(body["aps"]["mutable-content"], 1);  // the extension can clear the ringing UI
    EXPECT_FALSE(body["aps"].contains("interruption-level"));
  }
}

TEST(ApnsRequestBuilder, ChatNeverGoesToAVoipTokenNorToOtherPlatforms) {
  const auto chat = Fixture("chat.json");
  EXPECT_EQ(ApnsPushKindFor(chat, domain::Platform::kApnsVoip), ApnsPushKind::kNone);
  EXPECT_EQ(ApnsPushKindFor(chat, domain::Platform::kFcm), ApnsPushKind::kNone);
  EXPECT_EQ(ApnsPushKindFor(chat, domain::Platform::kWebPush), ApnsPushKind::kNone);
  EXPECT_EQ(ApnsPushKindFor(Fixture("call.json"), domain::Platform::kFcm), ApnsPushKind::kNone);
  EXPECT_EQ(ApnsPushKindFor(chat, domain::Platform::kApns), ApnsPushKind::kAlert);
}

TEST(ApnsRequestBuilder, EnvironmentPicksTheHost) {
  const auto chat = Fixture("chat.json");
  auto sandbox =
      BuildApnsRequest(chat, Reg(domain::Platform::kApns, "sandbox"), "", kNow, Options());
  ASSERT_TRUE(sandbox.ok());
  EXPECT_EQ(sandbox->environment, ApnsEnvironment::kSandbox);
  EXPECT_STREQ(ApnsHost(sandbox->environment), "api.sandbox.push.apple.com");
  auto dev =
      BuildApnsRequest(chat, Reg(domain::Platform::kApns, "Development"), "", kNow, Options());
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->environment, ApnsEnvironment::kSandbox);
  auto prod =
      BuildApnsRequest(chat, Reg(domain::Platform::kApns, "production"), "", kNow, Options());
  ASSERT_TRUE(prod.ok());
  EXPECT_STREQ(ApnsHost(prod->environment), "api.push.apple.com");
  ApnsBuildOptions o = Options();
  o.default_environment = ApnsEnvironment::kSandbox;
  auto fallback = BuildApnsRequest(chat, Reg(domain::Platform::kApns, ""), "", kNow, o);
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->environment, ApnsEnvironment::kSandbox);
  EXPECT_EQ(BuildApnsRequest(chat, Reg(domain::Platform::kApns, "staging"), "", kNow, Options())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // No attempt id: no apns-id header, APNs assigns one.
  EXPECT_EQ(HeaderOf(*prod, "apns-id"), "<absent>");
}

TEST(ApnsRequestBuilder, TopicComesFromTheRegistrationOrTheDefault) {
  const auto call = Fixture("call.json");
  auto own = BuildApnsRequest(call, Reg(domain::Platform::kApnsVoip, "", "com.other.app"), "", kNow,
                              Options());
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(HeaderOf(*own, "apns-topic"), "com.other.app.voip");
  auto already = BuildApnsRequest(call, Reg(domain::Platform::kApnsVoip, "", "com.other.app.voip"),
                                  "", kNow, Options());
  ASSERT_TRUE(already.ok());
  EXPECT_EQ(HeaderOf(*already, "apns-topic"), "com.other.app.voip");
  auto none = BuildApnsRequest(call, Reg(domain::Platform::kApns), "", kNow, ApnsBuildOptions{});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ApnsRequestBuilder, RejectsNonHexTokens) {
  auto reg = Reg(domain::Platform::kApns);
  for (const char* bad : {"", "xyz", "abcd/../x", "ab cd"}) {
    reg.input.token = bad;
    EXPECT_EQ(BuildApnsRequest(Fixture("chat.json"), reg, "", kNow, Options()).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(IsValidApnsDeviceToken("ABCDEF0123"));  // length is not fixed
}

TEST(ApnsRequestBuilder, CollapseIdOnlyUpTo64Bytes) {
  auto content = Fixture("chat.json");
  content.tag = std::string(64, 't');
  auto fits = BuildApnsRequest(content, Reg(domain::Platform::kApns), "", kNow, Options());
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(HeaderOf(*fits, "apns-collapse-id"), content.tag);
  content.tag = std::string(65, 't');
  auto too_long = BuildApnsRequest(content, Reg(domain::Platform::kApns), "", kNow, Options());
  ASSERT_TRUE(too_long.ok());
  EXPECT_EQ(HeaderOf(*too_long, "apns-collapse-id"), "<absent>");
  EXPECT_EQ(Body(*too_long)["tag"], content.tag);  // still told to the app
}

TEST(ApnsRequestBuilder, ApnsIdIsACanonicalUuid) {
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(ApnsIdForAttempt("delivery-42/attempt-3"), uuid));
  EXPECT_EQ(ApnsIdForAttempt("delivery-42/attempt-3"), ApnsIdForAttempt("delivery-42/attempt-3"));
  EXPECT_NE(ApnsIdForAttempt("delivery-42/attempt-3"), ApnsIdForAttempt("delivery-42/attempt-4"));
  EXPECT_EQ(ApnsIdForAttempt("123e4567-e89b-12d3-a456-4266554400a0"),
            "123e4567-e89b-12d3-a456-4266554400a0");
  // Upper case is not canonical for APNs: derived instead.
  EXPECT_TRUE(std::regex_match(ApnsIdForAttempt("123E4567-E89B-12D3-A456-4266554400A0"), uuid));
  EXPECT_EQ(ApnsIdForAttempt(""), "");
}

TEST(ApnsRequestBuilder, ApnsIdIsTheAttemptsDigest) {
  // The same attempt sent again, by this version or an older one after an upgrade, must carry
  // the same apns-id: the first 32 hex digits of SHA-256(attempt id), grouped 8-4-4-4-12.
  for (const char* attempt :
       {"17-1", "delivery-42/attempt-3", "123E4567-E89B-12D3-A456-4266554400A0"}) {
    const std::string hex = HexEncode(Sha256(attempt));
    EXPECT_EQ(ApnsIdForAttempt(attempt), hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" +
                                             hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
                                             hex.substr(20, 12))
        << attempt;
  }
}

TEST(ApnsRequestBuilder, SilentAlertWhenNoSoundAndNoBadgeWithoutCount) {
  auto content = Fixture("chat.json");
  content.unread_message_count.reset();
  ApnsBuildOptions o = Options();
  o.sound = "";
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "", kNow, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(Body(*r)["aps"].contains("sound"));
  EXPECT_FALSE(Body(*r)["aps"].contains("badge"));
  o.sound = "ping.caf";
  EXPECT_EQ(
      Body(*BuildApnsRequest(content, Reg(domain::Platform::kApns), "", kNow, o))["aps"]["sound"],
      "ping.caf");
  o.alert_ttl = absl::Hours(1);
  EXPECT_EQ(HeaderOf(*BuildApnsRequest(content, Reg(domain::Platform::kApns), "", kNow, o),
                     "apns-expiration"),
            std::to_string(1'741'847'460 + 3600));
}

// ---- size rules -------------------------------------------------------------------------

std::string BigObject(size_t bytes) {
  return nlohmann::json({{"blob", std::string(bytes, 'm')}}).dump();
}

TEST(ApnsRequestBuilderSize, DropsMessageFirst) {
  auto content = Fixture("chat.json");
  content.message_json = BigObject(3900);
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->body.size(), 4096u);
  EXPECT_TRUE(r->dropped_message);
  EXPECT_FALSE(r->dropped_custom);
  EXPECT_FALSE(r->truncated_body);
  const auto body = Body(*r);
  EXPECT_FALSE(body.contains("message"));
  EXPECT_EQ(body["custom"], R"({"priority":"high"})");
  EXPECT_EQ(body["aps"]["alert"]["body"], "Hello!");
}

TEST(ApnsRequestBuilderSize, ThenCustom) {
  auto content = Fixture("chat.json");
  content.message_json = BigObject(3000);
  content.custom_json = BigObject(3800);
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->body.size(), 4096u);
  EXPECT_TRUE(r->dropped_message);
  EXPECT_TRUE(r->dropped_custom);
  EXPECT_FALSE(r->truncated_body);
  EXPECT_FALSE(Body(*r).contains("custom"));
}

TEST(ApnsRequestBuilderSize, KeepsCustomWhenOnlyMessageIsTooBig) {
  // The message alone is the problem; custom stays although it is large.
  auto content = Fixture("chat.json");
  content.message_json = BigObject(2500);
  content.custom_json = BigObject(2500);
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->dropped_message);
  EXPECT_FALSE(r->dropped_custom);
  EXPECT_TRUE(Body(*r).contains("custom"));
}

TEST(ApnsRequestBuilderSize, ThenTruncatesTheBodyOnACharacterBoundary) {
  auto content = Fixture("chat.json");
  std::string text;
  while (text.size() < 6000) text += "h\xC3\xA9llo \xF0\x9F\x98\x8E ";  // 2- and 4-byte chars
  content.body = text;
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->body.size(), 4096u);
  EXPECT_GT(r->body.size(), 4096u - 8);  // no more cut than needed
  EXPECT_TRUE(r->dropped_message && r->dropped_custom && r->truncated_body);
  const std::string sent = Body(*r)["aps"]["alert"]["body"];
  EXPECT_TRUE(IsValidUtf8(sent));
  ASSERT_GE(sent.size(), 3u);
  EXPECT_EQ(sent.substr(sent.size() - 3), "\xE2\x80\xA6");
  EXPECT_EQ(text.compare(0, sent.size() - 3, sent, 0, sent.size() - 3), 0);  // a prefix
}

TEST(ApnsRequestBuilderSize, EscapedCharactersAreCountedAsSent) {
  auto content = Fixture("chat.json");
  content.message_json.clear();
  content.custom_json.clear();
  content.body = std::string(3000, '\x01') + std::string(2000, '"');  // 6 and 2 bytes each in JSON
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LE(r->body.size(), 4096u);
  EXPECT_TRUE(r->truncated_body);
  EXPECT_GT(r->body.size(), 4096u - 10);  // cut by what it costs in JSON
  EXPECT_NO_THROW(Body(*r));
}

TEST(ApnsRequestBuilderSize, FailsWhenEvenTheMinimalPayloadCannotFit) {
  auto content = Fixture("chat.json");
  content.title = std::string(5000, 'T');
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kOutOfRange);
}

TEST(ApnsRequestBuilderSize, VoipHasTheLargerLimit) {
  auto content = Fixture("call.json");
  content.custom_json = BigObject(4300);
  auto voip = BuildApnsRequest(content, Reg(domain::Platform::kApnsVoip), "a", kNow, Options());
  ASSERT_TRUE(voip.ok()) << voip.status();
  EXPECT_GT(voip->body.size(), 4096u);
  EXPECT_LE(voip->body.size(), 5120u);
  EXPECT_FALSE(voip->dropped_custom);
  auto alert = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  ASSERT_TRUE(alert.ok());
  EXPECT_LE(alert->body.size(), 4096u);
  EXPECT_TRUE(alert->dropped_custom);

  content.custom_json = BigObject(6000);
  auto big = BuildApnsRequest(content, Reg(domain::Platform::kApnsVoip), "a", kNow, Options());
  ASSERT_TRUE(big.ok());
  EXPECT_LE(big->body.size(), 5120u);
  EXPECT_TRUE(big->dropped_custom);
}

TEST(ApnsRequestBuilderSize, InvalidUtf8IsReplacedNotFatal) {
  auto content = Fixture("chat.json");
  content.body = "bad \xFF byte";
  auto r = BuildApnsRequest(content, Reg(domain::Platform::kApns), "a", kNow, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(IsValidUtf8(r->body));
}

}  // namespace
}  // namespace pushgate::providers
