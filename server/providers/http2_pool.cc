#include "providers/http2_pool.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "providers/http2_errors.h"
#include "providers/http2_tls.h"

namespace pushgate::providers::http2_internal {
namespace {

// After a failed connection attempt while others still serve the pool, the pool waits this
// long before trying another (a dead address must not be hammered).
constexpr auto kReconnectPause = std::chrono::seconds(1);

ConnectionTarget TargetOf(const Job& job) {
  ConnectionTarget target;
  target.tls = job.url.tls;
  target.host = job.url.host;
  target.port = job.url.port;
  target.pinned_addresses = ResolveOverride(job.request.tls.resolve, job.url.host, job.url.port);
  target.require_http2 = job.request.require_http2;
  return target;
}

}  // namespace

Pool::Pool(boost::asio::io_context& io, PoolHost* host, const Job& first, PoolSettings settings)
    : io_(io),
      host_(host),
      name_(first.request.pool),
      tls_(first.request.tls),
      require_http2_(first.request.require_http2),
      target_(TargetOf(first)),
      settings_(settings),
      tls_context_(MakeTlsContext(first.request.tls, first.request.require_http2)) {}

Pool::~Pool() {
  for (const auto& connection : connections_) connection->Abandon();
}

bool Pool::Matches(const Job& job) const {
  return job.request.pool == name_ && job.url.port == target_.port && job.url.tls == target_.tls &&
         job.request.require_http2 == require_http2_ && job.url.host == target_.host &&
         job.request.tls == tls_;
}

size_t Pool::open_connections() const {
  return std::count_if(connections_.begin(), connections_.end(),
                       [](const auto& c) { return !c->closed(); });
}

void Pool::Add(std::unique_ptr<Job> job) {
  last_used_ = Clock::now();
  waiting_.push_back(std::move(job));
  MarkDirty();
}

void Pool::MarkDirty() {
  if (dirty_ || waiting_.empty()) return;
  dirty_ = true;
  host_->NeedsDispatch(this);
}

void Pool::Dispatch() {
  dirty_ = false;
  RemoveClosed();
  if (!tls_context_.ok()) {
    FailAll(absl::StrCat(kErrTlsPrefix, tls_context_.status().message()));
    return;
  }
  const Clock::time_point now = Clock::now();
  while (!waiting_.empty()) {
    if (Connection* connection = PickConnection()) {
      std::unique_ptr<Job> job = std::move(waiting_.front());
      waiting_.pop_front();
      ++active_;
      connection->Submit(std::move(job));
      continue;
    }
    if (!MayOpenConnection(now)) break;
    OpenConnection();
    // HTTP/1.1 connections carry one request each: open as many as there are requests (up to
    // the cap). An HTTP/2 connection's first request goes alone, so one at a time there.
    if (!http1_) break;
    size_t connecting = std::count_if(connections_.begin(), connections_.end(),
                                      [](const auto& c) { return c->connecting(); });
    if (connecting >= waiting_.size()) break;
  }
}

Connection* Pool::PickConnection() const {
  for (const auto& connection : connections_) {
    if (connection->accepting() && connection->active() < connection->capacity()) {
      return connection.get();
    }
  }
  return nullptr;
}

bool Pool::MayOpenConnection(Clock::time_point now) const {
  if (open_connections() >= settings_.max_connections) return false;
  if (now < reconnect_not_before_) return false;
  for (const auto& connection : connections_) {
    if (connection->closed()) continue;
    if (connection->connecting() && !http1_) return false;
    if (connection->ready() && connection->http2() && !connection->confirmed()) return false;
  }
  return true;
}

void Pool::OpenConnection() {
  auto connection =
      std::make_shared<Connection>(io_, this, *tls_context_, target_, settings_.timeouts);
  connections_.push_back(connection);
  connection->Start();
}

void Pool::RemoveClosed() {
  connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                    [](const auto& c) { return c->closed(); }),
                     connections_.end());
}

void Pool::Sweep(Clock::time_point now) {
  if (!waiting_.empty()) {
    std::deque<std::unique_ptr<Job>> kept;
    std::vector<std::unique_ptr<Job>> expired;
    for (auto& job : waiting_) {
      (job->deadline <= now ? expired.emplace_back(std::move(job))
                            : kept.emplace_back(std::move(job)));
    }
    waiting_ = std::move(kept);
    for (auto& job : expired) host_->Finish(std::move(job), TimeoutFailure());
  }
  // A copy: a sweep may close a connection, and the pool forgets closed ones.
  const std::vector<std::shared_ptr<Connection>> connections = connections_;
  for (const auto& connection : connections) connection->Sweep(now);
  RemoveClosed();
  MarkDirty();
}

void Pool::FailAll(const std::string& text) {
  std::vector<std::unique_ptr<Job>> jobs;
  for (auto& job : waiting_) jobs.push_back(std::move(job));
  waiting_.clear();
  for (const auto& connection : connections_) {
    for (auto& job : connection->Abandon()) jobs.push_back(std::move(job));
  }
  connections_.clear();
  active_ = 0;
  for (auto& job : jobs) host_->Finish(std::move(job), TransportFailure(text));
}

bool Pool::IdleSince(Clock::time_point cutoff) const {
  return waiting_.empty() && active_ == 0 && last_used_ < cutoff;
}

void Pool::OnConnectionReady(Connection* connection) {
  if (!connection->http2()) http1_ = true;
  MarkDirty();
}

void Pool::OnConnectionFailed(Connection* connection, const Http2Response& failure) {
  bool others = false;
  for (const auto& c : connections_) {
    if (c.get() != connection && !c->closed()) others = true;
  }
  if (others) {
    reconnect_not_before_ = Clock::now() + kReconnectPause;
    MarkDirty();
    return;
  }
  // Nothing else serves the pool: what waits for a connection fails with this one's reason
  // (an unreachable endpoint must not hold its queue for a connect timeout per request).
  std::deque<std::unique_ptr<Job>> waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& job : waiting) host_->Finish(std::move(job), failure);
}

void Pool::OnRequestDone(Connection*, std::unique_ptr<Job> job, Http2Response response,
                         bool retry) {
  --active_;
  if (retry && ++job->attempts < kMaxAttempts) {
    waiting_.push_front(std::move(job));
  } else {
    host_->Finish(std::move(job), std::move(response));
  }
  MarkDirty();
}

void Pool::OnConnectionClosed(Connection*) { MarkDirty(); }

void Pool::OnCapacityChanged(Connection*) { MarkDirty(); }

}  // namespace pushgate::providers::http2_internal
