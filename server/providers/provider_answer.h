// What the APNs and FCM providers share when settling a send: the plain-value view of an HTTP/2
// answer their response classifiers read, and the SendResult for a send settled locally
// (before or without an HTTP answer).
#ifndef PUSHGATE_PROVIDERS_PROVIDER_ANSWER_H_
#define PUSHGATE_PROVIDERS_PROVIDER_ANSWER_H_

#include <string>
#include <utility>
#include <vector>

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

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_PROVIDER_ANSWER_H_
