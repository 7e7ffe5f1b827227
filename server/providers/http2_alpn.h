// Refuses, during the TLS handshake, a server that does not pick "h2" by ALPN, so that a
// request meant for an HTTP/2-only provider is never sent over HTTP/1.1 (libcurl's
// CURL_HTTP_VERSION_2TLS would silently fall back and send the body).
#ifndef PUSHGATE_PROVIDERS_HTTP2_ALPN_H_
#define PUSHGATE_PROVIDERS_HTTP2_ALPN_H_

#include <curl/curl.h>

namespace pushgate::providers::http2_internal {

// Where the check records a refusal; pass its address as CURLOPT_SSL_CTX_DATA. (Not
// CURLINFO_SSL_VERIFYRESULT: on a reused easy handle that can still hold an earlier transfer's
// value when the current one fails before verification.)
struct AlpnCheck {
  bool refused = false;
};

// A CURLOPT_SSL_CTX_FUNCTION. It adds a certificate-verification step that first checks the
// protocol the server selected (known by then in TLS 1.2 and 1.3: ServerHello / encrypted
// extensions come before the certificate), then runs OpenSSL's normal chain verification.
// A resumed TLS session skips certificate verification; callers must still check
// CURLINFO_HTTP_VERSION after the transfer.
CURLcode RequireH2AlpnSslCtx(CURL* easy, void* ssl_ctx, void* alpn_check);

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_ALPN_H_
