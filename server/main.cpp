// pushgate: the CometChat push webhook, the token registry and the delivery engine in one
// process. This file only wires the modules together; each does its own work.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "admin/admin_handler.h"
#include "admin/rate_sampler.h"
#include "admin/status_source.h"
#include "common/log.h"
#include "common/push_id.h"
#include "common/version.h"
#include "config/config.h"
#include "config/config_redact.h"
#include "config/demo_defaults.h"
#include "config/reload_diff.h"
#include "engine/engine.h"
#include "engine/ingest_notifier.h"
#include "engine/retention.h"
#include "grpc/grpc_server.h"
#include "http/http_server.h"
#include "metrics/registry.h"
#include "store/delivery_sqlite_store.h"
#include "store/receipt_sqlite_store.h"
#include "store/sqlite_store.h"
#include "store/status_sqlite_store.h"
#include "webhook/store_metrics.h"
#include "webhook/webhook_handler.h"

ABSL_FLAG(std::string, config, "",
          "JSON config file (see config/pushgate.example.json); empty: embedded demo defaults");
ABSL_FLAG(std::string, data_dir, "", "overrides data_dir (default ./data)");
ABSL_FLAG(std::string, http_address, "", "overrides http.address (default 127.0.0.1:8080)");
ABSL_FLAG(std::string, grpc_address, "", "overrides grpc.address (default 127.0.0.1:50051)");
ABSL_FLAG(std::string, admin_address, "",
          "overrides admin.address (default 127.0.0.1:8081; on only with admin.basic_auth)");
ABSL_FLAG(std::string, log_level, "", "overrides log_level: debug, info, warn or error");
ABSL_FLAG(std::string, check_config, "",
          "validate this config file, print it with secrets redacted, and exit (0 valid, 1 not)");

