// Refuses, during the TLS handshake, a server that does not pick "h2" by ALPN, so that a
// request meant for an HTTP/2-only provider is never sent over HTTP/1.1 (libcurl's
// CURL_HTTP_VERSION_2TLS would silently fall back and send the body).
#ifndef PUSHGATE_PROVIDERS_HTTP2_ALPN_H_
#define PUSHGATE_PROVIDERS_HTTP2_ALPN_H_

#include <curl/curl.h>

namespace pushgate::providers::http2_internal {

// A CURLOPT_SSL_CTX_FUNCTION. It adds a certificate-verification step that first checks the
// protocol the server selected (known by then in TLS 1.2 and 1.3: ServerHello / encrypted
// extensions come before the certificate), then runs OpenSSL's normal chain verification.
// A resumed TLS session skips certificate verification; callers must still check
// CURLINFO_HTTP_VERSION after the transfer.
CURLcode RequireH2AlpnSslCtx(CURL* easy, void* ssl_ctx, void* user_data);

// True if CURLINFO_SSL_VERIFYRESULT says the handshake failed because of the ALPN check.
bool IsAlpnRefusal(long tls_verify_result);

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_ALPN_H_
