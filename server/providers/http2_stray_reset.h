// Keeps libcurl 7.88 from resetting HTTP/2 streams that are already closed.
//
// libcurl 7.88 (Debian 12) ends a transfer whose answer has no Content-Length body (every APNs
// 200: HEADERS with END_STREAM, no DATA) before its own "stream closed" flag is set, and then
// sends RST_STREAM(STREAM_CLOSED) for a stream nghttp2 has already closed and forgotten: one
// stray RST_STREAM per request. Servers count them since the HTTP/2 "rapid reset" attack
// (CVE-2023-44487): nghttp2 >= 1.57 (Node 20, nghttpx, Apache, ...) allows a burst of 1,000
// and 33 per second, then sends GOAWAY(INTERNAL_ERROR). At 1,000 pushes/s a connection died
// every second or so; libcurl retried the streams past the GOAWAY on new connections, several
// at once before the server's SETTINGS arrived, the strict server (one stream until the first
// answer) refused the extra ones, and libcurl closed each of those new connections on the
// refusal: the connection churn and the "connection closed" failures of the latency bench.
//
// The fix is an ELF interposer: this object defines nghttp2_submit_rst_stream, the executable
// exports it (-Wl,--export-dynamic-symbol, see CMakeLists.txt), so libcurl's call resolves here
// first. A reset of a stream nghttp2 still knows (a timeout, a cancelled or refused transfer)
// goes on to the real function; a reset of a stream nghttp2 has closed or never opened is
// dropped: there is nothing left to reset, and RFC 9113 forbids RST_STREAM on an idle stream.
#ifndef PUSHGATE_PROVIDERS_HTTP2_STRAY_RESET_H_
#define PUSHGATE_PROVIDERS_HTTP2_STRAY_RESET_H_

#include <nghttp2/nghttp2.h>

#include <cstdint>

namespace pushgate::providers::http2_internal {

// nghttp2_submit_rst_stream as interposed: drops the reset of a stream nghttp2 has closed or
// not opened (returning 0, as for a queued reset), passes any other to libnghttp2.
int FilteredSubmitRstStream(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                            uint32_t error_code);

// True when libcurl's calls reach the filter (the symbol is interposed in this process). The
// client logs an error at start otherwise: every request would then send a stray reset.
bool StrayResetFilterActive();

// Resets dropped so far in this process (diagnostics and tests).
uint64_t StrayResetsDropped();

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_STRAY_RESET_H_
