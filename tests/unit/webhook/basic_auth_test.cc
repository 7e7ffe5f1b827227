#include "webhook/basic_auth.h"

#include "common/crypto.h"
#include "gtest/gtest.h"

namespace pushgate::webhook {
namespace {

std::string Header(const std::string& user_colon_password) {
  return "Basic " + Base64Encode(user_colon_password);
}

config::BasicAuthCredential Pair(std::string user, std::string password) {
  config::BasicAuthCredential c;
  c.username = std::move(user);
  c.password.value = std::move(password);
  return c;
}

TEST(ParseBasicAuthorization, DecodesUserAndPassword) {
  auto c = ParseBasicAuthorization(Header("cometchat:s3cret"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "cometchat");
  EXPECT_EQ(c->password, "s3cret");
}

TEST(ParseBasicAuthorization, SplitsAtTheFirstColonOnly) {
  auto c = ParseBasicAuthorization(Header("user:pa:ss:word"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "user");
  EXPECT_EQ(c->password, "pa:ss:word");
  auto empty = ParseBasicAuthorization(Header(":"));
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->username, "");
  EXPECT_EQ(empty->password, "");
}

TEST(ParseBasicAuthorization, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(ParseBasicAuthorization("basic " + Base64Encode("a:b")).has_value());
  EXPECT_TRUE(ParseBasicAuthorization("BASIC " + Base64Encode("a:b")).has_value());
}

TEST(ParseBasicAuthorization, RejectsMalformedValues) {
  EXPECT_FALSE(ParseBasicAuthorization("").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic ").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Bearer " + Base64Encode("a:b")).has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basicx" + Base64Encode("a:b")).has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic !!!notbase64").has_value());
  EXPECT_FALSE(ParseBasicAuthorization(Header("no-colon")).has_value());
}

std::vector<std::string> Joined(const std::vector<config::BasicAuthCredential>& pairs) {
  std::vector<std::string> joined;
  for (const auto& pair : pairs) {
    if (auto j = JoinCredential(pair)) joined.push_back(*j);
  }
  return joined;
}

TEST(MatchesAnyCredential, AcceptsAnyConfiguredPairForRotation) {
  const auto joined = Joined({Pair("old", "pw1"), Pair("new", "pw2")});
  EXPECT_TRUE(MatchesAnyCredential(joined, "old:pw1"));
  EXPECT_TRUE(MatchesAnyCredential(joined, "new:pw2"));
  EXPECT_FALSE(MatchesAnyCredential(joined, "old:pw2"));  // parts from different pairs
  EXPECT_FALSE(MatchesAnyCredential(joined, "new:pw"));
  EXPECT_FALSE(MatchesAnyCredential(joined, "new:pw22"));
  EXPECT_FALSE(MatchesAnyCredential(joined, ":"));
  EXPECT_FALSE(MatchesAnyCredential({}, "old:pw1"));
}

TEST(MatchesAnyCredential, WorksOnWhatTheHeaderDecodesTo) {
  const auto joined = Joined({Pair("cometchat", "pa:ss")});
  auto presented = DecodeBasicAuthorization(Header("cometchat:pa:ss"));
  ASSERT_TRUE(presented.has_value());
  EXPECT_TRUE(MatchesAnyCredential(joined, *presented));
}

TEST(JoinCredential, RefusesUsernamesWithAColon) {
  EXPECT_EQ(JoinCredential(Pair("user", "p:w")), "user:p:w");
  EXPECT_FALSE(JoinCredential(Pair("us:er", "pw")).has_value());
  // So "us:er"/"pw" cannot be matched by a client sending "us" / "er:pw".
  EXPECT_FALSE(MatchesAnyCredential(Joined({Pair("us:er", "pw")}), "us:er:pw"));
}

}  // namespace
}  // namespace pushgate::webhook
