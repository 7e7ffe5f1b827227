// One connection pool of the HTTP/2 client: the connections to one destination (scheme, host,
// port) with one set of TLS settings and one pool name (APNs binds a team to a connection, so
// pools never mix credentials), and the requests waiting for room on them. Decides where each
// request goes:
//   - a ready connection with room: up to its capacity (the peer's
//     SETTINGS_MAX_CONCURRENT_STREAMS once a first answer arrived, 1 before, 1 for HTTP/1.1);
//   - otherwise a new connection, up to the pool's cap, and only when no other connection is
//     still being set up or awaiting its first answer: every new connection's first request
//     goes alone (APNs accepts one stream until the provider token is validated);
//   - otherwise the request waits, in order.
// Client thread only; internal to providers/http2_*.
#ifndef PUSHGATE_PROVIDERS_HTTP2_POOL_H_
#define PUSHGATE_PROVIDERS_HTTP2_POOL_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "providers/http2_connection.h"
#include "providers/http2_job.h"

namespace pushgate::providers::http2_internal {

// Where the pool hands finished requests and asks for a dispatch turn.
class PoolHost {
 public:
  virtual ~PoolHost() = default;
  virtual void Finish(std::unique_ptr<Job> job, Http2Response response) = 0;
  // The pool has requests to place and something changed: Dispatch() it soon (not from
  // inside this call).
  virtual void NeedsDispatch(class Pool* pool) = 0;
};

struct PoolSettings {
  size_t max_connections = 4;
  ConnectionTimeouts timeouts;
};

class Pool final : public Connection::Owner {
 public:
  // The pool `first` belongs to. A TLS context that cannot be made (unreadable CA file, ...)
  // leaves a pool that fails every request with "tls: " and the reason.
  Pool(boost::asio::io_context& io, PoolHost* host, const Job& first, PoolSettings settings);
  ~Pool() override;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const std::string& name() const { return name_; }
  // Whether `job` belongs here (same name, TLS settings, destination, HTTP/2 requirement).
  bool Matches(const Job& job) const;

  void Add(std::unique_ptr<Job> job);
  void Dispatch();
  // Timeouts of waiting requests and of the connections' streams, keep-alive.
  void Sweep(Clock::time_point now);
  // Fails every request the pool holds with `text` and closes its connections.
  void FailAll(const std::string& text);
  // Nothing held, and nothing started since `cutoff`.
  bool IdleSince(Clock::time_point cutoff) const;
  size_t open_connections() const;

  // Connection::Owner.
  void OnConnectionReady(Connection* connection) override;
  void OnConnectionFailed(Connection* connection, const Http2Response& failure) override;
  void OnRequestDone(Connection* connection, std::unique_ptr<Job> job, Http2Response response,
                     bool retry) override;
  void OnConnectionClosed(Connection* connection) override;
  void OnCapacityChanged(Connection* connection) override;

  // Tries of one request whose earlier sends the server never processed.
  static constexpr int kMaxAttempts = 5;

 private:
  Connection* PickConnection() const;
  bool MayOpenConnection(Clock::time_point now) const;
  void OpenConnection();
  void RemoveClosed();
  void MarkDirty();

  boost::asio::io_context& io_;
  PoolHost* host_;
  const std::string name_;
  const TlsSettings tls_;
  const bool require_http2_;
  const ConnectionTarget target_;
  const PoolSettings settings_;
  absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> tls_context_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::deque<std::unique_ptr<Job>> waiting_;
  size_t active_ = 0;  // requests on connections
  bool dirty_ = false;
  bool http1_ = false;  // a server of this pool answered in HTTP/1.1
  Clock::time_point reconnect_not_before_;
  Clock::time_point last_used_ = Clock::now();
};

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_POOL_H_
