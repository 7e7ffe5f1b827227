// The libcurl implementation of Http2Client: one thread owns a CURLM and everything hanging off
// it (pools, transfers, queues); other threads only touch the mutex-protected inbox.
#include "providers/http2_client.h"

#include <curl/curl.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "providers/http2_errors.h"
#include "providers/http2_pool.h"
#include "providers/http2_stray_reset.h"
#include "providers/http2_transfer.h"

namespace pushgate::providers {

std::string Http2Response::Header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::string();
}

namespace {

using http2_internal::Job;
using http2_internal::Pool;
using http2_internal::Transfer;
using http2_internal::TransferSettings;

// libcurl applies the lower of this and the server's SETTINGS_MAX_CONCURRENT_STREAMS.
constexpr long kMaxConcurrentStreams = 1000;
// Idle connections kept per pool; libcurl's default (4 x handles in the multi) would close
// pools' connections whenever traffic dips.
constexpr long kMaxCachedConnections = 1000;
// Upper bound of one curl_multi_poll; wakeups and libcurl's own timers usually end it sooner.
constexpr int kPollTimeoutMs = 1000;
// The fewest requests a pass must send for its connections to be corked (see Run).
constexpr size_t kCorkMinRequests = 8;

Http2Response Failed(std::string text) {
  Http2Response response;
  response.transport_error = std::move(text);
  return response;
}

class CurlHttp2Client final : public Http2Client {
 public:
  CurlHttp2Client(const Http2ClientOptions& options, CURLM* multi)
      : options_(options), multi_(multi) {
    settings_.connect_timeout_ms =
        static_cast<long>(std::max<int64_t>(1, absl::ToInt64Milliseconds(options.connect_timeout)));
    settings_.max_idle_age_s = static_cast<long>(
        std::max<int64_t>(1, absl::ToInt64Seconds(options.idle_connection_timeout)));
    // Capped so that `now - idle_pool_timeout_` cannot overflow for an infinite timeout.
    idle_pool_timeout_ = absl::ToChronoMilliseconds(std::clamp(
        options.idle_connection_timeout, absl::Milliseconds(100), absl::Hours(24 * 365)));
    housekeeping_interval_ = std::clamp<std::chrono::milliseconds>(
        idle_pool_timeout_ / 2, std::chrono::milliseconds(100), std::chrono::seconds(60));
    next_housekeeping_ = std::chrono::steady_clock::now() + housekeeping_interval_;
    batch_window_ = std::chrono::microseconds(absl::ToInt64Microseconds(
        std::clamp(options.batch_window, absl::ZeroDuration(), absl::Seconds(1))));
  }

