#include "webhook/envelope.h"

#include <functional>
#include <string>

#include "fixtures.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace pushgate::webhook {
namespace {

using ::pushgate::webhook::testing::kFixtureNames;
using ::pushgate::webhook::testing::ReadFixture;
using ::testing::HasSubstr;
using json = nlohmann::json;

std::string StringOr(const json& object, const char* key) {
  return object.contains(key) ? object[key].get<std::string>() : "";
}

class FixtureTest : public ::testing::TestWithParam<const char*> {};

// The parser must agree with an independent reading (nlohmann) of every CometChat sample.
TEST_P(FixtureTest, ParsesEveryFieldTheGatewayNeeds) {
  const std::string body = ReadFixture(GetParam());
  const json doc = json::parse(body);
  const json& details = doc["data"]["notificationDetails"];

  absl::StatusOr<Envelope> e = ParseEnvelope(body);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->app_id, doc["appId"].get<std::string>());
  EXPECT_EQ(e->uid, doc["data"]["to"]["uid"].get<std::string>());
  EXPECT_EQ(e->type, details["type"].get<std::string>());
  EXPECT_EQ(e->tag, StringOr(details, "tag"));
  EXPECT_EQ(e->conversation_id, StringOr(details, "conversationId"));
  EXPECT_EQ(e->sender, StringOr(details, "sender"));
  if (e->type == "call") {
    EXPECT_EQ(e->call_action, details["callAction"].get<std::string>());
    EXPECT_EQ(e->call_session_id, details["sessionId"].get<std::string>());
  } else {
    EXPECT_EQ(e->call_action, "");
    EXPECT_EQ(e->call_session_id, "");
  }
}

INSTANTIATE_TEST_SUITE_P(CometChatSamples, FixtureTest, ::testing::ValuesIn(kFixtureNames));

json Chat() { return json::parse(ReadFixture("chat.json")); }
json Call() { return json::parse(ReadFixture("call.json")); }

// Applies `edit` to a sample and expects a 400-style error naming `field`.
void ExpectRejected(json doc, const std::function<void(json&)>& edit, const std::string& field) {
  edit(doc);
  absl::StatusOr<Envelope> e = ParseEnvelope(doc.dump());
  ASSERT_FALSE(e.ok()) << "accepted after editing " << field;
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(e.status().message()), HasSubstr(field));
}

void ExpectAccepted(json doc, const std::function<void(json&)>& edit) {
  edit(doc);
  absl::StatusOr<Envelope> e = ParseEnvelope(doc.dump());
  EXPECT_TRUE(e.ok()) << e.status();
}

TEST(ParseEnvelope, RejectsWhatTheReferenceReceiverRejects) {
  ExpectRejected(
      Chat(), [](json& d) { d["trigger"] = "message-sent"; }, "trigger");
  ExpectRejected(
      Chat(), [](json& d) { d.erase("trigger"); }, "trigger");
  ExpectRejected(
      Chat(), [](json& d) { d["trigger"] = 1; }, "trigger");
  ExpectRejected(
      Chat(), [](json& d) { d["webhook"] = "fcm"; }, "webhook");
  ExpectRejected(
      Chat(), [](json& d) { d.erase("webhook"); }, "webhook");
  ExpectRejected(
      Chat(), [](json& d) { d.erase("data"); }, "data");
  ExpectRejected(
      Chat(), [](json& d) { d["data"] = "x"; }, "data");
  ExpectRejected(
      Chat(), [](json& d) { d["data"].erase("to"); }, "data.to");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["to"] = "uid"; }, "data.to");
  ExpectRejected(
      Chat(), [](json& d) { d["data"].erase("notificationDetails"); }, "data.notificationDetails");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["notificationDetails"] = json::array(); },
      "data.notificationDetails");
}

TEST(ParseEnvelope, RejectsMissingOrEmptyIdentifiers) {
  ExpectRejected(
      Chat(), [](json& d) { d.erase("appId"); }, "appId");
  ExpectRejected(
      Chat(), [](json& d) { d["appId"] = ""; }, "appId");
  ExpectRejected(
      Chat(), [](json& d) { d["appId"] = 123; }, "appId");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["to"].erase("uid"); }, "data.to.uid");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["to"]["uid"] = ""; }, "data.to.uid");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["to"]["uid"] = nullptr; }, "data.to.uid");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["to"]["uid"] = std::string(kMaxUidBytes + 1, 'u'); },
      "data.to.uid");
  ExpectAccepted(Chat(), [](json& d) { d["data"]["to"]["uid"] = std::string(kMaxUidBytes, 'u'); });
}

