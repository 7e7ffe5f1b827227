// Outbound HTTP/2 over TLS for every provider: one thread drives libcurl's multi interface,
// streams are multiplexed on pooled connections, and callers get their answer by callback.
// No libcurl type appears here so the providers and engine build without curl headers.
#ifndef PUSHGATE_PROVIDERS_HTTP2_CLIENT_H_
#define PUSHGATE_PROVIDERS_HTTP2_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pushgate::providers {

// TLS and routing settings shared by the requests of one pool (one provider credential and
// environment: APNs binds a team to a connection, so pools never mix credentials).
struct TlsSettings {
  std::string ca_file;           // empty: the system trust store
  std::string client_cert_file;  // APNs certificate auth (PEM); empty otherwise
  std::string client_key_file;
  // "host:port:address" entries, as curl's --resolve: lets tests point the real provider
  // host names at a local fake without a code path production lacks.
  std::vector<std::string> resolve;
};

struct Http2Request {
  std::string pool;  // connections are reused only within a pool
  TlsSettings tls;
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(10);
  // HTTP/2 only (APNs refuses HTTP/1.1); false allows HTTP/1.1 fallback (forward webhooks).
  bool require_http2 = true;
};

// The most of a response body kept; the rest is read and dropped. Provider answers are a few
// KiB at most; a forward-hook receiver is someone else's server and may answer with anything,
// and 256 requests in flight must not hold 256 unbounded bodies.
inline constexpr size_t kMaxResponseBodyBytes = 64 * 1024;

struct Http2Response {
  // 0 when no HTTP answer arrived; then `transport_error` says why (timeout, connection
  // refused, TLS failure, GOAWAY / stream reset, ...).
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;                                          // at most kMaxResponseBodyBytes
  std::string transport_error;
  bool timed_out = false;

  std::string Header(const std::string& lower_name) const;
};

struct Http2ClientOptions {
  size_t max_in_flight = 2000;          // requests being sent at once, all pools
  size_t max_connections_per_pool = 4;  // more streams per connection before more connections
  absl::Duration idle_connection_timeout = absl::Minutes(55);
  absl::Duration connect_timeout = absl::Seconds(10);
  // The least time between two passes of the client thread over its transfers while requests
  // are in flight, so that answers arriving close together are handled in one pass. libcurl
  // 7.88 visits every transfer it holds on each pass (and on each wait), so a pass per answer
  // costs CPU in proportion to the requests in flight. Adds at most this much latency to an
  // answer; zero passes as soon as anything arrives.
  absl::Duration batch_window = absl::Microseconds(200);
};

class Http2Client {
 public:
  virtual ~Http2Client() = default;
  // Queues a request; `done` runs exactly once on the client's thread (keep it short: hand
  // heavy work elsewhere). Requests past max_in_flight wait in order.
  virtual void Send(Http2Request request, std::function<void(Http2Response)> done) = 0;
  // Requests queued or in flight.
  virtual size_t Pending() const = 0;
  // Fails what is still queued or in flight with transport_error "shutdown", joins the thread.
  virtual void Shutdown() = 0;
};

absl::StatusOr<std::unique_ptr<Http2Client>> StartHttp2Client(const Http2ClientOptions& options);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_HTTP2_CLIENT_H_
