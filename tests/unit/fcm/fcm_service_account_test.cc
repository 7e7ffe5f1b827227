#include "providers/fcm_service_account.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fcm_test_util.h"

namespace pushgate::providers {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(FcmServiceAccount, ParsesTheFieldsWeUse) {
  // dump() writes the PEM's newlines as "\n" escapes, as in Google's file.
  const std::string text = fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey()).dump(2);
  ASSERT_THAT(text, HasSubstr("\\n"));
  auto sa = ParseFcmServiceAccount(text);
  ASSERT_TRUE(sa.ok()) << sa.status();
  EXPECT_EQ(sa->project_id, "pushgate-test");
  EXPECT_EQ(sa->private_key_id, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(sa->client_email, "firebase-adminsdk@pushgate-test.iam.gserviceaccount.com");
  EXPECT_EQ(sa->token_uri, "https://oauth2.googleapis.com/token");
  EXPECT_TRUE(sa->private_key.valid());
}

class MissingField : public ::testing::TestWithParam<std::string> {};

TEST_P(MissingField, IsNamedInTheError) {
  nlohmann::json j = fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey());
  j.erase(GetParam());
  auto sa = ParseFcmServiceAccount(j.dump());
  ASSERT_EQ(sa.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(sa.status().message()), HasSubstr("'" + GetParam() + "'"));
}

INSTANTIATE_TEST_SUITE_P(Fields, MissingField,
                         ::testing::Values("type", "project_id", "private_key_id", "private_key",
                                           "client_email", "token_uri"));

TEST(FcmServiceAccount, RejectsOtherTypesAndShapes) {
  nlohmann::json j = fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey());
  j["type"] = "authorized_user";
  EXPECT_THAT(std::string(ParseFcmServiceAccount(j.dump()).status().message()),
              HasSubstr("service_account"));
  j = fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey());
  j["project_id"] = 12;
  EXPECT_THAT(std::string(ParseFcmServiceAccount(j.dump()).status().message()),
              HasSubstr("'project_id'"));
  EXPECT_EQ(ParseFcmServiceAccount("{").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseFcmServiceAccount("[]").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FcmServiceAccount, BadKeyIsReportedWithoutQuotingIt) {
  nlohmann::json j = fcm_testing::ServiceAccountJson(fcm_testing::TestRsaKey());
  j["private_key"] = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n";
  auto sa = ParseFcmServiceAccount(j.dump());
  ASSERT_EQ(sa.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(sa.status().message()), HasSubstr("private_key"));
  EXPECT_THAT(std::string(sa.status().message()), Not(HasSubstr("SECRETSECRET")));
}

}  // namespace
}  // namespace pushgate::providers
