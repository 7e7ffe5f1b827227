// The embedded defaults: what `pushgate` runs with when no --config is given. One demo app,
// "app123" (the appId in CometChat's sample payloads, so the fixtures work unchanged), whose
// webhook password and API key are generated once and kept in <data_dir>/demo-credentials.json
// (mode 0600), so they survive restarts and can be printed for the user.
#ifndef PUSHGATE_CONFIG_DEMO_DEFAULTS_H_
#define PUSHGATE_CONFIG_DEMO_DEFAULTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "config/config.h"

namespace pushgate::config {

inline constexpr char kDemoAppId[] = "app123";
inline constexpr char kDemoWebhookUser[] = "cometchat";
inline constexpr char kDemoAdminUser[] = "admin";

struct DemoCredentials {
  std::string webhook_password;
  std::string api_key;
  std::string admin_password;  // the status page's; empty: the admin listener stays off
};

// Reads the demo credentials from data_dir, creating the directory and the file when missing.
// A file from before the status page gets an admin password added.
absl::StatusOr<DemoCredentials> LoadOrCreateDemoCredentials(const std::string& data_dir);

// The embedded default config around those credentials.
Config DemoConfig(const std::string& data_dir, const DemoCredentials& credentials);

}  // namespace pushgate::config

#endif  // PUSHGATE_CONFIG_DEMO_DEFAULTS_H_
