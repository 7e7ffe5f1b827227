#include "providers/forward_hook_response_classifier.h"

#include "absl/strings/str_cat.h"

namespace pushgate::providers {

SendResult ClassifyForwardHookAnswer(const ProviderAnswer& answer, absl::Time now) {
  if (answer.status == 0) {
    return LocalResult(Outcome::kRetry,
                       answer.transport_error.empty() ? "no answer" : answer.transport_error);
  }
  SendResult r;
  r.http_status = answer.status;
  if (answer.status >= 200 && answer.status < 300) {
    r.outcome = Outcome::kDelivered;
    return r;
  }
  r.outcome = Outcome::kRetry;
  r.reason = absl::StrCat("HTTP ", answer.status);
  r.retry_after = ParseRetryAfter(AnswerHeader(answer, "retry-after"), now);
  return r;
}

}  // namespace pushgate::providers
