#include "webhook/webhook_handler.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "metrics/text_format.h"
#include "webhook/auth_lockout.h"
#include "webhook/authorizer.h"
#include "webhook/content_type.h"
#include "webhook/dedupe.h"
#include "webhook/delayed_replies.h"
#include "webhook/envelope.h"
#include "webhook/json_response.h"
#include "webhook/request_counters.h"
#include "webhook/signature.h"
#include "webhook/store_metrics.h"
#include "webhook/string_views.h"

namespace pushgate::webhook {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kTextContentType[] = "text/plain; charset=utf-8";
constexpr char kWwwAuthenticate[] = "Basic realm=\"pushgate\", charset=\"UTF-8\"";

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http::HttpResponse JsonResponse(int status, std::string body) {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http::HttpResponse Message(int status, std::string_view message) {
  return JsonResponse(status, MessageBody(message));
}

bool IsGetLike(std::string_view method) { return method == "GET" || method == "HEAD"; }

// Everything a webhook request is authorized against, swapped whole by a reload: a request
// keeps the snapshot it started with (the authorizer points into its config).
struct AuthState {
  explicit AuthState(std::shared_ptr<const config::Config> c)
      : config(std::move(c)), authorizer(config->apps) {
    for (const config::App& app : config->apps) {
      if (app.webhook.hmac) {
        signature_header.emplace(&app, absl::AsciiStrToLower(app.webhook.hmac->header));
      }
    }
  }
  const std::shared_ptr<const config::Config> config;
  const WebhookAuthorizer authorizer;
  absl::flat_hash_map<const config::App*, std::string> signature_header;
};

class Service : public std::enable_shared_from_this<Service> {
 public:
  explicit Service(const WebhookDeps& deps)
      : config_(*deps.config),
        store_(*deps.ingest),
        health_(*deps.health),
        registry_(*deps.metrics),
        engine_running_(deps.engine_running),
        now_ms_(deps.now_ms ? deps.now_ms : SystemNowMs),
        // Not owned: the caller keeps the start-up config alive; reloads bring owned ones.
        auth_(std::make_shared<const AuthState>(
            std::shared_ptr<const config::Config>(deps.config, [](const config::Config*) {}))),
        lockout_(std::make_shared<AuthLockout>(deps.config->limits.webhook_auth)),
        counters_(*deps.metrics),
        ingest_seconds_(
            deps.metrics
                ->AddHistogram(
                    "pushgate_webhook_ingest_seconds",
                    "Time from a webhook request's arrival to the commit "
                    "of its notification (successful requests only).",
                    {}, {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})
                .WithLabels({})) {
    RegisterStoreMetrics(registry_, health_, engine_running_);
    registry_.AddGaugeCallback(
        "pushgate_webhook_locked_out_sources",
        "Source addresses refused with 429 after too many failed Basic Auth attempts.", {},
        [lockout = lockout_] {
          return std::vector<metrics::GaugeSample>{
              {{}, static_cast<double>(lockout->locked_sources(Clock::now()))}};
        });
  }

  // A reloaded config's credentials, HMAC secrets and limits, for requests from now on.
  void Reload(std::shared_ptr<const config::Config> config) {
    auto state = std::make_shared<const AuthState>(config);
    lockout_->SetLimits(config->limits.webhook_auth);
    std::lock_guard<std::mutex> lock(auth_mu_);
    auth_.swap(state);
  }

  void Handle(http::HttpRequest&& request, http::Respond respond) {
    const std::string_view path = request.Path();
    if (path == config_.http.webhook_path) {
      HandleWebhook(std::move(request), std::move(respond));
    } else if (path == "/healthz") {
      if (!CheckGetLike(Route::kHealthz, request, respond)) return;
      Reply(Route::kHealthz, respond, JsonResponse(200, R"({"status":"ok"})"));
    } else if (path == "/readyz") {
      if (!CheckGetLike(Route::kReadyz, request, respond)) return;
      HandleReadyz(std::move(respond));
    } else if (path == "/metrics") {
      if (!CheckGetLike(Route::kMetrics, request, respond)) return;
      http::HttpResponse r;
      r.content_type = metrics::kTextFormatContentType;
      r.body = registry_.Render();
      Reply(Route::kMetrics, respond, std::move(r));
    } else {
      Reject(Route::kOther, request, respond, Message(404, "no such path"), "unknown path");
    }
  }

 private:
  void Reply(Route route, const http::Respond& respond, http::HttpResponse response) {
    counters_.Count(route, response.status);
    respond(std::move(response));
  }

  // One log line per refused request. `reason` is ours (never payload text or credentials).
  void Reject(Route route, const http::HttpRequest& request, const http::Respond& respond,
              http::HttpResponse response, std::string_view reason, std::string_view app_id = {}) {
    const std::string status = absl::StrCat(response.status);
    LogWarn("http_request_rejected", {{"route", RouteName(route)},
                                      {"status", status},
                                      {"reason", reason},
                                      {"method", request.method},
                                      {"app_id", app_id.substr(0, kMaxLoggedAppIdBytes)},
                                      {"remote", request.remote_address}});
    Reply(route, respond, std::move(response));
  }

  bool CheckGetLike(Route route, const http::HttpRequest& request, const http::Respond& respond) {
    if (IsGetLike(request.method)) return true;
    http::HttpResponse r = Message(405, "method not allowed; use GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    Reject(route, request, respond, std::move(r), "method not allowed");
    return false;
  }

  // StoreHealth::CheckWritable may block (after a failed batch it probes with a real write), and
  // the I/O thread must never wait on the store. So readiness runs on a helper thread; probes
  // that arrive while one runs share its answer, so a flood of /readyz costs one thread.
  void HandleReadyz(http::Respond respond) {
    bool start_worker = false;
    {
      std::lock_guard<std::mutex> lock(readiness_mu_);
      readiness_waiting_.push_back(std::move(respond));
      start_worker = !readiness_running_;
      readiness_running_ = true;
    }
    if (start_worker) std::thread([self = shared_from_this()] { self->RunReadiness(); }).detach();
  }

  void RunReadiness() {
    for (;;) {
      std::vector<http::Respond> waiting;
      {
        std::lock_guard<std::mutex> lock(readiness_mu_);
        if (readiness_waiting_.empty()) {
          readiness_running_ = false;
          return;
        }
        waiting.swap(readiness_waiting_);
      }
      const http::HttpResponse answer = CheckReadiness();
      for (const http::Respond& respond : waiting) Reply(Route::kReadyz, respond, answer);
    }
  }

  http::HttpResponse CheckReadiness() {
    const absl::Status writable = health_.CheckWritable();
    const bool engine_ok = !engine_running_ || engine_running_();
    if (writable.ok() && engine_ok) return JsonResponse(200, R"({"status":"ready"})");
    const char* reason = !writable.ok() ? "storage is not writable" : "delivery engine not running";
    LogWarn("not_ready", {{"reason", reason}});
    return JsonResponse(503,
                        absl::StrCat(R"({"status":"not ready","reason":)", JsonQuote(reason), "}"));
  }

  void HandleWebhook(http::HttpRequest&& request, http::Respond respond) {
    const Clock::time_point received = Clock::now();
    if (request.method != "POST") {
      http::HttpResponse r = Message(405, "method not allowed; use POST");
      r.headers.emplace_back("Allow", "POST");
      Reject(Route::kWebhook, request, respond, std::move(r), "method not allowed");
      return;
    }
    if (!IsJsonContentType(request.Header("content-type"))) {
      Reject(Route::kWebhook, request, respond,
             Message(415, "Content-Type must be application/json"), "unsupported media type");
      return;
    }
    // A source locked out for failing Basic Auth is refused before its credentials are
    // looked at: right ones included, or guessing could go on under the lockout.
    if (const int64_t locked = lockout_->LockedForSeconds(request.remote_address, Clock::now());
        locked > 0) {
      http::HttpResponse r =
          Message(429, "too many failed authentication attempts from this address; retry later");
      r.headers.emplace_back("Retry-After", absl::StrCat(locked));
      Reject(Route::kWebhook, request, respond, std::move(r), "source locked out");
      return;
    }
    const std::shared_ptr<const AuthState> auth = CurrentAuth();
    const WebhookAuthorizer& authorizer = auth->authorizer;
    const WebhookAuthorizer::Caller caller = authorizer.Identify(request.Header("authorization"));
    if (!authorizer.MayReadBody(caller)) {
      RejectBasicAuth(request, respond,
                      caller.presented ? "invalid credentials" : "credentials required");
      return;
    }
    std::string claimed_app_id;
    absl::StatusOr<Envelope> envelope = ParseEnvelope(request.body, &claimed_app_id);
    if (!envelope.ok()) {
      const std::string_view message = ToStd(envelope.status().message());
      Reject(Route::kWebhook, request, respond, Message(400, message), message, claimed_app_id);
      return;
    }
    const AuthDecision decision = authorizer.Authorize(caller, envelope->app_id);
    switch (decision.outcome) {
      case AuthOutcome::kAllowed:
        break;
      case AuthOutcome::kUnauthenticated:
        RejectBasicAuth(request, respond, decision.reason, envelope->app_id);
        return;
      case AuthOutcome::kForbidden:
        Reject(Route::kWebhook, request, respond, Message(403, decision.reason), decision.reason,
               envelope->app_id);
        return;
      case AuthOutcome::kUnknownApp:
        Reject(Route::kWebhook, request, respond, Message(404, decision.reason), decision.reason,
               envelope->app_id);
        return;
    }
    if (decision.app->webhook.hmac) {
      const absl::Status signed_ok = VerifyBodySignature(
          decision.app->webhook.hmac->secret.value,
          request.Header(auth->signature_header.at(decision.app)), request.body);
      if (!signed_ok.ok()) {
        RejectUnauthenticated(request, respond, ToStd(signed_ok.message()), envelope->app_id);
        return;
      }
    }
    Ingest(std::move(request), std::move(*envelope), std::move(respond), received);
  }

  void RejectUnauthenticated(const http::HttpRequest& request, const http::Respond& respond,
                             std::string_view reason, std::string_view app_id = {}) {
    http::HttpResponse r = Message(401, reason);
    r.headers.emplace_back("WWW-Authenticate", kWwwAuthenticate);
    Reject(Route::kWebhook, request, respond, std::move(r), reason, app_id);
  }

  // A failed Basic Auth: counted against the source address, answered late once it keeps
  // failing, and the failure that crosses the limit starts its lockout.
  void RejectBasicAuth(const http::HttpRequest& request, const http::Respond& respond,
                       std::string_view reason, std::string_view app_id = {}) {
    const AuthLockout::Failure failure =
        lockout_->RecordFailure(request.remote_address, Clock::now());
    auth_failures_.Increment();
    if (failure.locked_now) {
      lockouts_.Increment();
      const std::string seconds = absl::StrCat(failure.lockout_seconds);
      LogWarn("webhook_source_locked_out",
              {{"remote", request.remote_address}, {"seconds", seconds}});
    }
    if (failure.delay.count() == 0) {
      RejectUnauthenticated(request, respond, reason, app_id);
      return;
    }
    // The log line now, the answer later; the copy of the request keeps only what the log
    // needs (never the body or the Authorization header).
    http::HttpRequest summary;
    summary.method = request.method;
    summary.remote_address = request.remote_address;
    delayed_.RunAfter(failure.delay,
                      [self = shared_from_this(), summary = std::move(summary), respond,
                       reason = std::string(reason), app_id = std::string(app_id)] {
                        self->RejectUnauthenticated(summary, respond, reason, app_id);
                      });
  }

  std::shared_ptr<const AuthState> CurrentAuth() {
    std::lock_guard<std::mutex> lock(auth_mu_);
    return auth_;
  }

  void Ingest(http::HttpRequest&& request, Envelope&& envelope, http::Respond respond,
              Clock::time_point received) {
    domain::NewNotification n;
    n.dedupe_hash = DedupeHash(request.body);
    n.app_id = std::move(envelope.app_id);
    n.uid = std::move(envelope.uid);
    n.type = std::move(envelope.type);
    n.call_action = std::move(envelope.call_action);
    n.call_session_id = std::move(envelope.call_session_id);
    n.tag = std::move(envelope.tag);
    n.conversation_id = std::move(envelope.conversation_id);
    n.sender = std::move(envelope.sender);
    n.payload = std::move(request.body);
    n.received_at_ms = now_ms_();
    const std::string app_id = n.app_id;

    // The store answers either at once (a refusal) or through the callback; the flag makes
    // sure the client gets exactly one answer even if a store did both.
    auto answered = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<Service> self = shared_from_this();
    const absl::Status queued = store_.IngestNotification(
        std::move(n), [self, respond, answered, received,
                       remote = request.remote_address](absl::StatusOr<store::IngestResult> r) {
          if (answered->exchange(true)) return;
          if (r.ok()) {
            self->ingest_seconds_.Observe(
                std::chrono::duration<double>(Clock::now() - received).count());
            self->Reply(Route::kWebhook, respond,
                        JsonResponse(200, IngestedBody(r->id, r->duplicate)));
          } else {
            self->ReplyStoreError(r.status(), remote, respond);
          }
        });
    if (!queued.ok() && !answered->exchange(true)) {
      ReplyStoreError(queued, request.remote_address, respond);
    }
  }

  void ReplyStoreError(const absl::Status& status, std::string_view remote,
                       const http::Respond& respond) {
    // The store's own message may name SQL or files: it goes to the log, not to the client.
    const std::string code = absl::StatusCodeToString(status.code());
    LogWarn("webhook_store_refused",
            {{"code", code}, {"detail", ToStd(status.message())}, {"remote", remote}});
    if (absl::IsUnavailable(status) || absl::IsResourceExhausted(status)) {
      http::HttpResponse r =
          Message(503, "the notification queue is full or storage is unavailable; retry later");
      r.headers.emplace_back("Retry-After", "1");
      Reply(Route::kWebhook, respond, std::move(r));
      return;
    }
    Reply(Route::kWebhook, respond, Message(500, "internal error while storing the notification"));
  }

  const config::Config& config_;
  store::IngestStore& store_;
  store::StoreHealth& health_;
  metrics::Registry& registry_;
  const std::function<bool()> engine_running_;
  const std::function<int64_t()> now_ms_;
  std::mutex auth_mu_;  // guards the pointer auth_; the state itself is immutable
  std::shared_ptr<const AuthState> auth_;
  std::shared_ptr<AuthLockout> lockout_;  // shared with the metrics gauge
  RequestCounters counters_;
  metrics::Counter& auth_failures_ =
      registry_
          .AddCounter("pushgate_webhook_auth_failures_total",
                      "Webhook requests refused 401 for missing or wrong Basic Auth.")
          .WithLabels({});
  metrics::Counter& lockouts_ =
      registry_
          .AddCounter(
              "pushgate_webhook_auth_lockouts_total",
              "Source addresses locked out (429) after too many failed Basic Auth attempts.")
          .WithLabels({});
  metrics::Histogram& ingest_seconds_;

  std::mutex readiness_mu_;
  std::vector<http::Respond> readiness_waiting_;
  bool readiness_running_ = false;
  DelayedReplies delayed_;  // last: its thread may still call Reply while it stops
};

}  // namespace

http::HttpHandler MakeHttpHandler(const WebhookDeps& deps, WebhookReloader* reload) {
  auto service = std::make_shared<Service>(deps);
  if (reload != nullptr) {
    *reload = [weak =
                   std::weak_ptr<Service>(service)](std::shared_ptr<const config::Config> config) {
      if (auto s = weak.lock()) s->Reload(std::move(config));
    };
  }
  return [service](http::HttpRequest&& request, http::Respond respond) {
    service->Handle(std::move(request), std::move(respond));
  };
}

http::ProtocolErrorHook MakeProtocolErrorHook(metrics::Registry& metrics) {
  auto counters = std::make_shared<RequestCounters>(metrics);
  return [counters](int status) { counters->Count(Route::kUnparsed, status); };
}

}  // namespace pushgate::webhook
