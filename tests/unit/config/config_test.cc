#include "config/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "config/demo_defaults.h"
#include "config/reload_diff.h"
#include "gtest/gtest.h"

namespace pushgate::config {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const char kMinimal[] = R"({
  "apps": [{
    "app_id": "app123",
    "webhook": {"basic_auth": [{"username": "cc", "password": {"env": "CC_PASS"}}]},
    "api_keys": [{"name": "backend", "key": {"env": "API_KEY"}, "role": "register"}]
  }]
})";

TEST(ConfigTest, MinimalConfigTakesDefaultsAndResolvesSecretsFromEnv) {
  auto config = ParseConfig(kMinimal, FakeEnv({{"CC_PASS", "s3cret"}, {"API_KEY", "k1"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http.address, "127.0.0.1:8080");
  EXPECT_EQ(config->grpc.address, "127.0.0.1:50051");
  EXPECT_EQ(config->http.max_body_bytes, 256u * 1024);
  EXPECT_EQ(config->store.synchronous, "full");
  EXPECT_EQ(config->registry.max_registrations_per_user, 100);
  ASSERT_EQ(config->apps.size(), 1u);
  const App* app = config->FindApp("app123");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(config->FindApp("other"), nullptr);
  ASSERT_EQ(app->webhook.basic_auth.size(), 1u);
  EXPECT_EQ(app->webhook.basic_auth[0].password.value, "s3cret");
  EXPECT_EQ(app->webhook.basic_auth[0].password.source, "env:CC_PASS");
  EXPECT_EQ(app->api_keys[0].key.value, "k1");
}

TEST(ConfigTest, MissingEnvironmentVariableNamesTheKeyButNotAValue) {
  auto config = ParseConfig(kMinimal, FakeEnv({{"API_KEY", "k1"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "apps[0].webhook.basic_auth[0].password: environment variable CC_PASS is not set");
}

TEST(ConfigTest, SecretFromFileDropsTrailingNewline) {
  const std::string path = ::testing::TempDir() + "/pg_secret_file";
  std::ofstream(path) << "from-file\n";
  const std::string text = R"({"apps": [{"app_id": "a", "webhook": {"basic_auth":
      [{"username": "u", "password": {"file": ")" +
                           path + R"("}}]}}]})";
  auto config = ParseConfig(text, FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->apps[0].webhook.basic_auth[0].password.value, "from-file");
  EXPECT_EQ(config->apps[0].webhook.basic_auth[0].password.source, "file:" + path);
}

TEST(ConfigTest, UnreadableSecretFileIsAnError) {
  auto config = ParseConfig(R"({"apps": [{"app_id": "a", "webhook": {"basic_auth":
      [{"username": "u", "password": {"file": "/nonexistent/x"}}]}}]})",
                            FakeEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "apps[0].webhook.basic_auth[0].password: cannot read secret file /nonexistent/x");
}

struct BadConfigCase {
  const char* json;
  const char* message;
};

class BadConfigTest : public ::testing::TestWithParam<BadConfigCase> {};

TEST_P(BadConfigTest, IsRefusedWithAMessageNamingTheKey) {
  auto config = ParseConfig(GetParam().json, FakeEnv({{"P", "p"}}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), GetParam().message);
}

#define APP \
  R"({"app_id": "a", "webhook": {"basic_auth": [{"username": "u", "password": {"env": "P"}}]}})"

