// One request as the HTTP/2 client carries it: the caller's request and callback, its parsed
// URL, its deadline and how often it was retried. Owned by exactly one place at a time (the
// client's queue, a pool's waiting list or a connection's stream), so it completes once.
#ifndef PUSHGATE_PROVIDERS_HTTP2_JOB_H_
#define PUSHGATE_PROVIDERS_HTTP2_JOB_H_

#include <chrono>
#include <functional>

#include "absl/status/status.h"
#include "providers/http2_client.h"
#include "providers/http2_url.h"

namespace pushgate::providers::http2_internal {

using Clock = std::chrono::steady_clock;

struct Job {
  Http2Request request;
  std::function<void(Http2Response)> done;
  RequestUrl url;
  Clock::time_point deadline = Clock::time_point::max();
  int attempts = 0;  // sends that ended before the server processed the request
};

// A request the client must not send: a method or header name that is not an HTTP token, or a
// header value with CR, LF or NUL (header injection). INVALID_ARGUMENT naming which.
absl::Status CheckRequest(const Http2Request& request);

// The deadline of a request sent at `now` with `timeout` (infinite: none).
Clock::time_point DeadlineAfter(Clock::time_point now, absl::Duration timeout);

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_JOB_H_
