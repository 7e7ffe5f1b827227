#include "grpc/api_key_auth.h"

#include <cctype>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::grpc_api {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

config::ApiKey Key(std::string name, std::string value) {
  config::ApiKey k;
  k.name = std::move(name);
  k.key.value = std::move(value);
  k.key.source = "inline";
  return k;
}

config::App App(std::string id, std::vector<config::ApiKey> keys) {
  config::App a;
  a.app_id = std::move(id);
  a.api_keys = std::move(keys);
  return a;
}

std::string HexEncodeUpper(const std::string& secret) {
  std::string hex = HexEncode(Sha256(secret));
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

std::vector<config::App> Apps() {
  return {
      App("app-a", {Key("backend-a", "secret-a-1"),
                    Key("hashed-a", "sha256:" + HexEncode(Sha256("hashed-secret")))}),
      App("app-b", {Key("backend-b", "secret-b-1"),
                    // Upper-case hex is accepted too.
                    Key("shared-b", "sha256:" + HexEncodeUpper("shared-secret"))}),
      App("app-c", {Key("shared-c", "shared-secret")}),
  };
}

class ApiKeyAuthTest : public ::testing::Test {
 protected:
  absl::StatusOr<Principal> Auth(std::vector<std::string_view> headers) {
    return auth_.Authenticate(headers);
  }
  ApiKeyAuthenticator auth_{Apps()};
};

TEST_F(ApiKeyAuthTest, PlainKeyGrantsItsApp) {
  auto p = Auth({"Bearer secret-a-1"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->key_name, "backend-a");
  EXPECT_THAT(p->apps, ElementsAre("app-a"));
  EXPECT_TRUE(Authorize(*p, "app-a", Access::kRegistryWrite).ok());
}

TEST_F(ApiKeyAuthTest, HashedKeyComparesSha256OfPresentedKey) {
  auto p = Auth({"Bearer hashed-secret"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->key_name, "hashed-a");
  // The hash itself is not a key.
  auto hash_as_key = Auth({"Bearer " + HexEncode(Sha256("hashed-secret"))});
  EXPECT_EQ(hash_as_key.status().code(), absl::StatusCode::kUnauthenticated);
  auto with_prefix = Auth({"Bearer sha256:" + HexEncode(Sha256("hashed-secret"))});
  EXPECT_EQ(with_prefix.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(ApiKeyAuthTest, SameKeyInSeveralAppsGrantsAll) {
  // Configured hashed for app-b and in clear for app-c.
  auto p = Auth({"Bearer shared-secret"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->apps, ElementsAre("app-b", "app-c"));
  EXPECT_TRUE(Authorize(*p, "app-b", Access::kRegistryRead).ok());
  EXPECT_TRUE(Authorize(*p, "app-c", Access::kDeliveriesWrite).ok());
  EXPECT_FALSE(Authorize(*p, "app-a", Access::kRegistryRead).ok());
}

TEST_F(ApiKeyAuthTest, SchemeIsCaseInsensitive) {
  EXPECT_TRUE(Auth({"bearer secret-a-1"}).ok());
  EXPECT_TRUE(Auth({"BEARER  secret-a-1 "}).ok());
}

TEST_F(ApiKeyAuthTest, MissingOrGarbledHeaderIsUnauthenticated) {
  for (std::vector<std::string_view> headers : {std::vector<std::string_view>{},
                                                {""},
                                                {"Bearer"},
                                                {"Bearer "},
                                                {"secret-a-1"},
                                                {"Basic c2VjcmV0LWEtMQ=="},
                                                {"Bearersecret-a-1"},
                                                {"Bearer secret-a-1 extra"},
                                                // Two headers are ambiguous even if one is right.
                                                {"Bearer secret-a-1", "Bearer secret-a-1"}}) {
    auto p = Auth(headers);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(p.status().message(), "missing bearer token");
  }
}

TEST_F(ApiKeyAuthTest, UnknownKeyIsUnauthenticatedAndNotEchoed) {
  for (std::string_view header :
       {"Bearer wrong-key", "Bearer secret-a-", "Bearer secret-a-12", "Bearer SECRET-A-1"}) {
    auto p = Auth({header});
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(p.status().message(), "unknown API key");
  }
}

TEST_F(ApiKeyAuthTest, OtherAppIsPermissionDeniedNamingTheKeyNotItsValue) {
  auto p = Auth({"Bearer secret-a-1"});
  ASSERT_TRUE(p.ok());
  absl::Status s = Authorize(*p, "app-b", Access::kRegistryWrite);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "API key 'backend-a' may not access app 'app-b'");
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("secret")));
  EXPECT_EQ(Authorize(*p, "unconfigured", Access::kRegistryRead).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ApiKeyAuth, MalformedAndEmptyKeysNeverMatch) {
  ApiKeyAuthenticator auth(
      {App("app-a", {Key("bad-hash", "sha256:xyz"), Key("short", "sha256:ab"), Key("empty", "")})});
  EXPECT_THAT(auth.MalformedKeyNames(), ElementsAre("bad-hash", "short", "empty"));
  for (std::string_view header : {"Bearer xyz", "Bearer sha256:xyz", "Bearer ab"}) {
    EXPECT_EQ(auth.Authenticate({header}).status().code(), absl::StatusCode::kUnauthenticated);
  }
}

TEST(ApiKeyAuth, NoKeysConfiguredRejectsEveryone) {
  ApiKeyAuthenticator auth(std::vector<config::App>{App("app-a", {})});
  EXPECT_EQ(auth.Authenticate({"Bearer anything"}).status().message(), "unknown API key");
}

TEST(ParseBearer, Forms) {
  EXPECT_EQ(ParseBearer("Bearer abc"), "abc");
  EXPECT_EQ(ParseBearer("bearer\tabc"), "abc");
  EXPECT_EQ(ParseBearer("Bearer   abc  "), "abc");
  EXPECT_EQ(ParseBearer("Bearer"), std::nullopt);
  EXPECT_EQ(ParseBearer("Bearer a b"), std::nullopt);
  EXPECT_EQ(ParseBearer("Token abc"), std::nullopt);
}

}  // namespace
}  // namespace pushgate::grpc_api
