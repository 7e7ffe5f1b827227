// Settles one Web Push answer (RFC 8030) into the engine's outcome classes (protocols.md §4.2
// and §5). Pure: the provider feeds it what came back and acts on the result.
//
//   200 / 201 / 202   Delivered; the Location header (the push message resource) is the
//                     provider message id.
//   404, 410          TokenDead: the subscription expired or was unsubscribed.
//   413               PermanentFailure "PayloadTooLarge", with `payload_too_large` set so the
//                     provider can resend once with the minimal payload.
//   429               Retry, honouring Retry-After.
//   5xx               Retry (Retry-After when given).
//   401, 403          ConfigError: the VAPID key or claims were refused (or the subscription was
//                     made with another application-server key). Never prunes the token.
//   400 and the rest  PermanentFailure: our request is wrong; resending it cannot help.
// The reason is the push service's JSON `reason` when it sends one (Apple does: BadJwtToken,
// VapidPkHashMismatch, …), else a name for the status.
#ifndef PUSHGATE_PROVIDERS_WEBPUSH_RESPONSE_CLASSIFIER_H_
#define PUSHGATE_PROVIDERS_WEBPUSH_RESPONSE_CLASSIFIER_H_

#include "absl/time/time.h"
#include "providers/provider.h"
#include "providers/provider_answer.h"

namespace pushgate::providers {

struct WebPushClassification {
  SendResult result;
  // 413: the push service refused the size; a smaller message may pass.
  bool payload_too_large = false;
};

// `now` converts an HTTP-date Retry-After into a delay.
WebPushClassification ClassifyWebPushAnswer(const ProviderAnswer& answer, absl::Time now);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_WEBPUSH_RESPONSE_CLASSIFIER_H_