TEST(ParseEnvelope, RejectsAUidWithControlCharacters) {
  // JSON escapes in the body, so the parsed uid holds the control character itself.
  for (const char* uid : {R"(al\nice)", R"(al\rice)", R"(\tbob)", R"(nul\u0000)", R"(del\u007f)"}) {
    json doc = Chat();
    doc["data"]["to"]["uid"] = "uid-placeholder";
    const std::string spelled = "\"uid-placeholder\"";
    std::string edited = doc.dump();
    edited.replace(edited.find(spelled), spelled.size(), std::string("\"") + uid + "\"");
    absl::StatusOr<Envelope> e = ParseEnvelope(edited);
    ASSERT_FALSE(e.ok()) << uid;
    EXPECT_THAT(std::string(e.status().message()), HasSubstr("data.to.uid")) << uid;
  }
  // Non-ASCII letters are no control characters.
  ExpectAccepted(Chat(), [](json& d) { d["data"]["to"]["uid"] = "z\u00fcrich-\u00e9l\u00e8ve"; });
}

// A body whose value depends on which copy of a key a reader keeps is refused, at any depth:
// the engine, the providers and a forward hook's receiver must all read the same message.
TEST(ParseEnvelope, RejectsDuplicatedKeysAtAnyDepth) {
  const std::string body = Chat().dump();
  const auto insert_after = [&](const std::string& anchor, const std::string& extra) {
    std::string edited = body;
    const size_t at = edited.find(anchor);
    EXPECT_NE(at, std::string::npos) << anchor;
    edited.insert(at + anchor.size(), extra);
    return edited;
  };
  for (const std::string& edited : {
           insert_after("{", R"("appId":"other-app",)"),                     // top level
           insert_after(R"("to":{)", R"("uid":"mallory",)"),                 // the recipient
           insert_after(R"("notificationDetails":{)", R"("type":"chat",)"),  // same value too
       }) {
    absl::StatusOr<Envelope> e = ParseEnvelope(edited);
    ASSERT_FALSE(e.ok()) << edited;
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(e.status().message()), HasSubstr("repeats a key")) << edited;
  }
  // Deep inside the message, in an array of objects.
  json doc = Chat();
  doc["data"]["notificationDetails"]["custom"]["list"] = json::array({{{"k", 1}}, {{"k", 2}}});
  std::string deep = doc.dump();
  const std::string anchor = R"({"k":2)";
  deep.insert(deep.find(anchor) + anchor.size(), R"(,"k":3)");
  EXPECT_FALSE(ParseEnvelope(deep).ok()) << deep;
  // The same key in two different objects is no duplicate.
  EXPECT_TRUE(ParseEnvelope(doc.dump()).ok());
}

TEST(ParseEnvelope, NamesTheBodysAppIdWhenItRefusesIt) {
  json doc = Chat();
  doc["data"]["to"].erase("uid");
  std::string app_id;
  ASSERT_FALSE(ParseEnvelope(doc.dump(), &app_id).ok());
  EXPECT_EQ(app_id, doc["appId"].get<std::string>());

  doc["appId"] = std::string(500, 'a');  // hostile: cut for the log
  app_id.clear();
  ASSERT_FALSE(ParseEnvelope(doc.dump(), &app_id).ok());
  EXPECT_EQ(app_id, std::string(kMaxLoggedAppIdBytes, 'a'));

  app_id.clear();
  ASSERT_FALSE(ParseEnvelope("{not json", &app_id).ok());
  EXPECT_EQ(app_id, "");
}

TEST(ParseEnvelope, ChecksTheNotificationType) {
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["notificationDetails"].erase("type"); },
      "data.notificationDetails.type");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["notificationDetails"]["type"] = "sms"; },
      "data.notificationDetails.type");
  ExpectRejected(
      Chat(), [](json& d) { d["data"]["notificationDetails"]["type"] = "CHAT"; },
      "data.notificationDetails.type");
}

TEST(ParseEnvelope, ChecksCallFields) {
  for (const char* action :
       {"initiated", "cancelled", "unanswered", "ongoing", "rejected", "ended", "busy"}) {
    ExpectAccepted(Call(),
                   [&](json& d) { d["data"]["notificationDetails"]["callAction"] = action; });
    EXPECT_TRUE(IsKnownCallAction(action));
  }
  ExpectRejected(
      Call(), [](json& d) { d["data"]["notificationDetails"]["callAction"] = "ring"; },
      "data.notificationDetails.callAction");
  ExpectRejected(
      Call(), [](json& d) { d["data"]["notificationDetails"].erase("callAction"); },
      "data.notificationDetails.callAction");
  ExpectRejected(
      Call(), [](json& d) { d["data"]["notificationDetails"].erase("sessionId"); },
      "data.notificationDetails.sessionId");
  ExpectRejected(
      Call(), [](json& d) { d["data"]["notificationDetails"]["sessionId"] = ""; },
      "data.notificationDetails.sessionId");
  ExpectRejected(
      Call(), [](json& d) { d["data"]["notificationDetails"]["sessionId"] = 7; },
      "data.notificationDetails.sessionId");
  // A chat never needs call fields, and ignores them when present.
  ExpectAccepted(Chat(), [](json& d) { d["data"]["notificationDetails"]["callAction"] = "x"; });
}

