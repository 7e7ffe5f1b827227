#include "webhook/authorizer.h"

#include "common/crypto.h"
#include "gtest/gtest.h"

namespace pushgate::webhook {
namespace {

config::App MakeApp(std::string id, std::vector<std::pair<std::string, std::string>> pairs,
                    bool allow_unauthenticated = false) {
  config::App app;
  app.app_id = std::move(id);
  for (auto& [user, password] : pairs) {
    config::BasicAuthCredential c;
    c.username = user;
    c.password.value = password;
    app.webhook.basic_auth.push_back(std::move(c));
  }
  app.webhook.allow_unauthenticated = allow_unauthenticated;
  return app;
}

std::string Basic(const std::string& user, const std::string& password) {
  return "Basic " + Base64Encode(user + ":" + password);
}

class AuthorizerTest : public ::testing::Test {
 protected:
  std::vector<config::App> apps_ = {
      MakeApp("app-a", {{"a-user", "a-old"}, {"a-user", "a-new"}}),
      MakeApp("app-b", {{"b-user", "b-pass"}}),
      MakeApp("app-open", {{"o-user", "o-pass"}}, /*allow_unauthenticated=*/true),
  };

  AuthOutcome Decide(const WebhookAuthorizer& authorizer, const std::string& header,
                     const std::string& app_id) {
    const WebhookAuthorizer::Caller caller = authorizer.Identify(header);
    if (!authorizer.MayReadBody(caller)) return AuthOutcome::kUnauthenticated;
    return authorizer.Authorize(caller, app_id).outcome;
  }
};

TEST_F(AuthorizerTest, ValidCredentialsForTheBodysAppAreAllowed) {
  WebhookAuthorizer authorizer(apps_);
  const WebhookAuthorizer::Caller caller = authorizer.Identify(Basic("a-user", "a-new"));
  ASSERT_TRUE(authorizer.MayReadBody(caller));
  const AuthDecision d = authorizer.Authorize(caller, "app-a");
  EXPECT_EQ(d.outcome, AuthOutcome::kAllowed);
  EXPECT_EQ(d.app, &apps_[0]);
  // Rotation: the old pair still works.
  EXPECT_EQ(Decide(authorizer, Basic("a-user", "a-old"), "app-a"), AuthOutcome::kAllowed);
}

TEST_F(AuthorizerTest, MissingOrWrongCredentialsAre401BeforeTheBodyIsRead) {
  std::vector<config::App> closed = {apps_[0], apps_[1]};
  WebhookAuthorizer authorizer(closed);
  for (const std::string& header :
       {std::string(), Basic("a-user", "wrong"), Basic("nobody", "a-new"), std::string("Basic ???"),
        std::string("Bearer token")}) {
    EXPECT_FALSE(authorizer.MayReadBody(authorizer.Identify(header))) << header;
  }
}

TEST_F(AuthorizerTest, CredentialsOfAnotherAppAre403) {
  WebhookAuthorizer authorizer(apps_);
  EXPECT_EQ(Decide(authorizer, Basic("b-user", "b-pass"), "app-a"), AuthOutcome::kForbidden);
}

TEST_F(AuthorizerTest, UnknownAppIs404OnlyForAuthenticatedCallers) {
  WebhookAuthorizer authorizer(apps_);
  EXPECT_EQ(Decide(authorizer, Basic("b-user", "b-pass"), "no-such-app"), AuthOutcome::kUnknownApp);
  // Without a valid credential an unknown app looks exactly like a known closed one.
  EXPECT_EQ(Decide(authorizer, "", "no-such-app"), AuthOutcome::kUnauthenticated);
  EXPECT_EQ(Decide(authorizer, "", "app-a"), AuthOutcome::kUnauthenticated);
  EXPECT_EQ(Decide(authorizer, Basic("x", "y"), "no-such-app"), AuthOutcome::kUnauthenticated);
}

TEST_F(AuthorizerTest, AllowUnauthenticatedAppliesOnlyToThatAppAndOnlyWithoutAHeader) {
  WebhookAuthorizer authorizer(apps_);
  EXPECT_EQ(Decide(authorizer, "", "app-open"), AuthOutcome::kAllowed);
  EXPECT_EQ(Decide(authorizer, "", "app-b"), AuthOutcome::kUnauthenticated);
  EXPECT_EQ(Decide(authorizer, Basic("o-user", "wrong"), "app-open"),
            AuthOutcome::kUnauthenticated);
  EXPECT_EQ(Decide(authorizer, Basic("o-user", "o-pass"), "app-open"), AuthOutcome::kAllowed);
}

TEST_F(AuthorizerTest, SharedCredentialsServeEveryAppThatListsThem) {
  apps_.push_back(MakeApp("app-c", {{"b-user", "b-pass"}}));
  WebhookAuthorizer authorizer(apps_);
  EXPECT_EQ(Decide(authorizer, Basic("b-user", "b-pass"), "app-b"), AuthOutcome::kAllowed);
  EXPECT_EQ(Decide(authorizer, Basic("b-user", "b-pass"), "app-c"), AuthOutcome::kAllowed);
}

TEST_F(AuthorizerTest, FindsAppsById) {
  WebhookAuthorizer authorizer(apps_);
  EXPECT_EQ(authorizer.FindApp("app-b"), &apps_[1]);
  EXPECT_EQ(authorizer.FindApp("app-"), nullptr);
}

}  // namespace
}  // namespace pushgate::webhook
