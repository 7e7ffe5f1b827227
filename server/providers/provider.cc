#include "providers/provider.h"

namespace pushgate::providers {

// Names are stable: they appear in logs, metrics labels and the deliveries API.
const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kDelivered:
      return "delivered";
    case Outcome::kRetry:
      return "retry";
    case Outcome::kTokenDead:
      return "token_dead";
    case Outcome::kConfigError:
      return "config_error";
    case Outcome::kPermanentFailure:
      return "permanent_failure";
  }
  return "unknown";
}

}  // namespace pushgate::providers