namespace pushgate {
namespace {

absl::StatusOr<config::Config> LoadConfiguration() {
  const std::string path = absl::GetFlag(FLAGS_config);
  config::Config config;
  if (path.empty()) {
    std::string data_dir = absl::GetFlag(FLAGS_data_dir);
    if (data_dir.empty()) data_dir = config::Config().data_dir;
    absl::StatusOr<config::DemoCredentials> creds = config::LoadOrCreateDemoCredentials(data_dir);
    if (!creds.ok()) return creds.status();
    config = config::DemoConfig(data_dir, *creds);
  } else {
    absl::StatusOr<config::Config> loaded = config::LoadConfigFile(path, config::ProcessEnv());
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  }
  if (!absl::GetFlag(FLAGS_data_dir).empty()) config.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (!absl::GetFlag(FLAGS_http_address).empty()) {
    config.http.address = absl::GetFlag(FLAGS_http_address);
  }
  if (!absl::GetFlag(FLAGS_grpc_address).empty()) {
    config.grpc.address = absl::GetFlag(FLAGS_grpc_address);
  }
  if (!absl::GetFlag(FLAGS_admin_address).empty()) {
    config.admin.address = absl::GetFlag(FLAGS_admin_address);
  }
  if (!absl::GetFlag(FLAGS_log_level).empty()) config.log_level = absl::GetFlag(FLAGS_log_level);
  absl::Status valid = config::ValidateConfig(config);
  if (!valid.ok()) return valid;
  return config;
}

std::string HostOf(const std::string& address) { return address.substr(0, address.rfind(':')); }

void PrintDemoBanner(const config::Config& config, int http_port, int grpc_port, int admin_port) {
  const config::App& app = config.apps.front();
  const std::string host = HostOf(config.http.address);
  std::printf(
      "\npushgate is running with its embedded demo defaults (no --config given).\n"
      "  data dir        %s\n"
      "  webhook         http://%s:%d%s  (Basic Auth user '%s', password '%s')\n"
      "  gRPC            %s:%d  (authorization: Bearer %s)\n"
      "  demo appId      %s\n",
      config.data_dir.c_str(), host.c_str(), http_port, config.http.webhook_path.c_str(),
      app.webhook.basic_auth[0].username.c_str(), app.webhook.basic_auth[0].password.value.c_str(),
      HostOf(config.grpc.address).c_str(), grpc_port, app.api_keys[0].key.value.c_str(),
      app.app_id.c_str());
  if (admin_port > 0) {
    std::printf("  status page     http://%s:%d/  (Basic Auth user '%s', password '%s')\n",
                HostOf(config.admin.address).c_str(), admin_port,
                config.admin.basic_auth->username.c_str(),
                config.admin.basic_auth->password.value.c_str());
  }
  std::printf(
      "Try:\n"
      "  curl -u '%s:%s' -H 'content-type: application/json' \\\n"
      "       --data @tests/fixtures/cometchat/chat.json http://%s:%d%s\n\n",
      app.webhook.basic_auth[0].username.c_str(), app.webhook.basic_auth[0].password.value.c_str(),
      host.c_str(), http_port, config.http.webhook_path.c_str());
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// SIGHUP: re-reads the config (file and flags, as at start). A config that does not load, or
// whose TLS files do not, is refused with one log line and nothing changes. Otherwise the
// parts that can change while running take it for new requests (open connections, calls in
// flight and queued work go on untouched), and settings bound at start are logged as needing
// a restart and keep their running values (reload_diff.h). The engine rebuilds its
// providers from the new config.
void ReloadConfig(const config::Config& startup, grpc_api::GrpcServer& grpc, http::HttpServer& http,
                  const webhook::WebhookReloader& reload_webhook, engine::Engine* delivery_engine) {
  absl::StatusOr<config::Config> loaded = LoadConfiguration();
  absl::Status usable = loaded.status();
  if (usable.ok()) usable = grpc.CheckReload(*loaded);
  // Last check, first change: the HTTP certificate is loaded and swapped in one step.
  if (usable.ok() && startup.http.tls.enabled() && loaded->http.tls.enabled()) {
    usable = http.ReloadTls(loaded->http.tls);
  }
  if (!usable.ok()) {
    LogError("config_reload_refused",
             {{"error", usable.message()}, {"kept", "the running configuration"}});
    return;
  }
  auto next = std::make_shared<const config::Config>(*std::move(loaded));
  // Compared with the start-up config: that is what the listeners, store and engine run on.
  const std::vector<std::string> restart = config::SettingsNeedingRestart(startup, *next);
  if (!restart.empty()) {
    LogWarn("config_reload_needs_restart",
            {{"settings", absl::StrJoin(restart, ", ")}, {"kept", "their running values"}});
  }
  grpc.Reload(*next);
  reload_webhook(next);
  // Provider credentials (APNs keys, FCM service accounts, ...): a new set for new sends;
  // sends in flight finish on the old one.
  if (delivery_engine != nullptr) {
    if (absl::Status s = delivery_engine->ReloadProviders(*next); !s.ok()) {
      LogError("config_reload_providers_failed",
               {{"error", s.message()}, {"kept", "the running providers"}});
    }
  }
  LogLevel level = LogLevel::kInfo;
  if (ParseLogLevel(next->log_level, &level)) SetLogLevel(level);
  size_t keys = 0;
  for (const config::App& app : next->apps) keys += app.api_keys.size();
  LogInfo("config_reloaded",
          {{"apps", absl::StrCat(next->apps.size())}, {"api_keys", absl::StrCat(keys)}});
}

// --check_config: the same loading as a start (secrets resolved, so a missing env variable or
// unreadable key file is reported), but nothing is opened or started.
int CheckConfig(const std::string& path) {
  absl::StatusOr<config::Config> loaded = config::LoadConfigFile(path, config::ProcessEnv());
  if (!loaded.ok()) {
    std::fprintf(stderr, "pushgate: %s is not valid: %s\n", path.c_str(),
                 std::string(loaded.status().message()).c_str());
    return 1;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::string> shown = config::RedactedConfigText(text.str());
  if (!shown.ok()) {
    std::fprintf(stderr, "pushgate: %s\n", std::string(shown.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n%s is valid (%zu apps; secrets shown as %s)\n", shown->c_str(), path.c_str(),
              loaded->apps.size(), std::string(config::kRedacted).c_str());
  return 0;
}

int Run() {
  // Everything pushgate creates (database, WAL, demo credentials, data dir) holds tokens,
  // payloads or secrets: readable by the service user only, whatever umask it was started with.
  ::umask(0077);
  // Block the stop signals before any thread starts so every thread inherits the mask and
  // only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // reload, handled by the same sigwait
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<config::Config> loaded = LoadConfiguration();
  if (!loaded.ok()) {
    LogError("config_invalid", {{"error", loaded.status().message()}});
    std::fprintf(stderr, "pushgate: configuration error: %s\n",
                 std::string(loaded.status().message()).c_str());
    return 2;
  }
  // The start-up config: what the listeners, store and engine were built from. Reloads bring
  // newer configs for the parts that apply them (ReloadConfig below); this one stays.
  const config::Config config = *std::move(loaded);
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(config.log_level, &level);
  SetLogLevel(level);

  absl::StatusOr<std::unique_ptr<store::SqliteStore>> store =
      store::SqliteStore::Open(store::SqliteStoreOptionsFrom(config));
  if (!store.ok()) {
    LogError("store_open_failed", {{"error", store.status().message()}});
    std::fprintf(stderr, "pushgate: cannot open the database: %s\n",
                 std::string(store.status().message()).c_str());
    return 1;
  }

  absl::StatusOr<std::unique_ptr<store::SqliteDeliveryStore>> deliveries =
      store::SqliteDeliveryStore::Open(store->get());
  if (!deliveries.ok()) {
    LogError("store_open_failed", {{"error", deliveries.status().message()}});
    return 1;
  }

  // The Deliveries service reads (and redrives) through the status store; retention deletes
  // through the same object's maintenance interface.
  store::SqliteStatusStore status_store(store->get());
  // Device receipts: every push carries a push id made with this installation's key.
  store::SqliteReceiptStore receipt_store(store->get());
  absl::StatusOr<std::string> push_id_key = receipt_store.PushIdKey();
  if (!push_id_key.ok()) {
    LogError("store_open_failed", {{"error", push_id_key.status().message()}});
    return 1;
  }
  auto push_ids = std::make_shared<const PushIdCodec>(*std::move(push_id_key));
  metrics::Registry metrics;
  grpc_api::GrpcServerOptions grpc_options;
  grpc_options.status = &status_store;
  grpc_options.metrics = &metrics;
  webhook::RegisterQueueAgeMetric(metrics, status_store);
  grpc_options.receipts = &receipt_store;
  grpc_options.push_ids = push_ids;
  // The engine starts after the gRPC server; until it runs, a preview answers UNAVAILABLE.
  std::atomic<engine::Engine*> preview_engine{nullptr};
  grpc_options.preview = [&preview_engine](const std::string& app_id, const std::string& uid,
                                           const std::string& payload,
                                           const std::vector<store::Registration>& active)
      -> absl::StatusOr<engine::NotificationPreview> {
    engine::Engine* e = preview_engine.load();
    if (e == nullptr) return absl::UnavailableError("the delivery engine is not running");
    return e->Preview(app_id, uid, payload, active);
  };
  absl::StatusOr<std::unique_ptr<grpc_api::GrpcServer>> grpc_server =
      grpc_api::StartGrpcServer(config, store->get(), std::move(grpc_options));
  if (!grpc_server.ok()) {
    LogError("grpc_start_failed", {{"error", grpc_server.status().message()}});
    return 1;
  }

  // The engine starts after the store (it releases a dead process's leases first) and before
  // the webhook, so the first ingest can already wake it.
  std::unique_ptr<engine::Engine> delivery_engine;
  if (config.engine.enabled) {
    absl::StatusOr<std::unique_ptr<engine::Engine>> started =
        engine::StartEngine(config, deliveries->get(), &metrics, push_ids);
    if (!started.ok()) {
      LogError("engine_start_failed", {{"error", started.status().message()}});
      return 1;
    }
    delivery_engine = *std::move(started);
    preview_engine.store(delivery_engine.get());
  } else {
    LogWarn("engine_disabled", {{"why", "engine.enabled is false: notifications are stored only"}});
  }
  // Old notifications and long-inactive registrations go in small background batches.
  engine::RetentionSweeper retention(&status_store, config.retention);
  retention.Start();

  // Ingest commits wake the engine instead of it finding new work at its next poll.
  engine::Engine* wake = delivery_engine.get();
  engine::IngestNotifyingStore ingest_store(store->get(), [wake] {
    if (wake != nullptr) wake->Notify();
  });

  webhook::WebhookDeps deps;
  deps.config = &config;
  deps.ingest = &ingest_store;
  deps.health = store->get();
  deps.metrics = &metrics;
  // Readiness follows the engine; a node configured without one (ingest only) is ready as is.
  if (wake != nullptr) deps.engine_running = [wake] { return wake->running(); };
  webhook::WebhookReloader reload_webhook;
  absl::StatusOr<std::unique_ptr<http::HttpServer>> http_server =
      http::StartHttpServer(config.http, webhook::MakeHttpHandler(deps, &reload_webhook),
                            webhook::MakeProtocolErrorHook(metrics));
  if (!http_server.ok()) {
    LogError("http_start_failed", {{"error", http_server.status().message()}});
    return 1;
  }

  // The status page: its own listener (and I/O thread), so a slow page never holds a webhook.
  std::unique_ptr<admin::RateSampler> admin_rates;
  std::unique_ptr<admin::StatusSource> admin_source;
  std::unique_ptr<http::HttpServer> admin_server;
  if (config.admin.enabled()) {
    admin_rates = std::make_unique<admin::RateSampler>(&metrics, NowMs);
    admin_rates->Start();
    admin_source = std::make_unique<admin::StatusSource>(&status_store, &config, &metrics);
    config::HttpConfig admin_http;
    admin_http.address = config.admin.address;
    admin_http.tls = config.admin.tls;
    absl::StatusOr<std::unique_ptr<http::HttpServer>> started = http::StartHttpServer(
        admin_http,
        admin::MakeAdminHandler({*config.admin.basic_auth, config.limits.webhook_auth,
                                 admin_source.get(), admin_rates.get(), NowMs}),
        nullptr);
    if (!started.ok()) {
      LogError("admin_start_failed", {{"error", started.status().message()}});
      return 1;
    }
    admin_server = *std::move(started);
    std::printf("pushgate admin listening admin_port=%d\n", admin_server->port());
  }

  const int http_port = (*http_server)->port();
  const int grpc_port = (*grpc_server)->port();
  // Tests and scripts read the ports from this line (they may ask for port 0).
  std::printf("pushgate listening http_port=%d grpc_port=%d\n", http_port, grpc_port);
  if (config.demo) {
    PrintDemoBanner(config, http_port, grpc_port, admin_server ? admin_server->port() : 0);
  }
  std::fflush(stdout);
  LogInfo("started", {{"http", absl::StrCat(HostOf(config.http.address), ":", http_port)},
                      {"grpc", absl::StrCat(HostOf(config.grpc.address), ":", grpc_port)},
                      {"data_dir", config.data_dir}});

  int signal_number = 0;
  for (;;) {
    sigwait(&stop_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    ReloadConfig(config, **grpc_server, **http_server, reload_webhook, delivery_engine.get());
  }
  LogInfo("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});

  // Inbound first so no new work arrives, then the engine settles what is in flight (its
  // outcomes are store writes), then the store drains what was accepted.
  (*http_server)->Stop();
  if (admin_server) admin_server->Stop();
  if (admin_rates) admin_rates->Stop();
  (*grpc_server)->Shutdown(absl::Seconds(5));
  if (delivery_engine) delivery_engine->Stop();
  retention.Stop();
  (*store)->Shutdown();
  LogInfo("stopped");
  return 0;
}

}  // namespace
}  // namespace pushgate

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "pushgate [--config FILE] [--data_dir DIR] [--http_address HOST:PORT] "
      "[--grpc_address HOST:PORT] [--admin_address HOST:PORT] | --check_config FILE | "
      "--version");
  absl::FlagsUsageConfig usage;
  usage.version_string = [] { return pushgate::VersionLine("pushgate") + "\n"; };
  absl::SetFlagsUsageConfig(usage);
  absl::ParseCommandLine(argc, argv);  // --version prints VersionLine and exits 0
  if (!absl::GetFlag(FLAGS_check_config).empty()) {
    return pushgate::CheckConfig(absl::GetFlag(FLAGS_check_config));
  }
  return pushgate::Run();
}
