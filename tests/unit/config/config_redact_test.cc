#include "config/config_redact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nlohmann/json.hpp"

namespace pushgate::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kConfig[] = R"({
  // comments are allowed in config files
  "data_dir": "/var/lib/pushgate",
  "apps": [{
    "app_id": "app123",
    "webhook": {"basic_auth": [{"username": "cometchat", "password": {"value": "pw-INLINE-1"}}],
                "hmac": {"header": "X-Sig", "secret": {"value": "hmac-INLINE-2"}}},
    "api_keys": [{"name": "backend", "key": {"env": "PUSHGATE_KEY"}, "role": "register"},
                 {"name": "hashed", "key": {"value": "sha256:abcdef"}, "role": "read"}],
    "fcm": {"service_account": {"file": "/etc/pushgate/sa.json"}},
    "forward_hooks": [{"name": "crm", "url": "https://crm.example.com/in",
                       "hmac": {"secret": {"value": "hook-INLINE-3"}}}]
  }]
})";

TEST(RedactedConfigText, ReplacesEveryInlineSecretAndKeepsTheRest) {
  absl::StatusOr<std::string> shown = RedactedConfigText(kConfig);
  ASSERT_TRUE(shown.ok()) << shown.status();
  for (const char* secret : {"pw-INLINE-1", "hmac-INLINE-2", "sha256:abcdef", "hook-INLINE-3"}) {
    EXPECT_THAT(*shown, Not(HasSubstr(secret)));
  }
  const nlohmann::json j = nlohmann::json::parse(*shown);
  const nlohmann::json& app = j["apps"][0];
  EXPECT_EQ(app["webhook"]["basic_auth"][0]["password"]["value"], kRedacted);
  EXPECT_EQ(app["webhook"]["hmac"]["secret"]["value"], kRedacted);
  EXPECT_EQ(app["forward_hooks"][0]["hmac"]["secret"]["value"], kRedacted);
  // Where a secret lives is not the secret: env names and file paths stay readable.
  EXPECT_EQ(app["api_keys"][0]["key"]["env"], "PUSHGATE_KEY");
  EXPECT_EQ(app["fcm"]["service_account"]["file"], "/etc/pushgate/sa.json");
  EXPECT_EQ(app["webhook"]["basic_auth"][0]["username"], "cometchat");
  EXPECT_EQ(j["data_dir"], "/var/lib/pushgate");
  EXPECT_THAT(*shown, Not(HasSubstr("comments are allowed")));
}

TEST(RedactedConfigText, RefusesTextThatIsNotJson) {
  absl::StatusOr<std::string> shown = RedactedConfigText("{\"apps\": [");
  ASSERT_FALSE(shown.ok());
  EXPECT_EQ(shown.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pushgate::config