  ~CurlHttp2Client() override {
    if (std::this_thread::get_id() == thread_.get_id()) {
      // From a callback the thread would go on running on the state being destroyed.
      LogError("http2_client_destroyed_from_its_callback");
      std::abort();
    }
    Shutdown();
  }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  void Send(Http2Request request, std::function<void(Http2Response)> done) override {
    pending_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!closed_) {
        // One wakeup per batch: the thread takes the whole inbox at once, so a wakeup is owed
        // only when the inbox goes from empty to non-empty.
        const bool was_empty = inbox_.empty();
        inbox_.push_back(Job{std::move(request), std::move(done)});
        if (was_empty) curl_multi_wakeup(multi_);
        return;
      }
    }
    // The client thread is gone; nobody else can run the callback.
    Complete(std::move(done), Failed(http2_internal::kErrShutdown));
  }

  size_t Pending() const override { return pending_.load(std::memory_order_relaxed); }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        stopping_ = true;
        if (!closed_) curl_multi_wakeup(multi_);
      }
    }
    // From a callback (client thread) we can only ask; the owner's later Shutdown() joins.
    if (std::this_thread::get_id() == thread_.get_id()) return;
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    pthread_setname_np(pthread_self(), "http2-client");  // visible in top -H and perf
    LogInfo("http2_client_started",
            {{"max_in_flight", std::to_string(options_.max_in_flight)},
             {"max_connections_per_pool", std::to_string(options_.max_connections_per_pool)}});
    while (TakeInbox()) {
      ++loops_;
      last_pass_ = std::chrono::steady_clock::now();
      // Corked only when the pass has a batch to send: a thread preempted while corked holds
      // every frame of its pass, which a few requests per pass (low rates) would pay in
      // latency without the batch that makes the cork pay off (docs/BENCHMARKS.md).
      const bool cork = StartQueued() + pass_carryover_ >= kCorkMinRequests;
      pass_carryover_ = 0;
      if (cork) CorkConnections(true);
      int running = 0;
      curl_multi_perform(multi_, &running);
      if (cork) CorkConnections(false);
      ReapFinished();
      // Start what the completions made room for before sleeping; libcurl's timer for the new
      // handles is due at once, so the poll below returns immediately. They are sent by the
      // next pass's perform, so they count towards its batch.
      pass_carryover_ = StartQueued();
      Housekeeping();
      WaitOutBatchWindow();
      curl_multi_poll(multi_, nullptr, 0, kPollTimeoutMs, nullptr);
    }
    FailEverything();
    pools_.clear();  // transfers, then the shares with their connections
    curl_multi_cleanup(multi_);
    multi_ = nullptr;
    // Completions per loop show how well wakeups are batched (the loop's cost grows with the
    // number of transfers libcurl holds, so few completions per loop means more CPU each).
    LogInfo("http2_client_stopped",
            {{"loops", std::to_string(loops_)}, {"completed", std::to_string(completed_)}});
  }

  // Around a pass's perform: its frames leave together when the connections are uncorked (see
  // Pool::CorkConnections), before the thread waits, so nothing is held past the pass.
  void CorkConnections(bool cork) {
    for (auto& [key, pool] : pools_) pool->CorkConnections(cork);
  }

  // While answers are awaited, lets the batch window pass since the pass began so that the next
  // pass handles every answer that came in meanwhile (see Http2ClientOptions::batch_window).
  // Idle, the thread just waits: the first request or answer is handled at once.
  void WaitOutBatchWindow() {
    if (in_flight_ == 0 || batch_window_.count() <= 0) return;
    const auto next_pass = last_pass_ + batch_window_;
    if (std::chrono::steady_clock::now() < next_pass) std::this_thread::sleep_until(next_pass);
  }

  // Moves the inbox to the queue; false once Shutdown() was called (the inbox is then closed
  // in the same critical section, so no request can slip in after the final take).
  bool TakeInbox() {
    bool stop;
    {
      std::lock_guard<std::mutex> lock(mu_);
      taken_.swap(inbox_);
      stop = stopping_;
      if (stop) closed_ = true;
    }
    for (Job& job : taken_) queued_.push_back(std::move(job));
    taken_.clear();
    return !stop;
  }

  // Returns how many requests it took off the queue.
  size_t StartQueued() {
    size_t started = 0;
    while (in_flight_ < options_.max_in_flight && !queued_.empty()) {
      Job job = std::move(queued_.front());
      queued_.pop_front();
      StartJob(std::move(job));
      ++started;
    }
    return started;
  }

  void StartJob(Job job) {
    Pool* pool = PoolFor(job.request);
    if (pool == nullptr) {
      Complete(std::move(job.done), Failed(absl::StrCat(http2_internal::kErrOtherPrefix,
                                                        "cannot create connection pool")));
      return;
    }
    using Admission = http2_internal::ConnectionGate::Admission;
    Admission admission = pool->Admit();
    if (admission == Admission::kStep && !job.request.require_http2 && pool->confirmed()) {
      // HTTP/1.1 allowed (forward hooks): a connection per request is normal there, and the
      // one-stream rule is an HTTP/2 server's; only a new pool's first request goes alone.
      admission = Admission::kGo;
    }
    if (admission == Admission::kHold) {
      pool->Hold(std::move(job));
      return;
    }
    absl::StatusOr<Transfer*> acquired = pool->Acquire();
    if (!acquired.ok()) {
      Complete(std::move(job.done), Failed(absl::StrCat(http2_internal::kErrOtherPrefix,
                                                        std::string(acquired.status().message()))));
      return;
    }
    Transfer* transfer = *acquired;
    absl::Status prepared = transfer->Prepare(std::move(job.request), std::move(job.done));
    if (!prepared.ok()) {
      Transfer::Done done = transfer->TakeDone();
      pool->Release(transfer);
      Complete(std::move(done),
               Failed(absl::StrCat(http2_internal::kErrInvalidRequestPrefix, prepared.message())));
      return;
    }
    CURLMcode added = curl_multi_add_handle(multi_, transfer->easy());
    if (added != CURLM_OK) {
      Transfer::Done done = transfer->TakeDone();
      transfer->Abandon();
      pool->Release(transfer);
      Complete(std::move(done),
               Failed(absl::StrCat(http2_internal::kErrOtherPrefix, curl_multi_strerror(added))));
      return;
    }
    ++in_flight_;
    pool->OnStarted();
    if (admission == Admission::kStep) {
      // Let libcurl pick (or open) this request's connection now, so the pool knows whether it
      // is a new connection's first request before anything else of the pool is added.
      const uint64_t opened_before = pool->connections_opened();
      int running = 0;
      curl_multi_perform(multi_, &running);
      pool->OnStepped(transfer, opened_before);
    }
  }

  void ReapFinished() {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      ++completed_;
      // The message dies with curl_multi_remove_handle: copy what we need first.
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      char* opaque = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &opaque);
      auto* transfer = reinterpret_cast<Transfer*>(opaque);
      curl_multi_remove_handle(multi_, easy);
      Pool* pool = transfer->owner();
      Http2Response response = transfer->Finish(result);
      Transfer::Done done = transfer->TakeDone();
      pool->Release(transfer);
      --in_flight_;
      std::deque<Job> released = pool->OnFinished(transfer, response.status > 0);
      // Held requests were taken off the queue before anything still in it: they go first.
      for (auto it = released.rbegin(); it != released.rend(); ++it) {
        queued_.push_front(std::move(*it));
      }
      if (!response.transport_error.empty() && GetLogLevel() <= LogLevel::kDebug) {
        Log(LogLevel::kDebug, "http2_transport_error",
            {{"pool", pool->name()}, {"error", response.transport_error}});
      }
      Complete(std::move(done), std::move(response));
    }
  }

  // Drops pools unused for idle_connection_timeout (closing their connections: a departed
  // app's pool would otherwise live forever) and trims the others' idle transfers.
  void Housekeeping() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_housekeeping_) return;
    next_housekeeping_ = now + housekeeping_interval_;
    const auto cutoff = now - idle_pool_timeout_;
    for (auto it = pools_.begin(); it != pools_.end();) {
      Pool& pool = *it->second;
      if (pool.IdleSince(cutoff)) {
        LogInfo("http2_pool_closed", {{"pool", pool.name()}, {"reason", "idle"}});
        it = pools_.erase(it);
        continue;
      }
      pool.TrimIdleTransfers();
      ++it;
    }
  }

  Pool* PoolFor(const Http2Request& request) {
    std::string key = Pool::KeyFor(request);
    auto it = pools_.find(key);
    if (it != pools_.end()) return it->second.get();
    absl::StatusOr<std::unique_ptr<Pool>> pool = Pool::Create(request, settings_);
    if (!pool.ok()) {
      const std::string error(pool.status().message());
      LogError("http2_pool_create_failed", {{"pool", request.pool}, {"error", error}});
      return nullptr;
    }
    return pools_.emplace(std::move(key), *std::move(pool)).first->second.get();
  }

  void FailEverything() {
    for (auto& [key, pool] : pools_) {
      for (const std::unique_ptr<Transfer>& transfer : pool->transfers()) {
        if (!transfer->active()) continue;
        curl_multi_remove_handle(multi_, transfer->easy());
        Transfer::Done done = transfer->TakeDone();
        transfer->Abandon();
        pool->Release(transfer.get());
        Complete(std::move(done), Failed(http2_internal::kErrShutdown));
      }
      for (Job& job : pool->TakeHeld()) {
        Complete(std::move(job.done), Failed(http2_internal::kErrShutdown));
      }
    }
    in_flight_ = 0;
    while (!queued_.empty()) {
      Job job = std::move(queued_.front());
      queued_.pop_front();
      Complete(std::move(job.done), Failed(http2_internal::kErrShutdown));
    }
  }

  void Complete(Transfer::Done done, Http2Response response) {
    // Counted out before the callback so that Pending() inside it no longer includes it.
    pending_.fetch_sub(1, std::memory_order_relaxed);
    if (done) done(std::move(response));
  }

  const Http2ClientOptions options_;
  TransferSettings settings_;
  CURLM* multi_;
  std::thread thread_;
  std::mutex join_mu_;
  std::atomic<size_t> pending_{0};

  std::mutex mu_;
  std::vector<Job> inbox_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_: Shutdown() was called
  bool closed_ = false;     // guarded by mu_: the thread took its last inbox; multi_ may be gone

  // Client thread only.
  std::vector<Job> taken_;
  std::deque<Job> queued_;  // FIFO of requests past max_in_flight
  size_t in_flight_ = 0;
  std::chrono::milliseconds idle_pool_timeout_;
  std::chrono::milliseconds housekeeping_interval_;
  std::chrono::steady_clock::time_point next_housekeeping_;
  std::chrono::microseconds batch_window_;
  std::chrono::steady_clock::time_point last_pass_;
  size_t pass_carryover_ = 0;  // requests started after the last perform, sent by the next
  uint64_t loops_ = 0;
  uint64_t completed_ = 0;
  std::unordered_map<std::string, std::unique_ptr<Pool>> pools_;
};

