// apps[].forward_hooks[]: defaults, every field, and a clear error naming the JSON path for
// each kind of bad entry.
#include <map>
#include <string>

#include "config/config.h"
#include "gtest/gtest.h"

namespace pushgate::config {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// One app whose forward_hooks array is `hooks`.
std::string WithHooks(const std::string& hooks) {
  return R"({"apps": [{"app_id": "a", "webhook": {"allow_unauthenticated": true},
             "forward_hooks": )" +
         hooks + "}]}";
}

absl::StatusOr<Config> Parse(const std::string& hooks) {
  return ParseConfig(WithHooks(hooks), Env({{"HOOK_SECRET", "s3cret"}}));
}

TEST(ForwardHooksConfig, MinimalHookTakesTheDefaults) {
  auto config = Parse(R"([{"name": "crm", "url": "https://crm.example.com/hooks/push"}])");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->apps[0].forward_hooks.size(), 1u);
  const ForwardHook& hook = config->apps[0].forward_hooks[0];
  EXPECT_EQ(hook.name, "crm");
  EXPECT_EQ(hook.url, "https://crm.example.com/hooks/push");
  EXPECT_TRUE(hook.types.empty());
  EXPECT_TRUE(hook.call_actions.empty());
  EXPECT_FALSE(hook.hmac.has_value());
  EXPECT_EQ(hook.timeout_ms, 10'000);
  EXPECT_FALSE(hook.allow_http_loopback);
}

TEST(ForwardHooksConfig, EveryFieldIsRead) {
  auto config = Parse(R"([{"name": "ring-log_2", "url": "https://hooks.example.com:8443/x?y=1",
      "types": ["call"], "call_actions": ["initiated", "cancelled"],
      "hmac": {"secret": {"env": "HOOK_SECRET"}}, "ca_file": "/etc/ca.pem",
      "resolve": ["hooks.example.com:8443:127.0.0.1"], "timeout_ms": 2500},
     {"name": "second", "url": "https://b.example.com/", "hmac": {"header": "X-Sig",
      "secret": {"value": "inline"}}}])");
  ASSERT_TRUE(config.ok()) << config.status();
  const std::vector<ForwardHook>& hooks = config->apps[0].forward_hooks;
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0].types, std::vector<std::string>({"call"}));
  EXPECT_EQ(hooks[0].call_actions, std::vector<std::string>({"initiated", "cancelled"}));
  ASSERT_TRUE(hooks[0].hmac.has_value());
  EXPECT_EQ(hooks[0].hmac->header, "X-Pushgate-Signature");
  EXPECT_EQ(hooks[0].hmac->secret.value, "s3cret");
  EXPECT_EQ(hooks[0].hmac->secret.source, "env:HOOK_SECRET");
  EXPECT_EQ(hooks[0].ca_file, "/etc/ca.pem");
  EXPECT_EQ(hooks[0].resolve, std::vector<std::string>({"hooks.example.com:8443:127.0.0.1"}));
  EXPECT_EQ(hooks[0].timeout_ms, 2500);
  EXPECT_EQ(hooks[1].hmac->header, "X-Sig");
  EXPECT_EQ(hooks[1].hmac->secret.value, "inline");
}

TEST(ForwardHooksConfig, PlainHttpOnlyToLoopbackAndOnlyWhenAllowed) {
  EXPECT_TRUE(Parse(R"([{"name": "t", "url": "http://127.0.0.1:9000/h",
                         "allow_http_loopback": true}])")
                  .ok());
  EXPECT_TRUE(Parse(R"([{"name": "t", "url": "http://[::1]:9000/h",
                         "allow_http_loopback": true}])")
                  .ok());
  auto not_allowed = Parse(R"([{"name": "t", "url": "http://127.0.0.1:9000/h"}])");
  ASSERT_FALSE(not_allowed.ok());
  EXPECT_EQ(not_allowed.status().message(),
            "apps[0].forward_hooks[0].url: must be https (http only to a loopback host with "
            "allow_http_loopback)");
  auto not_loopback = Parse(R"([{"name": "t", "url": "http://example.com/h",
                                 "allow_http_loopback": true}])");
  ASSERT_FALSE(not_loopback.ok());
  EXPECT_EQ(not_loopback.status().message(), not_allowed.status().message());
}

struct BadHook {
  const char* hooks;
  const char* message;
};

class BadForwardHook : public ::testing::TestWithParam<BadHook> {};

TEST_P(BadForwardHook, IsRefusedNamingTheJsonPath) {
  auto config = Parse(GetParam().hooks);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadForwardHook,
    ::testing::Values(
        BadHook{R"({"name": "x"})", "apps[0].forward_hooks: must be an array"},
        BadHook{R"(["x"])", "apps[0].forward_hooks[0]: must be an object"},
        BadHook{R"([{"url": "https://a.example/"}])", "apps[0].forward_hooks[0].name: is required"},
        BadHook{R"([{"name": "CRM", "url": "https://a.example/"}])",
                "apps[0].forward_hooks[0].name: must be 1 to 64 characters of a-z, 0-9, '_' "
                "and '-'"},
        BadHook{R"([{"name": "a"}])", "apps[0].forward_hooks[0].url: is required"},
        BadHook{R"([{"name": "a", "url": "ftp://a.example/"}])",
                "apps[0].forward_hooks[0].url: must start with https://"},
        BadHook{R"([{"name": "a", "url": "https:///path"}])",
                "apps[0].forward_hooks[0].url: has no host"},
        BadHook{R"([{"name": "a", "url": "https://user:pw@a.example/"}])",
                "apps[0].forward_hooks[0].url: must not carry credentials (use hmac instead)"},
        BadHook{R"([{"name": "a", "url": "https://a.example/x y"}])",
                "apps[0].forward_hooks[0].url: must not contain spaces or control characters"},
        BadHook{R"([{"name": "a", "url": "https://a.example/"},
                    {"name": "a", "url": "https://b.example/"}])",
                "apps[0].forward_hooks[1].name: \"a\" appears twice in this app"},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "types": ["sms"]}])",
                "apps[0].forward_hooks[0].types: \"sms\" is not \"chat\" or \"call\""},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "types": "chat"}])",
                "apps[0].forward_hooks[0].types: must be an array of strings"},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "types": ["chat"],
                     "call_actions": ["initiated"]}])",
                "apps[0].forward_hooks[0].call_actions: filters calls, but types does not "
                "include \"call\""},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "call_actions": [""]}])",
                "apps[0].forward_hooks[0].call_actions: must not contain an empty string"},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "hmac": {"header": "X"}}])",
                "apps[0].forward_hooks[0].hmac.secret: is required"},
        BadHook{R"([{"name": "a", "url": "https://a.example/",
                     "hmac": {"secret": {"env": "UNSET"}}}])",
                "apps[0].forward_hooks[0].hmac.secret: environment variable UNSET is not set"},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "hmac": {"header": "",
                     "secret": {"value": "s"}}}])",
                "apps[0].forward_hooks[0].hmac.header: is required"},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "timeout_ms": 5}])",
                "apps[0].forward_hooks[0].timeout_ms: must be between 100 and 120000"},
        BadHook{R"([{"name": "a", "url": "https://a.example/", "retries": 3}])",
                "apps[0].forward_hooks[0].retries: unknown key"}));

}  // namespace
}  // namespace pushgate::config
