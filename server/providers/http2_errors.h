// Turns a libcurl failure into the short, stable transport_error texts of Http2Response, so the
// engine and providers can classify transport failures without knowing libcurl error codes.
#ifndef PUSHGATE_PROVIDERS_HTTP2_ERRORS_H_
#define PUSHGATE_PROVIDERS_HTTP2_ERRORS_H_

#include <curl/curl.h>

#include <string>

namespace pushgate::providers::http2_internal {

// The texts callers may match on (prefixes where noted).
inline constexpr char kErrTimeout[] = "timeout";
inline constexpr char kErrConnectFailed[] = "connect failed";
inline constexpr char kErrResolveFailed[] = "resolve failed";
inline constexpr char kErrConnectionClosed[] = "connection closed: GOAWAY/stream reset";
inline constexpr char kErrNotHttp2[] = "server did not negotiate HTTP/2";
inline constexpr char kErrShutdown[] = "shutdown";
inline constexpr char kErrTlsPrefix[] = "tls: ";                         // + libcurl's detail
inline constexpr char kErrInvalidRequestPrefix[] = "invalid request: ";  // + what is wrong
inline constexpr char kErrOtherPrefix[] = "transport: ";                 // + libcurl's detail

struct CurlFailure {
  std::string text;
  bool timed_out = false;
};

// `detail` is libcurl's error buffer (may be empty); `alpn_refused` says the handshake failed
// because the server did not select h2 (see http2_alpn.h), not because of its certificate.
CurlFailure DescribeCurlFailure(CURLcode code, const char* detail, bool alpn_refused);

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_ERRORS_H_