absl::Status CheckCurl() {
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (init != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init: ", curl_easy_strerror(init)));
  }
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if ((info->features & CURL_VERSION_HTTP2) == 0) {
    return absl::FailedPreconditionError("libcurl was built without HTTP/2");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Http2Client>> StartHttp2Client(const Http2ClientOptions& options) {
  if (options.max_in_flight == 0) return absl::InvalidArgumentError("max_in_flight must be > 0");
  if (options.max_connections_per_pool == 0) {
    return absl::InvalidArgumentError("max_connections_per_pool must be > 0");
  }
  if (options.batch_window < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("batch_window must not be negative");
  }
  if (absl::Status curl = CheckCurl(); !curl.ok()) return curl;
  if (!http2_internal::StrayResetFilterActive()) {
    // Works without it, but every answer without a body costs a stray RST_STREAM, and servers
    // that count resets close the connection after about a thousand (http2_stray_reset.h).
    LogError("http2_stray_reset_filter_inactive");
  }

  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return absl::ResourceExhaustedError("curl_multi_init failed");
  const long per_pool = static_cast<long>(std::min<size_t>(options.max_connections_per_pool, 1000));
  // CURLMOPT_MAX_TOTAL_CONNECTIONS is left unset on purpose: with a connection cache per pool
  // (see http2_pool.h) libcurl would count it per pool too, so it could only repeat the
  // per-host limit while wrongly capping a pool that talks to several hosts.
  const bool ok = curl_multi_setopt(multi, CURLMOPT_PIPELINING,
                                    static_cast<long>(CURLPIPE_MULTIPLEX)) == CURLM_OK &&
                  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, per_pool) == CURLM_OK &&
                  curl_multi_setopt(multi, CURLMOPT_MAX_CONCURRENT_STREAMS,
                                    kMaxConcurrentStreams) == CURLM_OK &&
                  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, kMaxCachedConnections) == CURLM_OK;
  if (!ok) {
    curl_multi_cleanup(multi);
    return absl::InternalError("curl_multi_setopt failed");
  }
  auto client = std::make_unique<CurlHttp2Client>(options, multi);
  client->Start();
  return std::unique_ptr<Http2Client>(std::move(client));
}

}  // namespace pushgate::providers
