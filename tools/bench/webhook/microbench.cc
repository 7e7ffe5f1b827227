// Per-step CPU cost of the webhook path without sockets: parse + validate, credential check,
// dedupe key, and the whole handler (with a store that answers at once). Measured in thread CPU
// time, so other load on a shared machine barely moves the numbers.
//
//   webhook_microbench <chat.json> [iterations]
#include <time.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "common/crypto.h"
#include "config/config.h"
#include "http/http_server.h"
#include "metrics/registry.h"
#include "nlohmann/json.hpp"
#include "store/ingest_store.h"
#include "store/store_health.h"
#include "webhook/authorizer.h"
#include "webhook/dedupe.h"
#include "webhook/envelope.h"
#include "webhook/webhook_handler.h"

namespace {

using namespace pushgate;

double ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void Measure(const char* name, int iterations, const std::function<void()>& op) {
  for (int i = 0; i < iterations / 10; ++i) op();  // warm caches and branch predictors
  const double start = ThreadCpuNs();
  for (int i = 0; i < iterations; ++i) op();
  const double ns = (ThreadCpuNs() - start) / iterations;
  std::printf("%-44s %9.0f ns/op\n", name, ns);
}

class InstantStore : public store::IngestStore, public store::StoreHealth {
 public:
  absl::Status IngestNotification(domain::NewNotification,
                                  store::Callback<store::IngestResult> done) override {
    done(store::IngestResult{++id_, false});
    return absl::OkStatus();
  }
  absl::Status CheckWritable() override { return absl::OkStatus(); }
  store::StoreStats Stats() override { return {}; }

 private:
  int64_t id_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: webhook_microbench <chat.json> [iterations]\n");
    return 2;
  }
  const int iterations = argc > 2 ? std::stoi(argv[2]) : 200000;
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = nlohmann::json::parse(text.str()).dump();  // compact, ~0.9 KB
  std::printf("payload: %zu bytes, %d iterations\n", body.size(), iterations);

  config::Config config;
  config::App app;
  app.app_id = "app123";
  config::BasicAuthCredential pair;
  pair.username = "cometchat";
  pair.password.value = "bench-pw";
  app.webhook.basic_auth.push_back(pair);
  config.apps.push_back(app);
  const std::string authorization = "Basic " + Base64Encode("cometchat:bench-pw");

  volatile size_t sink = 0;
  Measure("nlohmann::json::parse (reference)", iterations / 4,
          [&] { sink = sink + nlohmann::json::parse(body).size(); });
  Measure("ParseEnvelope (boost::json + validation)", iterations,
          [&] { sink = sink + webhook::ParseEnvelope(body)->uid.size(); });
  webhook::WebhookAuthorizer authorizer(config.apps);
  Measure("Authorizer Identify + Authorize (1 pair)", iterations, [&] {
    auto caller = authorizer.Identify(authorization);
    sink = sink + static_cast<size_t>(authorizer.Authorize(caller, "app123").outcome);
  });
  Measure("DedupeHash (SHA-256 of the body)", iterations,
          [&] { sink = sink + static_cast<size_t>(webhook::DedupeHash(body)); });

  InstantStore store;
  metrics::Registry registry;
  webhook::WebhookDeps deps;
  deps.config = &config;
  deps.ingest = &store;
  deps.health = &store;
  deps.metrics = &registry;
  http::HttpHandler handler = webhook::MakeHttpHandler(deps);
  http::HttpRequest prototype;
  prototype.method = "POST";
  prototype.target = "/webhook";
  prototype.headers = {{"host", "127.0.0.1:18080"},
                       {"content-type", "application/json"},
                       {"authorization", authorization},
                       {"content-length", std::to_string(body.size())}};
  prototype.body = body;
  prototype.remote_address = "127.0.0.1";
  Measure("whole handler, instant store (incl. request copy)", iterations, [&] {
    http::HttpRequest request = prototype;
    handler(std::move(request), [&](http::HttpResponse r) { sink = sink + r.body.size(); });
  });
  return sink == 42 ? 1 : 0;
}
