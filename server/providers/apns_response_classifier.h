// Settles one APNs answer into the engine's outcome classes (protocols.md §2.6 and §5). Pure:
// the provider feeds it what came back and acts on the result.
#ifndef PUSHGATE_PROVIDERS_APNS_RESPONSE_CLASSIFIER_H_
#define PUSHGATE_PROVIDERS_APNS_RESPONSE_CLASSIFIER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "providers/provider.h"
#include "providers/provider_answer.h"

namespace pushgate::providers {

// The parts of an answer the classification depends on (see provider_answer.h).
using ApnsAnswer = ProviderAnswer;

struct ApnsClassification {
  SendResult result;
  // 403 ExpiredProviderToken: the provider renews the JWT once and retries once. `result` then
  // holds what to report if it cannot (ConfigError: a renewal that is refused or rejected
  // again points at our clock or key, not at the device).
  bool provider_token_expired = false;
  // APNs asked for a new connection (IdleTimeout, 503 Shutdown, GOAWAY): the retry should not
  // reuse this one. Informational: the HTTP/2 client already drops closed connections.
  bool reconnect = false;
};

// `now` converts an HTTP-date Retry-After into a delay.
ApnsClassification ClassifyApnsAnswer(const ApnsAnswer& answer, absl::Time now);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_APNS_RESPONSE_CLASSIFIER_H_
