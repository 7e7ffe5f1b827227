// Outbound HTTP/2 over TLS for every provider: one thread runs an Asio loop with libnghttp2
// sessions on pooled connections (HTTP/1.1 through Beast where a destination allows it and
// the server picks it by ALPN), and callers get their answer by callback. No Asio, Beast or
// nghttp2 type appears here so the providers and engine build without those headers.
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

  bool operator==(const TlsSettings& other) const {
    return ca_file == other.ca_file && client_cert_file == other.client_cert_file &&
           client_key_file == other.client_key_file && resolve == other.resolve;
  }
};

struct Http2Request {
  // Connections are reused only within a pool: the same name, TLS settings, scheme, host,
  // port and require_http2.
  std::string pool;
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
  // A pool unused this long is dropped with its connections.
  absl::Duration idle_connection_timeout = absl::Minutes(55);
  // Resolving, connecting and the TLS handshake together.
  absl::Duration connect_timeout = absl::Seconds(10);
  // An HTTP/2 connection without streams for this long is sent a PING; without any answer
  // from the peer within ping_timeout (or a write stuck that long) the connection is closed.
  absl::Duration ping_interval = absl::Seconds(60);
  absl::Duration ping_timeout = absl::Seconds(20);
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
