// What the HTTP providers (APNs, FCM, Web Push) share when settling a send: the plain-value view
// of an HTTP/2 answer their response classifiers read, the header and Retry-After readers, how
// a send without an HTTP answer settles, and the SendResult for a send settled locally.
#ifndef PUSHGATE_PROVIDERS_PROVIDER_ANSWER_H_
#define PUSHGATE_PROVIDERS_PROVIDER_ANSWER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "providers/provider.h"

namespace pushgate::providers {

struct Http2Response;

// The parts of an answer the classification depends on (a subset of Http2Response, so the
// classifiers need nothing but plain values).
struct ProviderAnswer {
  int status = 0;                                            // 0: no HTTP answer
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::string transport_error;
  bool timed_out = false;
};

// Moves the classified parts out of `response`.
ProviderAnswer ToProviderAnswer(Http2Response&& response);

// A send settled without an HTTP answer: just an outcome and a reason.
SendResult LocalResult(Outcome outcome, std::string reason);

// The value of header `name` (any case), "" when absent.
std::string AnswerHeader(const ProviderAnswer& answer, const std::string& name);

// Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), relative to `now`; nullopt
// when absent or unreadable.
std::optional<absl::Duration> ParseRetryAfter(const std::string& raw, absl::Time now);

// An answer with status 0 (no HTTP answer). The HTTP/2 client refusing what we built
// ("invalid request: …", http2_errors.h) is a PermanentFailure: resending cannot help. Anything
// else (timeout, refused connection, TLS failure, reset, GOAWAY) is a Retry: the provider cannot
// be asked whether the request arrived. The reason is the transport error or "timeout".
SendResult SettleWithoutAnswer(const ProviderAnswer& answer);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_PROVIDER_ANSWER_H_
