// Settles one forward-hook answer (pure). A hook is the app's own receiver, not a device:
//   2xx                      → Delivered
//   any other status         → Retry (reason "HTTP <status>"), with Retry-After when the
//                              receiver sent one (429 and 503 usually do)
//   no answer                → SettleWithoutAnswer: Retry with the transport error or
//                              "timeout" (PermanentFailure only for a request the client refused)
// Nothing retires a registration (a hook has none) and nothing fails at once: a receiver that
// is down or misconfigured gets the engine's retries up to max_attempts / max_age. The
// receiver's body is never copied into the reason: it is the receiver's text, not ours.
#ifndef PUSHGATE_PROVIDERS_FORWARD_HOOK_RESPONSE_CLASSIFIER_H_
#define PUSHGATE_PROVIDERS_FORWARD_HOOK_RESPONSE_CLASSIFIER_H_

#include "absl/time/time.h"
#include "providers/provider.h"
#include "providers/provider_answer.h"

namespace pushgate::providers {

// `now` converts an HTTP-date Retry-After into a delay.
SendResult ClassifyForwardHookAnswer(const ProviderAnswer& answer, absl::Time now);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FORWARD_HOOK_RESPONSE_CLASSIFIER_H_