INSTANTIATE_TEST_SUITE_P(
    Cases, BadConfigTest,
    ::testing::Values(
        BadConfigCase{"not json", "config: not valid JSON"},
        BadConfigCase{"[]", "config: must be a JSON object"},
        BadConfigCase{"{}", "apps: at least one app is required"},
        BadConfigCase{R"({"apps": [)" APP R"(], "htpp": {}})", "htpp: unknown key"},
        BadConfigCase{R"({"apps": [)" APP R"(], "http": {"threads": 0}})",
                      "http.threads: must be between 1 and 64"},
        BadConfigCase{R"({"apps": [)" APP R"(], "http": {"threads": "2"}})",
                      "http.threads: must be an integer"},
        BadConfigCase{R"({"apps": [)" APP R"(], "http": {"address": "nowhere"}})",
                      "http.address: \"nowhere\" is not host:port"},
        BadConfigCase{R"({"apps": [)" APP R"(], "grpc": {"address": "x:99999"}})",
                      "grpc.address: \"x:99999\" is not host:port"},
        BadConfigCase{R"({"apps": [)" APP R"(], "http": {"tls": {"cert_file": "c"}}})",
                      "http.tls: cert_file and key_file go together"},
        BadConfigCase{R"({"apps": [)" APP R"(], "store": {"synchronous": "off"}})",
                      "store.synchronous: must be \"full\" or \"normal\""},
        BadConfigCase{R"({"apps": [)" APP "," APP R"(]})", "apps[1].app_id: \"a\" appears twice"},
        BadConfigCase{R"({"apps": [{"webhook": {}}]})", "apps[0].app_id: is required"},
        BadConfigCase{R"({"apps": [{"app_id": "a"}]})", "apps[0].webhook: is required"},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {}}]})",
                      "apps[0].webhook.basic_auth: at least one credential is required unless "
                      "allow_unauthenticated is true"},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {"basic_auth": [{"username": "u",
                      "password": "plain"}]}}]})",
                      "apps[0].webhook.basic_auth[0].password: must be an object {\"env\": NAME} "
                      "or {\"file\": PATH} or {\"value\": TEXT}"},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {"basic_auth": [{"username": "u",
                      "password": {"env": "P", "value": "x"}}]}}]})",
                      "apps[0].webhook.basic_auth[0].password: give exactly one of \"env\", "
                      "\"file\" or \"value\""},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {"basic_auth": [{"username": "u:x",
                      "password": {"env": "P"}}]}}]})",
                      "apps[0].webhook.basic_auth[0].username: must be a non-empty string "
                      "without ':'"},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {"allow_unauthenticated": true},
                      "api_keys": [{"name": "k"}]}]})",
                      "apps[0].api_keys[0].key: is required"},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {"allow_unauthenticated": true},
                      "api_keys": [{"name": "k", "key": {"value": "v"}}]}]})",
                      "apps[0].api_keys[0].role: is required: \"register\", \"read\" or "
                      "\"admin\""},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {"allow_unauthenticated": true},
                      "api_keys": [{"name": "k", "key": {"value": "v"}, "role": "root"}]}]})",
                      "apps[0].api_keys[0].role: must be \"register\", \"read\" or \"admin\""},
        BadConfigCase{R"({"apps": [{"app_id": "a", "webhook": {"allow_unauthenticated": true},
                      "api_keys": [{"name": "k", "key": {"value": "v"}, "role": "read",
                      "rate_limit": {"burst": 0}}]}]})",
                      "apps[0].api_keys[0].rate_limit.burst: must be between 1 and 10000000"},
        BadConfigCase{R"({"apps": [)" APP R"(], "grpc": {"address": "0.0.0.0:50051"}})",
                      "grpc.tls: required for the non-loopback address \"0.0.0.0:50051\" (API "
                      "keys would travel in clear text); configure grpc.tls, or set "
                      "grpc.plaintext: true when a TLS proxy or a private network protects it"},
        BadConfigCase{R"({"apps": [)" APP R"(], "grpc": {"tls": {"cert_file": "c"}}})",
                      "grpc.tls: cert_file and key_file are required"},
        BadConfigCase{R"({"apps": [)" APP R"(], "grpc": {"tls": {"cert_file": "c",
                      "key_file": "k", "require_client_cert": true}}})",
                      "grpc.tls.client_ca_file: required when require_client_cert is true"},
        BadConfigCase{R"({"apps": [)" APP R"(], "grpc": {"plaintext": true,
                      "tls": {"cert_file": "c", "key_file": "k"}}})",
                      "grpc.plaintext: cannot be true together with grpc.tls"},
        BadConfigCase{R"({"apps": [)" APP R"(], "limits": {"webhook_auth": {"lockout": 1}}})",
                      "limits.webhook_auth.lockout: unknown key"},
        BadConfigCase{R"({"log_level": "loud", "apps": [)" APP R"(]})",
                      "log_level: must be debug, info, warn or error"}));

