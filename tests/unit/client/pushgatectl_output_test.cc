#include "pushgatectl_output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::ctl {
namespace {

namespace pb = ::pushgate::v1;
using ::testing::HasSubstr;
using ::testing::Not;

pb::Registration Reg(std::string id, std::string token) {
  pb::Registration r;
  r.set_id(std::move(id));
  r.set_uid("alice");
  r.set_session_id("s1");
  r.set_platform(pb::PLATFORM_FCM);
  r.set_token(std::move(token));
  r.set_state(pb::REGISTRATION_STATE_ACTIVE);
  r.mutable_update_time()->set_seconds(1'700'000'000);
  return r;
}

TEST(Output, TokensTable) {
  pb::ListTokensResponse resp;
  *resp.add_registrations() = Reg("12", "short");
  pb::Registration gone = Reg("7", std::string(100, 'x'));
  gone.set_state(pb::REGISTRATION_STATE_INACTIVE);
  gone.set_inactive_reason(pb::INACTIVE_REASON_SESSION_ENDED);
  *resp.add_registrations() = gone;
  resp.set_next_page_token("Nw");
  const std::string out = FormatTokens(resp);
  EXPECT_THAT(out, HasSubstr("ID"));
  EXPECT_THAT(out, HasSubstr("active"));
  EXPECT_THAT(out, HasSubstr("session_ended"));
  EXPECT_THAT(out, HasSubstr("2023-11-14T22:13:20Z"));
  EXPECT_THAT(out, Not(HasSubstr(std::string(100, 'x'))));  // shortened
  EXPECT_THAT(out, HasSubstr("more: --page_token Nw"));
  EXPECT_EQ(FormatTokens(pb::ListTokensResponse()), "no registrations\n");
}

TEST(Output, JsonUsesProtoFieldNames) {
  pb::RegisterTokenResponse resp;
  *resp.mutable_registration() = Reg("12", "tok");
  resp.set_created(true);
  const std::string json = ToJson(resp);
  EXPECT_THAT(json, HasSubstr("\"session_id\":\"s1\""));
  EXPECT_THAT(json, HasSubstr("\"created\":true"));
  EXPECT_THAT(json, HasSubstr("\"platform\":\"PLATFORM_FCM\""));
  EXPECT_EQ(json.back(), '\n');
}

TEST(Output, RegisteredEndedAndErrors) {
  pb::RegisterTokenResponse resp;
  *resp.mutable_registration() = Reg("12", "tok");
  resp.set_moved(true);
  EXPECT_THAT(FormatRegistered(resp), HasSubstr("refreshed (moved"));
  EXPECT_EQ(FormatEnded(1), "ended 1 registration\n");
  EXPECT_EQ(FormatEnded(0), "ended 0 registrations\n");
  EXPECT_EQ(FormatError(absl::UnavailableError("write queue full")),
            "error: UNAVAILABLE: write queue full\n");
}

}  // namespace
}  // namespace pushgate::ctl
