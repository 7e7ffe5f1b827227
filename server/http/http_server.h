// The HTTP/1.1 listener (Boost.Beast), behind a header that includes no Boost: only plain
// request/response values and a handler cross it, so the rest of the build never parses Beast.
#ifndef PUSHGATE_HTTP_HTTP_SERVER_H_
#define PUSHGATE_HTTP_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"

namespace pushgate::http {

struct HttpRequest {
  std::string method;  // "POST", "GET", ...
  std::string target;  // path and query as sent
  // Header names lower-cased, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // peer IP, for per-source limits and logs

  // The first header with this (lower-case) name, or "" when absent.
  std::string_view Header(std::string_view lower_name) const;
  // The path without the query string.
  std::string_view Path() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Called once per request. `respond` must be called exactly once, from any thread: the
// server hands the response back to the connection's own executor.
using Respond = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&& request, Respond respond)>;

// Errors the server itself answers before a handler sees the request (a body over the limit,
// a malformed request, a timed-out read) are counted through this hook: (status) → void.
using ProtocolErrorHook = std::function<void(int status)>;

class HttpServer {
 public:
  virtual ~HttpServer() = default;
  // The port actually bound (useful with ":0").
  virtual int port() const = 0;
  // Stops accepting, lets in-flight requests finish their write, closes idle connections,
  // then joins the I/O threads.
  virtual void Stop() = 0;
  // Loads `files` and serves them to connections accepted from now on; open connections keep
  // their certificate. On error (unreadable, key not matching) the old certificate stays.
  // FAILED_PRECONDITION when the server was started without TLS or `files` turns it off.
  virtual absl::Status ReloadTls(const config::TlsFiles& files) = 0;
};

// Binds and starts `config.threads` I/O threads. Errors: address unparsable or in use, TLS
// files unreadable.
absl::StatusOr<std::unique_ptr<HttpServer>> StartHttpServer(const config::HttpConfig& config,
                                                            HttpHandler handler,
                                                            ProtocolErrorHook on_protocol_error);

}  // namespace pushgate::http

#endif  // PUSHGATE_HTTP_HTTP_SERVER_H_
