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

TEST(MatchesAnyPair, AcceptsAnyConfiguredPairForRotation) {
  const std::vector<config::BasicAuthCredential> pairs = {Pair("old", "pw1"), Pair("new", "pw2")};
  EXPECT_TRUE(MatchesAnyPair(pairs, {"old", "pw1"}));
  EXPECT_TRUE(MatchesAnyPair(pairs, {"new", "pw2"}));
  EXPECT_FALSE(MatchesAnyPair(pairs, {"old", "pw2"}));  // fields from different pairs
  EXPECT_FALSE(MatchesAnyPair(pairs, {"new", "pw"}));
  EXPECT_FALSE(MatchesAnyPair(pairs, {"new", "pw22"}));
  EXPECT_FALSE(MatchesAnyPair(pairs, {"", ""}));
  EXPECT_FALSE(MatchesAnyPair({}, {"old", "pw1"}));
}

}  // namespace
}  // namespace pushgate::webhook