TEST(ParseEnvelope, AcceptsNumbersOrStringsForSentAtAndBadge) {
  for (const char* field : {"sentAt", "unreadMessageCount"}) {
    ExpectAccepted(Chat(), [&](json& d) { d["data"]["notificationDetails"][field] = "17"; });
    ExpectAccepted(Chat(), [&](json& d) { d["data"]["notificationDetails"][field] = 17; });
    ExpectAccepted(Chat(), [&](json& d) { d["data"]["notificationDetails"][field] = 1.5e12; });
    ExpectAccepted(Chat(), [&](json& d) { d["data"]["notificationDetails"].erase(field); });
    ExpectRejected(
        Chat(), [&](json& d) { d["data"]["notificationDetails"][field] = json::object(); },
        std::string("data.notificationDetails.") + field);
    ExpectRejected(
        Chat(), [&](json& d) { d["data"]["notificationDetails"][field] = true; },
        std::string("data.notificationDetails.") + field);
  }
}

TEST(ParseEnvelope, OptionalStringsMustBeStringsWhenPresent) {
  for (const char* field : {"tag", "conversationId", "sender"}) {
    ExpectRejected(
        Chat(), [&](json& d) { d["data"]["notificationDetails"][field] = 5; },
        std::string("data.notificationDetails.") + field);
    ExpectAccepted(Chat(), [&](json& d) { d["data"]["notificationDetails"][field] = nullptr; });
    ExpectAccepted(Chat(), [&](json& d) { d["data"]["notificationDetails"].erase(field); });
  }
}

TEST(ParseEnvelope, KeepsUnknownFieldsWithoutComplaint) {
  ExpectAccepted(Chat(), [](json& d) {
    d["futureField"] = {{"nested", {1, 2, 3}}};
    d["data"]["to"]["extra"] = true;
    d["data"]["notificationDetails"]["newThing"] = "x";
  });
}

TEST(ParseEnvelope, RejectsNonJsonAndNonObjects) {
  for (const char* body :
       {"", "not json", "{", "{\"a\":1} trailing", "{\"a\":1,}", "// comment\n{}", "\xff\xfe{}"}) {
    absl::StatusOr<Envelope> e = ParseEnvelope(body);
    ASSERT_FALSE(e.ok()) << body;
    EXPECT_THAT(std::string(e.status().message()), HasSubstr("not valid JSON")) << body;
  }
  for (const char* body : {"[]", "\"text\"", "42", "null", "true"}) {
    absl::StatusOr<Envelope> e = ParseEnvelope(body);
    ASSERT_FALSE(e.ok()) << body;
    EXPECT_THAT(std::string(e.status().message()), HasSubstr("JSON object")) << body;
  }
}

TEST(ParseEnvelope, RejectsInvalidUtf8InsideStrings) {
  std::string body = ReadFixture("chat.json");
  const size_t at = body.find("Hello!");
  ASSERT_NE(at, std::string::npos);
  body[at] = '\xc3';  // a lead byte followed by ASCII: malformed UTF-8
  EXPECT_FALSE(ParseEnvelope(body).ok());
}

TEST(ParseEnvelope, RejectsDeepNestingWithoutExhaustingTheStack) {
  json doc = Chat();
  std::string deep;
  for (size_t i = 0; i < 100000; ++i) deep += "[";
  for (size_t i = 0; i < 100000; ++i) deep += "]";
  std::string body = doc.dump();
  body.insert(body.size() - 1, ",\"deep\":" + deep);
  absl::StatusOr<Envelope> e = ParseEnvelope(body);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("deeper"));

  // Nesting within the limit is fine.
  std::string shallow;
  for (size_t i = 0; i < kMaxJsonDepth - 4; ++i) shallow += "[";
  for (size_t i = 0; i < kMaxJsonDepth - 4; ++i) shallow += "]";
  body = doc.dump();
  body.insert(body.size() - 1, ",\"ok\":" + shallow);
  EXPECT_TRUE(ParseEnvelope(body).ok()) << ParseEnvelope(body).status();
}

TEST(ParseEnvelope, HandlesLargeBodiesBeyondTheStackArena) {
  json doc = Chat();
  doc["data"]["notificationDetails"]["custom"]["blob"] = std::string(200 * 1024, 'x');
  for (int i = 0; i < 2000; ++i)
    doc["data"]["notificationDetails"]["custom"]["k" + std::to_string(i)] = i;
  absl::StatusOr<Envelope> e = ParseEnvelope(doc.dump());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->uid, doc["data"]["to"]["uid"].get<std::string>());
}

TEST(ParseEnvelope, ErrorMessagesNeverEchoValues) {
  json doc = Chat();
  doc["trigger"] = "SECRET-VALUE-1";
  doc["data"]["notificationDetails"]["type"] = "SECRET-VALUE-2";
  absl::StatusOr<Envelope> e = ParseEnvelope(doc.dump());
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(std::string(e.status().message()), ::testing::Not(HasSubstr("SECRET")));
}

}  // namespace
}  // namespace pushgate::webhook
