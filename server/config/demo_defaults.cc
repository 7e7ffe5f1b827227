#include "config/demo_defaults.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "nlohmann/json.hpp"

namespace pushgate::config {
namespace {

constexpr char kFileName[] = "demo-credentials.json";

absl::Status WritePrivateFile(const std::string& path, const std::string& content) {
  // O_EXCL: two processes starting at once must not overwrite each other's credentials.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path));
  const ssize_t n = ::write(fd, content.data(), content.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (n != static_cast<ssize_t>(content.size()) || !synced) {
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DemoCredentials> LoadOrCreateDemoCredentials(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create data_dir ", data_dir));
  // The credentials file below is a secret; the directory holds the database as well.
  ::chmod(data_dir.c_str(), 0700);
  const std::string path = absl::StrCat(data_dir, "/", kFileName);
  if (!std::filesystem::exists(path)) {
    nlohmann::json doc = {{"webhook_password", RandomToken(18)},
                          {"api_key", RandomToken(24)},
                          {"admin_password", RandomToken(18)}};
    absl::Status st = WritePrivateFile(path, doc.dump(2) + "\n");
    if (!st.ok() && !std::filesystem::exists(path)) return st;
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json doc = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.value("webhook_password", "").size() ||
      !doc.value("api_key", "").size()) {
    return absl::DataLossError(
        absl::StrCat(path, ": not valid demo credentials; delete it to generate new ones"));
  }
  if (doc.value("admin_password", "").empty()) {
    // Written beside and renamed over the old file, so a crash leaves one whole file.
    doc["admin_password"] = RandomToken(18);
    const std::string next = path + ".new";
    std::filesystem::remove(next, ec);
    absl::Status st = WritePrivateFile(next, doc.dump(2) + "\n");
    if (!st.ok()) return st;
    std::filesystem::rename(next, path, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot replace ", path));
  }
  return DemoCredentials{doc["webhook_password"].get<std::string>(),
                         doc["api_key"].get<std::string>(),
                         doc["admin_password"].get<std::string>()};
}

Config DemoConfig(const std::string& data_dir, const DemoCredentials& credentials) {
  Config config;
  config.demo = true;
  config.data_dir = data_dir;
  // The demo listens on loopback only; saying so keeps the rule "plaintext is explicit".
  config.grpc.plaintext = true;
  // Loopback only, one admin key, and the load benches (tools/bench/grpc) run against it: no
  // per-key rate limit. The Basic Auth lockout stays on.
  config.limits.grpc.requests_per_second = 0;
  App app;
  app.app_id = kDemoAppId;
  app.webhook.basic_auth.push_back(
      {kDemoWebhookUser, Secret{credentials.webhook_password, "file:demo-credentials.json"}});
  ApiKey key;
  key.name = "demo";
  key.key = Secret{credentials.api_key, "file:demo-credentials.json"};
  key.role = Role::kAdmin;  // the demo walks through every RPC, RetryNotification included
  app.api_keys.push_back(std::move(key));
  // No provider credentials on a fresh machine: the demo delivers to the log, so the whole
  // flow (webhook in, delivery recorded, status queried) can be seen at once.
  app.log_channel = true;
  config.apps.push_back(std::move(app));
  // The status page on loopback, behind its own generated password.
  if (!credentials.admin_password.empty()) {
    config.admin.basic_auth = BasicAuthCredential{
        kDemoAdminUser, Secret{credentials.admin_password, "file:demo-credentials.json"}};
  }
  return config;
}

}  // namespace pushgate::config