TEST(ConfigTest, ApiKeyRolesAndRateLimits) {
  auto config = ParseConfig(R"({
    "limits": {"grpc": {"requests_per_second": 50, "burst": 80},
               "webhook_auth": {"lockout_after_failures": 7, "lockout_seconds": 60}},
    "apps": [{"app_id": "a", "webhook": {"allow_unauthenticated": true},
      "api_keys": [{"name": "m", "key": {"value": "v1"}, "role": "register"},
                   {"name": "r", "key": {"value": "v2"}, "role": "read",
                    "rate_limit": {"requests_per_second": 5, "burst": 10}},
                   {"name": "o", "key": {"value": "v3"}, "role": "admin"}]}]})",
                            FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  const std::vector<ApiKey>& keys = config->apps[0].api_keys;
  EXPECT_EQ(keys[0].role, Role::kRegister);
  EXPECT_EQ(keys[1].role, Role::kRead);
  EXPECT_EQ(keys[2].role, Role::kAdmin);
  EXPECT_FALSE(keys[0].rate_limit.has_value());
  ASSERT_TRUE(keys[1].rate_limit.has_value());
  EXPECT_EQ(keys[1].rate_limit->requests_per_second, 5);
  EXPECT_EQ(keys[1].rate_limit->burst, 10);
  EXPECT_EQ(config->limits.grpc.requests_per_second, 50);
  EXPECT_EQ(config->limits.grpc.burst, 80);
  EXPECT_EQ(config->limits.webhook_auth.lockout_after_failures, 7);
  EXPECT_EQ(config->limits.webhook_auth.lockout_seconds, 60);
  EXPECT_EQ(config->limits.webhook_auth.slow_after_failures, 5);  // default kept
}

