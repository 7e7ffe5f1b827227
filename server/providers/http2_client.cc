// The Http2Client: one thread runs an Asio io_context that owns every pool, connection and
// queue; other threads only touch the mutex-protected inbox (and post one wakeup per batch).
#include "providers/http2_client.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "providers/http2_errors.h"
#include "providers/http2_job.h"
#include "providers/http2_pool.h"

namespace pushgate::providers {

std::string Http2Response::Header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return std::string();
}

namespace {

namespace asio = boost::asio;
using http2_internal::Clock;
using http2_internal::Job;
using http2_internal::Pool;

// How often timeouts (requests, connects, pings) are checked: their resolution.
constexpr auto kTick = std::chrono::milliseconds(100);

Clock::duration ToClock(absl::Duration d, absl::Duration low, absl::Duration high) {
  return absl::ToChronoMilliseconds(std::clamp(d, low, high));
}

class AsioHttp2Client final : public Http2Client, public http2_internal::PoolHost {
 public:
  explicit AsioHttp2Client(const Http2ClientOptions& options)
      : options_(options), work_(asio::make_work_guard(io_)), timer_(io_) {
    pool_settings_.max_connections = options.max_connections_per_pool;
    pool_settings_.timeouts.connect =
        ToClock(options.connect_timeout, absl::Milliseconds(1), absl::Hours(1));
    pool_settings_.timeouts.ping_interval =
        ToClock(options.ping_interval, absl::Milliseconds(1), absl::Hours(24));
    pool_settings_.timeouts.ping_timeout =
        ToClock(options.ping_timeout, absl::Milliseconds(1), absl::Hours(24));
    pool_settings_.timeouts.idle =
        ToClock(options.idle_connection_timeout, absl::Milliseconds(100), absl::Hours(24 * 365));
    idle_pool_timeout_ = pool_settings_.timeouts.idle;
    housekeeping_interval_ = std::clamp<Clock::duration>(
        idle_pool_timeout_ / 2, std::chrono::milliseconds(100), std::chrono::seconds(60));
  }

  ~AsioHttp2Client() override {
    if (std::this_thread::get_id() == thread_.get_id()) {
      // From a callback the thread would go on running on the state being destroyed.
      LogError("http2_client_destroyed_from_its_callback");
      std::abort();
    }
    Shutdown();
  }

  void Start() {
    next_housekeeping_ = Clock::now() + housekeeping_interval_;
    ArmTimer();
    thread_ = std::thread([this] { Run(); });
  }

