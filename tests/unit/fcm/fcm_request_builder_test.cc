#include "providers/fcm_request_builder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "fcm_test_util.h"

namespace pushgate::providers {
namespace {

using nlohmann::json;

const absl::Time kNow = absl::FromUnixSeconds(1'741'847'460);
const char kToken[] = "fcm-token-abc:APA91bH_example";
const char kProject[] = "pushgate-test";

NotificationContent Fixture(const std::string& name) {
  auto c = ParseStoredPayload(fcm_testing::ReadFixture(name));
  if (!c.ok()) throw std::runtime_error(std::string(c.status().message()));
  return *c;
}

domain::Registration Reg(const std::string& os) {
  domain::Registration r;
  r.id = 9;
  r.input.app_id = "app123";
  r.input.uid = "cometchat-uid-2";
  r.input.platform = domain::Platform::kFcm;
  r.input.token = kToken;
  r.input.fcm_os = os;
  return r;
}

FcmBuildOptions Options() {
  FcmBuildOptions o;
  o.android_channel_id = "chat_messages";
  return o;
}

json Golden(const std::string& name) {
  std::ifstream in(std::string(PUSHGATE_FCM_GOLDEN_DIR) + "/" + name);
  if (!in) throw std::runtime_error("no golden file " + name);
  return json::parse(in);
}

// FCM's rule: data is map<string,string>, and no reserved keys.
void ExpectStringOnlyData(const json& message) {
  ASSERT_TRUE(message.contains("data"));
  for (const auto& [k, v] : message["data"].items()) {
    EXPECT_TRUE(v.is_string()) << k << " is not a string";
    EXPECT_FALSE(IsReservedFcmDataKey(k)) << k;
  }
}

struct Case {
  const char* fixture;
  const char* os;
  const char* golden;
};

class Fixtures : public ::testing::TestWithParam<Case> {};

// Each fixture for each device kind → exactly the JSON in golden/ (reviewed by hand).
TEST_P(Fixtures, BuildExactJson) {
  const Case& c = GetParam();
  auto r = BuildFcmRequest(Fixture(c.fixture), Reg(c.os), kProject, kNow, Options());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->path, "/v1/projects/pushgate-test/messages:send");
  const json body = json::parse(r->body);
  if (std::getenv("PUSHGATE_UPDATE_GOLDEN") != nullptr) {
    // Regenerates the expectations; review the diff before committing it.
    std::ofstream(std::string(PUSHGATE_FCM_GOLDEN_DIR) + "/" + c.golden) << body.dump(2) << "\n";
  }
  EXPECT_EQ(body, Golden(c.golden)) << body.dump(2);
  ExpectStringOnlyData(body["message"]);
  EXPECT_LE(r->payload_bytes, 4096u);
  EXPECT_FALSE(r->dropped_message || r->dropped_custom || r->truncated_body);
}

INSTANTIATE_TEST_SUITE_P(
    All, Fixtures,
    ::testing::Values(Case{"chat.json", "android", "chat_android.json"},
                      Case{"chat.json", "ios", "chat_ios.json"},
                      Case{"chat.json", "web", "chat_web.json"},
                      Case{"call.json", "android", "call_android.json"},
                      Case{"call.json", "ios", "call_ios.json"},
                      Case{"reaction.json", "android", "reaction_android.json"},
                      Case{"group_action.json", "", "group_action_android.json"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string n = info.param.golden;
      return n.substr(0, n.find('.'));
    });

TEST(FcmRequestBuilder, UnreadCountIsAStringInData) {
  auto r = BuildFcmRequest(Fixture("chat.json"), Reg("android"), kProject, kNow, Options());
  ASSERT_TRUE(r.ok());
  const json m = json::parse(r->body)["message"];
  EXPECT_EQ(m["data"]["unreadMessageCount"], "5");
  EXPECT_EQ(m["data"]["message"].get<std::string>().front(), '{');
  EXPECT_EQ(m["data"]["custom"], R"({"priority":"high"})");
}

TEST(FcmRequestBuilder, EveryCallActionOnAndroidIsDataOnlyAndHigh) {
  for (const char* action :
       {"initiated", "cancelled", "unanswered", "ongoing", "rejected", "ended", "busy"}) {
    auto content = Fixture("call.json");
    content.call_action = action;
    auto r = BuildFcmRequest(content, Reg("android"), kProject, kNow, Options());
    ASSERT_TRUE(r.ok()) << action;
    EXPECT_TRUE(r->data_only);
    const json m = json::parse(r->body)["message"];
    EXPECT_FALSE(m.contains("notification")) << action;
    EXPECT_EQ(m["android"]["priority"], "HIGH");
    EXPECT_EQ(m["android"]["collapse_key"], "v1.123.aik2");
    EXPECT_EQ(m["data"]["callAction"], action);
    EXPECT_EQ(m["data"]["title"], "Caller");  // no notification: the text travels in data
    // Only a ringing call goes stale fast.
    EXPECT_EQ(m["android"].contains("ttl"), std::string(action) == "initiated") << action;
    ExpectStringOnlyData(m);
  }
}

TEST(FcmRequestBuilder, CallsOnIosThroughFcmAreRegularAlerts) {
  auto r = BuildFcmRequest(Fixture("call.json"), Reg("ios"), kProject, kNow, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->data_only);
  const json m = json::parse(r->body)["message"];
  EXPECT_EQ(m["notification"]["body"], "AUDIO CALL");
  EXPECT_EQ(m["apns"]["headers"]["apns-push-type"], "alert");
  EXPECT_EQ(m["apns"]["headers"]["apns-expiration"], std::to_string(1'741'847'460 + 30));
  EXPECT_FALSE(m.contains("android"));
}

TEST(FcmRequestBuilder, SizeRuleDropsMessageThenCustomThenCutsTheBody) {
  auto content = Fixture("chat.json");
  FcmBuildOptions o = Options();
  auto full = BuildFcmRequest(content, Reg("android"), kProject, kNow, o);
  ASSERT_TRUE(full.ok());

  o.max_payload_bytes = full->payload_bytes - 1;
  auto r = BuildFcmRequest(content, Reg("android"), kProject, kNow, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->dropped_message);
  EXPECT_FALSE(r->dropped_custom);
  EXPECT_FALSE(json::parse(r->body)["message"]["data"].contains("message"));
  EXPECT_TRUE(json::parse(r->body)["message"]["data"].contains("custom"));

  // A body of multi-byte characters over any limit: cut on a UTF-8 boundary, with an ellipsis.
  content.body.clear();
  for (int i = 0; i < 2000; ++i) content.body += "\xC3\xA9";  // é
  o.max_payload_bytes = 4096;
  r = BuildFcmRequest(content, Reg("ios"), kProject, kNow, o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->dropped_message);
  EXPECT_TRUE(r->dropped_custom);
  EXPECT_TRUE(r->truncated_body);
  EXPECT_LE(r->payload_bytes, 4096u);
  EXPECT_GT(r->payload_bytes, 4000u);              // as much as fits
  const json m = json::parse(r->body)["message"];  // parse fails on broken UTF-8
  const std::string body = m["notification"]["body"];
  EXPECT_EQ(body.substr(body.size() - 3), "\xE2\x80\xA6");
  EXPECT_EQ(m["apns"]["payload"]["aps"]["alert"]["body"], body);
  // The measured size is the message without its token.
  json without_token = m;
  without_token.erase("token");
  EXPECT_EQ(without_token.dump().size(), r->payload_bytes);

  o.max_payload_bytes = 100;  // not even the fixed fields fit
  EXPECT_EQ(BuildFcmRequest(content, Reg("android"), kProject, kNow, o).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST(FcmRequestBuilder, RejectsWhatCannotBeSent) {
  const auto content = Fixture("chat.json");
  auto reg = Reg("android");
  reg.input.platform = domain::Platform::kApns;
  EXPECT_EQ(BuildFcmRequest(content, reg, kProject, kNow, Options()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(BuildFcmRequest(content, Reg("android"), "", kNow, Options()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(BuildFcmRequest(content, Reg("symbian"), kProject, kNow, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
  reg = Reg("android");
  reg.input.token.clear();
  EXPECT_EQ(BuildFcmRequest(content, reg, kProject, kNow, Options()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FcmRequestBuilder, ReservedKeys) {
  EXPECT_TRUE(IsReservedFcmDataKey("from"));
  EXPECT_TRUE(IsReservedFcmDataKey("gcm"));
  EXPECT_TRUE(IsReservedFcmDataKey("google.c.a.e"));
  EXPECT_FALSE(IsReservedFcmDataKey("sender"));
  EXPECT_FALSE(IsReservedFcmDataKey("type"));
}

TEST(FcmRequestBuilder, NoEmptyNotificationBlock) {
  auto content = Fixture("chat.json");
  content.title.clear();
  content.body.clear();
  auto r = BuildFcmRequest(content, Reg("android"), kProject, kNow, Options());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(json::parse(r->body)["message"].contains("notification"));
}

}  // namespace
}  // namespace pushgate::providers