TEST(ConfigTest, GrpcTlsAndExplicitPlaintext) {
  auto tls = ParseConfig(R"({"grpc": {"address": "0.0.0.0:50051",
      "tls": {"cert_file": "/c.pem", "key_file": "/k.pem", "client_ca_file": "/ca.pem",
              "require_client_cert": true}}, "apps": [)" APP R"(]})",
                         FakeEnv({{"P", "p"}}));
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_TRUE(tls->grpc.tls.enabled());
  EXPECT_TRUE(tls->grpc.tls.require_client_cert);
  EXPECT_EQ(tls->grpc.tls.client_ca_file, "/ca.pem");
  auto plaintext = ParseConfig(
      R"({"grpc": {"address": "10.0.0.5:50051", "plaintext": true}, "apps": [)" APP R"(]})",
      FakeEnv({{"P", "p"}}));
  EXPECT_TRUE(plaintext.ok()) << plaintext.status();
  // Loopback without TLS needs no flag: nothing beyond this machine can listen in.
  for (const char* address : {"127.0.0.1:1", "127.0.0.2:1", "localhost:1", "[::1]:1"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address : {"0.0.0.0:1", "10.0.0.1:1", "[::]:1", "127.evil.com:1", "host:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(ConfigTest, AdminListenerIsOffUntilBasicAuthIsSetAndNeedsTlsBeyondLoopback) {
  auto off = ParseConfig(R"({"apps": [)" APP R"(]})", FakeEnv({{"P", "p"}}));
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->admin.enabled());
  EXPECT_EQ(off->admin.address, "127.0.0.1:8081");

  auto on = ParseConfig(R"({"admin": {"address": "127.0.0.1:0",
      "basic_auth": {"username": "ops", "password": {"env": "ADMIN_PASS"}}}, "apps": [)" APP
                        R"(]})",
                        FakeEnv({{"P", "p"}, {"ADMIN_PASS", "adm1n"}}));
  ASSERT_TRUE(on.ok()) << on.status();
  ASSERT_TRUE(on->admin.enabled());
  EXPECT_EQ(on->admin.basic_auth->username, "ops");
  EXPECT_EQ(on->admin.basic_auth->password.value, "adm1n");
  EXPECT_EQ(on->admin.basic_auth->password.source, "env:ADMIN_PASS");

  auto exposed = ParseConfig(R"({"admin": {"address": "0.0.0.0:8081",
      "basic_auth": {"username": "ops", "password": {"value": "x"}}}, "apps": [)" APP R"(]})",
                             FakeEnv({{"P", "p"}}));
  ASSERT_FALSE(exposed.ok());
  EXPECT_NE(exposed.status().message().find("admin.tls: required"), std::string::npos)
      << exposed.status();
  auto with_tls = ParseConfig(R"({"admin": {"address": "0.0.0.0:8081",
      "basic_auth": {"username": "ops", "password": {"value": "x"}},
      "tls": {"cert_file": "/c.pem", "key_file": "/k.pem"}}, "apps": [)" APP R"(]})",
                              FakeEnv({{"P", "p"}}));
  EXPECT_TRUE(with_tls.ok()) << with_tls.status();

  auto no_password =
      ParseConfig(R"({"admin": {"basic_auth": {"username": "ops"}}, "apps": [)" APP R"(]})",
                  FakeEnv({{"P", "p"}}));
  ASSERT_FALSE(no_password.ok());
  EXPECT_EQ(no_password.status().message(), "admin.basic_auth.password: is required");
  auto typo = ParseConfig(R"({"admin": {"adress": "127.0.0.1:1"}, "apps": [)" APP R"(]})",
                          FakeEnv({{"P", "p"}}));
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().message(), "admin.adress: unknown key");
}

TEST(ConfigTest, DemoConfigIsExplicitlyPlaintextWithAnAdminKey) {
  Config demo = DemoConfig("/tmp/x", DemoCredentials{"pw", "key"});
  EXPECT_TRUE(demo.grpc.plaintext);
  EXPECT_EQ(demo.apps[0].api_keys[0].role, Role::kAdmin);
  EXPECT_TRUE(ValidateConfig(demo).ok());
}

TEST(ConfigTest, ApnsTokenAuthAndEngineSettings) {
  auto config = ParseConfig(R"({
    "engine": {"max_attempts": 3, "call_expiry_seconds": 20, "quota_backoff_seconds": 5},
    "apps": [{"app_id": "a", "webhook": {"allow_unauthenticated": true},
      "apns": {"team_id": "TEAM123456", "key_id": "KEY1234567", "p8_key": {"env": "P8"},
               "bundle_id": "com.example.chat", "ca_file": "/tmp/ca.pem",
               "resolve": ["api.sandbox.push.apple.com:443:127.0.0.1"]}}]})",
                            FakeEnv({{"P8", "-----BEGIN PRIVATE KEY-----"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->engine.max_attempts, 3);
  EXPECT_EQ(config->engine.call_expiry_seconds, 20);
  EXPECT_EQ(config->engine.lease_seconds, 60);
  EXPECT_EQ(config->engine.quota_backoff_seconds, 5);
  ASSERT_TRUE(config->apps[0].apns.has_value());
  EXPECT_EQ(config->apps[0].apns->p8_key.value, "-----BEGIN PRIVATE KEY-----");
  EXPECT_EQ(config->apps[0].apns->resolve.size(), 1u);
  EXPECT_FALSE(config->apps[0].log_channel);
}

TEST(ConfigTest, ApnsNeedsCredentialsAndABundleId) {
  auto no_creds = ParseConfig(R"({"apps": [{"app_id": "a", "webhook":
      {"allow_unauthenticated": true}, "apns": {"bundle_id": "com.x"}}]})",
                              FakeEnv({}));
  ASSERT_FALSE(no_creds.ok());
  EXPECT_EQ(no_creds.status().message(),
            "apps[0].apns: give p8_key (token auth) or cert_file (certificate auth)");
  auto short_team = ParseConfig(R"({"apps": [{"app_id": "a", "webhook":
      {"allow_unauthenticated": true}, "apns": {"team_id": "T", "key_id": "KEY1234567",
      "p8_key": {"value": "k"}, "bundle_id": "com.x"}}]})",
                                FakeEnv({}));
  ASSERT_FALSE(short_team.ok());
  EXPECT_EQ(short_team.status().message(),
            "apps[0].apns: token auth needs team_id and key_id (10 characters each)");
  auto engine = ParseConfig(R"({"engine": {"lease_seconds": 1}, "apps": [)" APP R"(]})",
                            FakeEnv({{"P", "p"}}));
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().message(), "engine.lease_seconds: must be between 5 and 3600");
}

