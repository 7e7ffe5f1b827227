#include "providers/provider_answer.h"

#include <utility>

#include "providers/http2_client.h"

namespace pushgate::providers {

ProviderAnswer ToProviderAnswer(Http2Response&& response) {
  ProviderAnswer a;
  a.status = response.status;
  a.headers = std::move(response.headers);
  a.body = std::move(response.body);
  a.transport_error = std::move(response.transport_error);
  a.timed_out = response.timed_out;
  return a;
}

SendResult LocalResult(Outcome outcome, std::string reason) {
  SendResult r;
  r.outcome = outcome;
  r.reason = std::move(reason);
  return r;
}

}  // namespace pushgate::providers