  void Send(Http2Request request, std::function<void(Http2Response)> done) override {
    pending_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!closed_) {
        // One wakeup per batch: the thread takes the whole inbox at once.
        const bool was_empty = inbox_.empty();
        auto job = std::make_unique<Job>();
        job->request = std::move(request);
        job->done = std::move(done);
        inbox_.push_back(std::move(job));
        if (was_empty) asio::post(io_, [this] { Pump(); });
        return;
      }
    }
    // The client thread is gone; nobody else can run the callback.
    Complete(std::move(done), http2_internal::TransportFailure(http2_internal::kErrShutdown));
  }

  size_t Pending() const override { return pending_.load(std::memory_order_relaxed); }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        stopping_ = true;
        asio::post(io_, [this] { Stop(); });
      }
    }
    // From a callback (client thread) we can only ask; the owner's later Shutdown() joins.
    if (std::this_thread::get_id() == thread_.get_id()) return;
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

  // PoolHost.
  void Finish(std::unique_ptr<Job> job, Http2Response response) override {
    --in_flight_;
    ++completed_;
    if (!response.transport_error.empty() && GetLogLevel() <= LogLevel::kDebug) {
      Log(LogLevel::kDebug, "http2_transport_error",
          {{"pool", job->request.pool}, {"error", response.transport_error}});
    }
    Complete(std::move(job->done), std::move(response));
    if (!queued_.empty()) RequestPump();
  }

  void NeedsDispatch(Pool* pool) override {
    dirty_.push_back(pool);
    RequestPump();
  }

 private:
  void Run() {
    pthread_setname_np(pthread_self(), "http2-client");  // visible in top -H and perf
    LogInfo("http2_client_started",
            {{"max_in_flight", std::to_string(options_.max_in_flight)},
             {"max_connections_per_pool", std::to_string(options_.max_connections_per_pool)}});
    io_.run();
    LogInfo("http2_client_stopped",
            {{"pumps", std::to_string(pumps_)}, {"completed", std::to_string(completed_)}});
  }

  void RequestPump() {
    if (pump_posted_ || stopped_) return;
    pump_posted_ = true;
    asio::post(io_, [this] { Pump(); });
  }

  // Takes the inbox, starts what fits under max_in_flight, lets the pools place their requests.
  void Pump() {
    pump_posted_ = false;
    if (stopped_) return;
    ++pumps_;
    {
      std::lock_guard<std::mutex> lock(mu_);
      taken_.swap(inbox_);
    }
    for (auto& job : taken_) queued_.push_back(std::move(job));
    taken_.clear();
    StartQueued();
    while (!dirty_.empty()) {
      std::vector<Pool*> pools;
      pools.swap(dirty_);
      for (Pool* pool : pools) pool->Dispatch();
    }
  }

  void StartQueued() {
    const Clock::time_point now = Clock::now();
    while (in_flight_ < options_.max_in_flight && !queued_.empty()) {
      std::unique_ptr<Job> job = std::move(queued_.front());
      queued_.pop_front();
      absl::Status valid = http2_internal::CheckRequest(job->request);
      absl::StatusOr<http2_internal::RequestUrl> url =
          http2_internal::ParseRequestUrl(job->request.url);
      if (valid.ok() && !url.ok()) valid = url.status();
      if (!valid.ok()) {
        Complete(std::move(job->done),
                 http2_internal::TransportFailure(
                     absl::StrCat(http2_internal::kErrInvalidRequestPrefix, valid.message())));
        continue;
      }
      job->url = *std::move(url);
      job->deadline = http2_internal::DeadlineAfter(now, job->request.timeout);
      Pool* pool = PoolFor(*job);
      ++in_flight_;
      pool->Add(std::move(job));
    }
  }

  // Pools are found by name first, then by TLS settings and destination: a caller reusing a
  // pool name with other credentials never gets a connection made with others.
  Pool* PoolFor(const Job& job) {
    std::vector<std::unique_ptr<Pool>>& named = pools_[job.request.pool];
    for (const auto& pool : named) {
      if (pool->Matches(job)) return pool.get();
    }
    named.push_back(std::make_unique<Pool>(io_, this, job, pool_settings_));
    return named.back().get();
  }

  void ArmTimer() {
    timer_.expires_after(kTick);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (error || stopped_) return;
      Tick();
      ArmTimer();
    });
  }

  // Timeouts and keep-alive on every pool; now and then, drops pools unused for
  // idle_connection_timeout (closing their connections: a departed app's pool would
  // otherwise live forever).
  void Tick() {
    const Clock::time_point now = Clock::now();
    for (auto& [name, pools] : pools_) {
      for (auto& pool : pools) pool->Sweep(now);
    }
    if (now < next_housekeeping_) return;
    next_housekeeping_ = now + housekeeping_interval_;
    const Clock::time_point cutoff = now - idle_pool_timeout_;
    for (auto it = pools_.begin(); it != pools_.end();) {
      auto& pools = it->second;
      for (auto pool = pools.begin(); pool != pools.end();) {
        if (!(*pool)->IdleSince(cutoff)) {
          ++pool;
          continue;
        }
        LogInfo("http2_pool_closed", {{"pool", (*pool)->name()}, {"reason", "idle"}});
        dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), pool->get()), dirty_.end());
        pool = pools.erase(pool);
      }
      it = pools.empty() ? pools_.erase(it) : std::next(it);
    }
  }

  // Fails everything still queued or in flight, exactly once each, and ends the loop.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;  // from now on Send completes on the caller's thread
      taken_.swap(inbox_);
    }
    for (auto& job : taken_) queued_.push_back(std::move(job));
    taken_.clear();
    const Http2Response shutdown = http2_internal::TransportFailure(http2_internal::kErrShutdown);
    while (!queued_.empty()) {
      std::unique_ptr<Job> job = std::move(queued_.front());
      queued_.pop_front();
      Complete(std::move(job->done), shutdown);
    }
    for (auto& [name, pools] : pools_) {
      for (auto& pool : pools) pool->FailAll(http2_internal::kErrShutdown);
    }
    stopped_ = true;
    dirty_.clear();
    pools_.clear();
    timer_.cancel();
    work_.reset();
    io_.stop();
  }

  void Complete(std::function<void(Http2Response)> done, Http2Response response) {
    // Counted out before the callback so that Pending() inside it no longer includes it.
    pending_.fetch_sub(1, std::memory_order_relaxed);
    if (done) done(std::move(response));
  }

  const Http2ClientOptions options_;
  http2_internal::PoolSettings pool_settings_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer timer_;
  std::thread thread_;
  std::mutex join_mu_;
  std::atomic<size_t> pending_{0};

  std::mutex mu_;
  std::vector<std::unique_ptr<Job>> inbox_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_: Shutdown() was called
  bool closed_ = false;                      // guarded by mu_: the thread took its last inbox

  // Client thread only.
  std::vector<std::unique_ptr<Job>> taken_;
  std::deque<std::unique_ptr<Job>> queued_;  // FIFO of requests past max_in_flight
  size_t in_flight_ = 0;
  bool pump_posted_ = false;
  bool stopped_ = false;
  std::vector<Pool*> dirty_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Pool>>> pools_;
  Clock::duration idle_pool_timeout_;
  Clock::duration housekeeping_interval_;
  Clock::time_point next_housekeeping_;
  uint64_t pumps_ = 0;
  uint64_t completed_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Http2Client>> StartHttp2Client(const Http2ClientOptions& options) {
  if (options.max_in_flight == 0) return absl::InvalidArgumentError("max_in_flight must be > 0");
  if (options.max_connections_per_pool == 0) {
    return absl::InvalidArgumentError("max_connections_per_pool must be > 0");
  }
  if (options.ping_interval <= absl::ZeroDuration() ||
      options.ping_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ping_interval and ping_timeout must be > 0");
  }
  auto client = std::make_unique<AsioHttp2Client>(options);
  client->Start();
  return std::unique_ptr<Http2Client>(std::move(client));
}

}  // namespace pushgate::providers