#define OPEN_APP R"({"app_id": "a", "webhook": {"allow_unauthenticated": true}, )"

TEST(ConfigTest, FcmSectionWithTestOverrides) {
  auto config = ParseConfig(R"({"apps": [)" OPEN_APP R"(
      "fcm": {"service_account": {"env": "SA"}, "android_channel_id": "chat",
              "sound": "ping", "fcm_url": "https://fcm.googleapis.com:8443",
              "token_uri": "https://oauth2.googleapis.com:8443/token", "ca_file": "/tmp/ca.pem",
              "resolve": ["fcm.googleapis.com:8443:127.0.0.1"]}}]})",
                            FakeEnv({{"SA", "{\"type\": \"service_account\"}"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  const App& app = config->apps[0];
  ASSERT_TRUE(app.fcm.has_value());
  EXPECT_EQ(app.fcm->service_account.value, "{\"type\": \"service_account\"}");
  EXPECT_EQ(app.fcm->service_account.source, "env:SA");
  EXPECT_EQ(app.fcm->android_channel_id, "chat");
  EXPECT_EQ(app.fcm->sound, "ping");
  EXPECT_EQ(app.fcm->fcm_url, "https://fcm.googleapis.com:8443");
  EXPECT_EQ(app.fcm->token_uri, "https://oauth2.googleapis.com:8443/token");
  EXPECT_EQ(app.fcm->ca_file, "/tmp/ca.pem");
  EXPECT_EQ(app.fcm->resolve, std::vector<std::string>{"fcm.googleapis.com:8443:127.0.0.1"});

  auto defaults = ParseConfig(R"({"apps": [)" OPEN_APP R"("fcm": {"service_account":
      {"value": "{}"}}}]})",
                              FakeEnv({}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->apps[0].fcm->sound, "default");
  EXPECT_EQ(defaults->apps[0].fcm->fcm_url, "");  // the provider's default: Google's host
}

