#include "admin/admin_request.h"

#include "common/crypto.h"
#include "gtest/gtest.h"

namespace pushgate::admin {
namespace {

config::BasicAuthCredential Admin() { return {"ops", config::Secret{"s3cret:pw", "inline"}}; }

std::string Basic(const std::string& user_pass) { return "Basic " + Base64Encode(user_pass); }

TEST(IsAdminAuthorized, OnlyTheExactUserAndPasswordPass) {
  EXPECT_TRUE(IsAdminAuthorized(Basic("ops:s3cret:pw"), Admin()));
  EXPECT_TRUE(IsAdminAuthorized("basic " + Base64Encode("ops:s3cret:pw"), Admin()));
  EXPECT_FALSE(IsAdminAuthorized(Basic("ops:s3cret"), Admin()));
  EXPECT_FALSE(IsAdminAuthorized(Basic("ops:s3cret:pwx"), Admin()));
  EXPECT_FALSE(IsAdminAuthorized(Basic("Ops:s3cret:pw"), Admin()));
  EXPECT_FALSE(IsAdminAuthorized(Basic("ops"), Admin()));
  EXPECT_FALSE(IsAdminAuthorized("", Admin()));
  EXPECT_FALSE(IsAdminAuthorized("Bearer ops:s3cret:pw", Admin()));
  EXPECT_FALSE(IsAdminAuthorized("Basic !!!", Admin()));
}

TEST(ParseQuery, DecodesPercentAndPlusAndKeepsTheFirstOfRepeatedNames) {
  auto q = ParseQuery("/user?uid=a%20b%3Cscript%3E&app=app+123&uid=second&flag&=x#frag");
  EXPECT_EQ(q["uid"], "a b<script>");
  EXPECT_EQ(q["app"], "app 123");
  EXPECT_EQ(q.count("flag"), 1u);
  EXPECT_EQ(q["flag"], "");
  EXPECT_TRUE(ParseQuery("/user").empty());
  EXPECT_TRUE(ParseQuery("/user?").empty());
}

TEST(ParseQuery, AMalformedEscapeStaysAsSent) {
  auto q = ParseQuery("/user?uid=100%&a=%zz&b=%4");
  EXPECT_EQ(q["uid"], "100%");
  EXPECT_EQ(q["a"], "%zz");
  EXPECT_EQ(q["b"], "%4");
}

}  // namespace
}  // namespace pushgate::admin
