// Settles one FCM HTTP v1 answer into the engine's outcome classes (protocols.md §3.5 and §5).
// Pure: the provider feeds it what came back and acts on the result.
#ifndef PUSHGATE_PROVIDERS_FCM_RESPONSE_CLASSIFIER_H_
#define PUSHGATE_PROVIDERS_FCM_RESPONSE_CLASSIFIER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "providers/provider.h"
#include "providers/provider_answer.h"

namespace pushgate::providers {

// The parts of an answer the classification depends on (see provider_answer.h).
using FcmAnswer = ProviderAnswer;

struct FcmClassification {
  SendResult result;
  // 401 UNAUTHENTICATED without THIRD_PARTY_AUTH_ERROR: our OAuth2 access token was refused
  // (expired or revoked). The provider invalidates it, fetches a new one and resends once;
  // `result` holds what to report if that is not possible (ConfigError).
  bool access_token_rejected = false;
};

// `now` converts an HTTP-date Retry-After into a delay. `result.reason` is the FCM errorCode
// (or the RPC status when there is none), never the message text, which may quote the token.
// QUOTA_EXCEEDED carries Retry-After as FCM sent it: Google's "at least a minute" is the
// engine's quota floor (engine.quota_backoff_seconds, default 60, retry_policy.h), one knob for
// every provider's quota answers.
FcmClassification ClassifyFcmAnswer(const FcmAnswer& answer, absl::Time now);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FCM_RESPONSE_CLASSIFIER_H_