TEST(ConfigTest, WebPushSection) {
  auto config = ParseConfig(R"({"apps": [)" OPEN_APP R"("webpush": {
      "vapid_private_key": {"env": "VAPID"}, "subject": "mailto:ops@example.com",
      "allow_loopback_endpoints": true, "ca_file": "/tmp/ca.pem",
      "resolve": ["push.example:8443:127.0.0.1"]}}]})",
                            FakeEnv({{"VAPID", "-----BEGIN PRIVATE KEY-----"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  const WebPushConfig& w = *config->apps[0].webpush;
  EXPECT_EQ(w.vapid_private_key.value, "-----BEGIN PRIVATE KEY-----");
  EXPECT_EQ(w.subject, "mailto:ops@example.com");
  EXPECT_TRUE(w.allow_loopback_endpoints);
  EXPECT_FALSE(w.allow_private_endpoints);  // the default: public push services only
  EXPECT_EQ(w.ca_file, "/tmp/ca.pem");
  EXPECT_EQ(w.resolve, std::vector<std::string>{"push.example:8443:127.0.0.1"});
}

TEST(ConfigTest, RulesSection) {
  auto config = ParseConfig(R"({"apps": [)" OPEN_APP R"("rules": {
      "drop_kinds": ["reaction", "group_action"],
      "privacy": {"title": "New message", "body": "Open the app to read it"},
      "extra_data": {"env": "prod", "region": "eu"},
      "overrides": {"*": {"apns": {"sound": "chime.caf"}},
                    "call": {"apns": {"category": "CALL"}, "fcm": {"sound": "ring",
                             "android_channel_id": "calls"}, "webpush": {"icon": "https://x/i.png"}}}}}]})",
                            FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  const RulesConfig& rules = config->apps[0].rules;
  EXPECT_EQ(rules.drop_kinds, (std::vector<std::string>{"reaction", "group_action"}));
  EXPECT_TRUE(rules.privacy);
  EXPECT_EQ(rules.privacy_title, "New message");
  EXPECT_EQ(rules.privacy_body, "Open the app to read it");
  EXPECT_EQ(rules.extra_data,
            (std::map<std::string, std::string>{{"env", "prod"}, {"region", "eu"}}));
  ASSERT_EQ(rules.overrides.size(), 2u);
  EXPECT_EQ(rules.overrides.at("*").apns_sound, "chime.caf");
  EXPECT_EQ(rules.overrides.at("call").apns_category, "CALL");
  EXPECT_EQ(rules.overrides.at("call").fcm_sound, "ring");
  EXPECT_EQ(rules.overrides.at("call").android_channel_id, "calls");
  EXPECT_EQ(rules.overrides.at("call").webpush_icon, "https://x/i.png");

  auto none = ParseConfig(R"({"apps": [)" APP R"(]})", FakeEnv({{"P", "p"}}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->apps[0].rules.privacy);
  EXPECT_TRUE(none->apps[0].rules.drop_kinds.empty());
}

INSTANTIATE_TEST_SUITE_P(
    FcmAndRules, BadConfigTest,
    ::testing::Values(
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("fcm": {}}]})",
                      "apps[0].fcm.service_account: is required (the service-account JSON, e.g. "
                      "{\"file\": \"/etc/pushgate/sa.json\"})"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("fcm": {"service_account": {"file":
                      "/nonexistent/sa.json"}}}]})",
                      "apps[0].fcm.service_account: cannot read secret file /nonexistent/sa.json"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("fcm": {"service_account": {"value": "{}"},
                      "fcm_url": "http://fcm.googleapis.com"}}]})",
                      "apps[0].fcm.fcm_url: must be an https:// URL"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("fcm": {"service_account": {"value": "{}"},
                      "resolve": ["fcm.googleapis.com"]}}]})",
                      "apps[0].fcm.resolve[0]: \"fcm.googleapis.com\" is not host:port:address"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("fcm": {"service_account": {"value": "{}"},
                      "channel": "x"}}]})",
                      "apps[0].fcm.channel: unknown key"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("webpush": {"subject": "mailto:a@b"}}]})",
                      "apps[0].webpush.vapid_private_key: is required (a P-256 private key in "
                      "PEM)"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("webpush": {"vapid_private_key": {"value":
                      "k"}, "subject": "ops@example.com"}}]})",
                      "apps[0].webpush.subject: is required: a contact for the push services, "
                      "\"mailto:...\" or \"https://...\""},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("webpush": {"vapid_private_key": {"value":
                      "k"}, "subject": "mailto:a@b", "allow_loopback_endpoints": "yes"}}]})",
                      "apps[0].webpush.allow_loopback_endpoints: must be true or false"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("rules": {"drop_kinds": ["typing"]}}]})",
                      "apps[0].rules.drop_kinds[0]: must be one of chat, reaction, group_action, "
                      "call"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("rules": {"privacy": {"body": "b"}}}]})",
                      "apps[0].rules.privacy.title: is required (the neutral title)"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("rules": {"extra_data": {"n": 1}}}]})",
                      "apps[0].rules.extra_data.n: must be a string (FCM data carries strings "
                      "only)"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("rules": {"extra_data": {"tag": "x"}}}]})",
                      "apps[0].rules.extra_data.tag: reserved (a CometChat field or a provider's "
                      "reserved key)"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("rules": {"extra_data": {"google.x": "y"}}}]})",
                      "apps[0].rules.extra_data.google.x: reserved (a CometChat field or a "
                      "provider's reserved key)"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("rules": {"overrides": {"chats": {}}}}]})",
                      "apps[0].rules.overrides.chats: unknown kind (use \"*\" or one of chat, "
                      "reaction, group_action, call)"},
        BadConfigCase{R"({"apps": [)" OPEN_APP R"("rules": {"overrides": {"call": {"apns":
                      {"badge": 1}}}}}]})",
                      "apps[0].rules.overrides.call.apns.badge: unknown key"}));

