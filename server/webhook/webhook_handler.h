// The HTTP routes of pushgate's listener: the CometChat webhook, health, readiness and
// Prometheus metrics. The glue between http/ (transport), webhook/'s pure checks, the store
// and the metrics registry.
//
//   POST <http.webhook_path>  store a notification; 200 {"id":"…","duplicate":false|true}
//   GET  /healthz             200 {"status":"ok"} while the process serves
//   GET  /readyz              200 when the store is writable and the engine runs, else 503
//   GET  /metrics             Prometheus text format
//
// Webhook checks, in order (the first that fails answers):
//   method ≠ POST → 405 (Allow) · unknown path → 404 · Content-Type not application/json →
//   415 · credentials (authorizer.h) → 401 · JSON/envelope → 400 · app → 404/403 ·
//   HMAC signature when the app configures one → 401 · then IngestStore::IngestNotification:
//   200 once committed, 503 + Retry-After when the queue is full or storage unusable.
#ifndef PUSHGATE_WEBHOOK_WEBHOOK_HANDLER_H_
#define PUSHGATE_WEBHOOK_WEBHOOK_HANDLER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "config/config.h"
#include "http/http_server.h"
#include "metrics/registry.h"
#include "store/ingest_store.h"
#include "store/store_health.h"

namespace pushgate::webhook {

struct WebhookDeps {
  // All four must outlive the handler and every response it has yet to send.
  const config::Config* config = nullptr;  // apps and http.webhook_path
  store::IngestStore* ingest = nullptr;    // where accepted notifications go
  store::StoreHealth* health = nullptr;    // /readyz and the store gauges on /metrics
  metrics::Registry* metrics = nullptr;
  // Whether the delivery engine runs; /readyz answers 503 while false. Empty: always true.
  std::function<bool()> engine_running;
  // Wall clock in ms since the epoch, for received_at. Empty: the system clock.
  std::function<int64_t()> now_ms;
};

// Applies a reloaded config (SIGHUP) to requests from now on: webhook credentials, HMAC
// secrets and the Basic Auth lockout limits. The path and listener stay as started.
using WebhookReloader = std::function<void(std::shared_ptr<const config::Config>)>;

// The handler to give StartHttpServer. Registers its metrics in deps.metrics
// (pushgate_http_requests_total{route,status}, pushgate_webhook_ingest_seconds, the Basic
// Auth failure and lockout counts, pushgate_ready, and the store gauges of store_metrics.h): call
// once per registry. With `reload`, fills it with the function that swaps in a new config.
//
// Repeated failed Basic Auth from one source address (auth_lockout.h) is answered late, then
// refused 429 + Retry-After for the lockout period, per config.limits.webhook_auth.
http::HttpHandler MakeHttpHandler(const WebhookDeps& deps, WebhookReloader* reload = nullptr);

// The hook to give StartHttpServer: counts what the server answers by itself (413, 431, 400,
// 408) as pushgate_http_requests_total{route="unparsed",status=…}.
http::ProtocolErrorHook MakeProtocolErrorHook(metrics::Registry& metrics);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_WEBHOOK_HANDLER_H_
