// The webhook path as main.cpp will wire it (config → store → handler → HTTP server), for
// benchmarks. With --fake-store the store answers at once without touching disk, which
// isolates the HTTP, auth and parsing cost from the store's.
//
//   webhook_bench_server --config <file> [--fake-store]
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "config/config.h"
#include "http/http_server.h"
#include "metrics/registry.h"
#include "store/sqlite_store.h"
#include "webhook/webhook_handler.h"

namespace {

using namespace pushgate;

// Commits nothing: the answer comes back on the calling (I/O) thread at once.
class InstantStore : public store::IngestStore, public store::StoreHealth {
 public:
  absl::Status IngestNotification(domain::NewNotification,
                                  store::Callback<store::IngestResult> done) override {
    done(store::IngestResult{++next_id_, false});
    return absl::OkStatus();
  }
  absl::Status CheckWritable() override { return absl::OkStatus(); }
  store::StoreStats Stats() override { return {}; }

 private:
  std::atomic<int64_t> next_id_{0};
};

int Fail(const std::string& what) {
  std::fprintf(stderr, "webhook_bench_server: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool fake_store = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
    } else if (std::strcmp(argv[i], "--fake-store") == 0) {
      fake_store = true;
    } else {
      return Fail("usage: webhook_bench_server --config <file> [--fake-store]");
    }
  }
  if (config_path.empty()) return Fail("--config is required");

  // Every thread started below inherits this mask, so only sigwait sees the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<config::Config> config = config::LoadConfigFile(config_path, config::ProcessEnv());
  if (!config.ok()) return Fail(std::string(config.status().message()));

  InstantStore instant;
  std::unique_ptr<store::SqliteStore> sqlite;
  store::IngestStore* ingest = &instant;
  store::StoreHealth* health = &instant;
  if (!fake_store) {
    auto opened = store::SqliteStore::Open(store::SqliteStoreOptionsFrom(*config));
    if (!opened.ok()) return Fail(std::string(opened.status().message()));
    sqlite = *std::move(opened);
    ingest = sqlite.get();
    health = sqlite.get();
  }

  metrics::Registry registry;
  webhook::WebhookDeps deps;
  deps.config = &*config;
  deps.ingest = ingest;
  deps.health = health;
  deps.metrics = &registry;
  auto server = http::StartHttpServer(config->http, webhook::MakeHttpHandler(deps),
                                      webhook::MakeProtocolErrorHook(registry));
  if (!server.ok()) return Fail(std::string(server.status().message()));
  std::printf("webhook_bench_server: port=%d store=%s\n", (*server)->port(),
              fake_store ? "fake" : "sqlite");
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  (*server)->Stop();
  if (sqlite) sqlite->Shutdown();
  return 0;
}