TEST(ConfigTest, RetentionDefaultsAndOverrides) {
  auto defaults = ParseConfig(R"({"apps": [)" APP R"(]})", FakeEnv({{"P", "p"}}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->retention.notifications_days, 7);
  EXPECT_EQ(defaults->retention.inactive_registrations_days, 30);
  EXPECT_EQ(defaults->retention.batch_rows, 500);
  auto set = ParseConfig(R"({"retention": {"notifications_days": 2,
      "inactive_registrations_days": 90, "interval_seconds": 60}, "apps": [)" APP R"(]})",
                         FakeEnv({{"P", "p"}}));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->retention.notifications_days, 2);
  EXPECT_EQ(set->retention.inactive_registrations_days, 90);
  EXPECT_EQ(set->retention.interval_seconds, 60);
  auto bad = ParseConfig(R"({"retention": {"notifications_days": 0}, "apps": [)" APP R"(]})",
                         FakeEnv({{"P", "p"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "retention.notifications_days: must be between 1 and 3650");
  auto unknown =
      ParseConfig(R"({"retention": {"days": 3}, "apps": [)" APP R"(]})", FakeEnv({{"P", "p"}}));
  EXPECT_FALSE(unknown.ok());
}

TEST(ConfigTest, ExplicitlyUnauthenticatedAppNeedsNoCredentials) {
  auto config = ParseConfig(
      R"({"apps": [{"app_id": "open", "webhook": {"allow_unauthenticated": true}}]})", FakeEnv({}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->apps[0].webhook.allow_unauthenticated);
}

TEST(ConfigTest, ExampleConfigInTheRepoLoads) {
  auto config = LoadConfigFile(PUSHGATE_EXAMPLE_CONFIG,
                               FakeEnv({{"PUSHGATE_APP123_WEBHOOK_PASSWORD", "p1"},
                                        {"PUSHGATE_APP123_WEBHOOK_PASSWORD_NEXT", "p2"},
                                        {"PUSHGATE_APP123_API_KEY", "k"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->apps[0].webhook.basic_auth.size(), 2u);
}

TEST(ConfigTest, MissingFileNamesThePath) {
  auto config = LoadConfigFile("/nonexistent/pushgate.json", FakeEnv({}));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(), "cannot read file /nonexistent/pushgate.json");
}

TEST(DemoDefaultsTest, CredentialsAreCreatedPrivatelyOnceAndReused) {
  const std::string dir = ::testing::TempDir() + "/pg_demo_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  auto first = LoadOrCreateDemoCredentials(dir);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GE(first->api_key.size(), 24u);
  EXPECT_NE(first->api_key, first->webhook_password);
  struct stat st;
  ASSERT_EQ(::stat((dir + "/demo-credentials.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto second = LoadOrCreateDemoCredentials(dir);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->api_key, first->api_key);
  EXPECT_EQ(second->webhook_password, first->webhook_password);

  EXPECT_GE(second->admin_password.size(), 18u);
  EXPECT_EQ(second->admin_password, first->admin_password);

  Config config = DemoConfig(dir, *second);
  ASSERT_TRUE(config.admin.enabled());
  EXPECT_EQ(config.admin.basic_auth->password.value, second->admin_password);
  EXPECT_TRUE(config.demo);
  EXPECT_TRUE(config.apps[0].log_channel);
  EXPECT_TRUE(ValidateConfig(config).ok());
  ASSERT_NE(config.FindApp(kDemoAppId), nullptr);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace pushgate::config

namespace pushgate::config {
namespace {

TEST(DemoDefaultsTest, AFileFromBeforeTheStatusPageGetsAnAdminPasswordAndKeepsTheRest) {
  const std::string dir = ::testing::TempDir() + "/pg_demo_old_" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir + "/demo-credentials.json");
    out << R"({"webhook_password": "old-pw", "api_key": "old-key"})";
  }
  auto creds = LoadOrCreateDemoCredentials(dir);
  ASSERT_TRUE(creds.ok()) << creds.status();
  EXPECT_EQ(creds->webhook_password, "old-pw");
  EXPECT_EQ(creds->api_key, "old-key");
  EXPECT_GE(creds->admin_password.size(), 18u);
  struct stat st;
  ASSERT_EQ(::stat((dir + "/demo-credentials.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto again = LoadOrCreateDemoCredentials(dir);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->admin_password, creds->admin_password);
  std::filesystem::remove_all(dir);
}

TEST(ReloadDiff, CredentialsLimitsAndProvidersApplyListenersNeedARestart) {
  Config running = DemoConfig("/tmp/d", DemoCredentials{"pw", "key"});
  Config loaded = running;
  loaded.apps[0].webhook.basic_auth[0].password.value = "new-pw";
  loaded.apps[0].api_keys[0].role = Role::kRead;
  loaded.limits.grpc.requests_per_second = 5;
  loaded.limits.webhook_auth.lockout_seconds = 5;
  loaded.log_level = "debug";
  loaded.apps[0].log_channel = false;  // provider settings: the engine rebuilds its providers
  App added = loaded.apps[0];
  added.app_id = "new-app";
  loaded.apps.push_back(added);
  EXPECT_TRUE(SettingsNeedingRestart(running, loaded).empty());

  loaded.grpc.address = "127.0.0.1:1";
  loaded.data_dir = "/elsewhere";
  loaded.engine.max_attempts = 9;
  loaded.apps[0].rules.privacy = true;
  EXPECT_EQ(SettingsNeedingRestart(running, loaded),
            (std::vector<std::string>{"data_dir", "grpc (listener settings)", "engine",
                                      "apps[app123].rules"}));
}

TEST(ReloadDiff, TheAdminListenerAndItsCredentialsAreBoundAtStart) {
  Config running = DemoConfig("/tmp/d", DemoCredentials{"pw", "key", "admin-pw"});
  Config loaded = running;
  EXPECT_TRUE(SettingsNeedingRestart(running, loaded).empty());
  loaded.admin.basic_auth->password.value = "other";
  EXPECT_EQ(SettingsNeedingRestart(running, loaded), (std::vector<std::string>{"admin"}));
  loaded = running;
  loaded.admin.basic_auth.reset();
  EXPECT_EQ(SettingsNeedingRestart(running, loaded), (std::vector<std::string>{"admin"}));
  loaded = running;
  loaded.admin.address = "127.0.0.1:9";
  EXPECT_EQ(SettingsNeedingRestart(running, loaded), (std::vector<std::string>{"admin"}));
}

}  // namespace
}  // namespace pushgate::config
