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

config::ApiKey Key(std::string name, std::string value, config::Role role = config::Role::kAdmin) {
  config::ApiKey k;
  k.name = std::move(name);
  k.role = role;
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

std::vector<std::string> AppsOf(const Principal& p) {
  std::vector<std::string> apps;
  for (const auto& [app, role] : p.roles) apps.push_back(app);
  return apps;
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
  EXPECT_THAT(AppsOf(*p), ElementsAre("app-a"));
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
  EXPECT_THAT(AppsOf(*p), ElementsAre("app-b", "app-c"));
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

// The role table of the issue: register may register and unregister only; read may list
// tokens and read deliveries; admin may do all of it, retry included.
TEST(ApiKeyRoles, EachRoleGrantsExactlyItsPermissions) {
  using config::Role;
  struct Row {
    Role role;
    bool registry_write, registry_read, deliveries_read, deliveries_retry;
  };
  for (const Row& row :
       {Row{Role::kRegister, true, false, false, false}, Row{Role::kRead, false, true, true, false},
        Row{Role::kAdmin, true, true, true, true}}) {
    SCOPED_TRACE(std::string(config::RoleName(row.role)));
    ApiKeyAuthenticator auth({App("app-a", {Key("k", "the-key", row.role)})});
    auto p = auth.Authenticate({"Bearer the-key"});
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(Authorize(*p, "app-a", Access::kRegistryWrite).ok(), row.registry_write);
    EXPECT_EQ(Authorize(*p, "app-a", Access::kRegistryRead).ok(), row.registry_read);
    EXPECT_EQ(Authorize(*p, "app-a", Access::kDeliveriesRead).ok(), row.deliveries_read);
    EXPECT_EQ(Authorize(*p, "app-a", Access::kDeliveriesWrite).ok(), row.deliveries_retry);
  }
}

TEST(ApiKeyRoles, RefusalNamesTheMissingPermissionAndTheGrantingRolesOnly) {
  ApiKeyAuthenticator auth({App("app-a", {Key("mobile", "m-key", config::Role::kRegister),
                                          Key("ops", "o-key", config::Role::kAdmin)})});
  auto p = auth.Authenticate({"Bearer m-key"});
  ASSERT_TRUE(p.ok());
  absl::Status s = Authorize(*p, "app-a", Access::kRegistryRead);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(),
            "API key 'mobile' (role register) lacks permission 'registry.read' on app 'app-a'; "
            "role read or admin grants it");
  // Neither the other key's name nor any key value leaks.
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("ops")));
  EXPECT_THAT(std::string(s.message()), Not(HasSubstr("key'")));
  EXPECT_THAT(std::string(Authorize(*p, "app-a", Access::kDeliveriesWrite).message()),
              HasSubstr("'deliveries.retry' on app 'app-a'; role admin grants it"));
}

TEST(ApiKeyRoles, HashedKeyCarriesItsRole) {
  ApiKeyAuthenticator auth({App(
      "app-a", {Key("reader", "sha256:" + HexEncode(Sha256("read-key")), config::Role::kRead)})});
  auto p = auth.Authenticate({"Bearer read-key"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->key_id, "app-a/reader");
  EXPECT_TRUE(Authorize(*p, "app-a", Access::kDeliveriesRead).ok());
  EXPECT_EQ(Authorize(*p, "app-a", Access::kRegistryWrite).code(),
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
