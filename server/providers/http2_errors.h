// The short, stable transport_error texts of Http2Response, so the engine and providers can
// classify transport failures without knowing the transport's error codes.
#ifndef PUSHGATE_PROVIDERS_HTTP2_ERRORS_H_
#define PUSHGATE_PROVIDERS_HTTP2_ERRORS_H_

#include <string>

#include "providers/http2_client.h"

namespace pushgate::providers::http2_internal {

// The texts callers may match on (prefixes where noted).
inline constexpr char kErrTimeout[] = "timeout";
inline constexpr char kErrConnectFailed[] = "connect failed";
inline constexpr char kErrResolveFailed[] = "resolve failed";
inline constexpr char kErrConnectionClosed[] = "connection closed: GOAWAY/stream reset";
inline constexpr char kErrNotHttp2[] = "server did not negotiate HTTP/2";
inline constexpr char kErrShutdown[] = "shutdown";
inline constexpr char kErrTlsPrefix[] = "tls: ";                         // + what failed
inline constexpr char kErrInvalidRequestPrefix[] = "invalid request: ";  // + what is wrong
inline constexpr char kErrOtherPrefix[] = "transport: ";                 // + detail

// A response carrying only a transport error.
Http2Response TransportFailure(std::string text);
// The timeout failure (transport_error "timeout", timed_out set).
Http2Response TimeoutFailure();

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_ERRORS_H_
