// The TLS side of the HTTP/2 client's connections: one OpenSSL client context per pool
// (trust store or ca_file, optional client certificate, the ALPN offer) and the protocol the
// server picked. Internal to providers/http2_*.
#ifndef PUSHGATE_PROVIDERS_HTTP2_TLS_H_
#define PUSHGATE_PROVIDERS_HTTP2_TLS_H_

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "providers/http2_client.h"

namespace pushgate::providers::http2_internal {

// Verifies peers against the system CAs or tls.ca_file; offers "h2" alone when HTTP/2 is
// required, else "h2" then "http/1.1". TLS 1.2 or later.
// Errors: FAILED_PRECONDITION naming the file that cannot be used.
absl::StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeTlsContext(const TlsSettings& tls,
                                                                          bool require_http2);

enum class Alpn { kHttp2, kHttp11, kNone };
// What the server selected in the handshake of `ssl` (an SSL*).
Alpn SelectedAlpn(void* ssl);

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_TLS_H_
