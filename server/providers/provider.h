// What every channel (APNs, FCM, Web Push, forward webhook, log) has in common: it turns one
// delivery — a notification for one registration — into a provider request, sends it, and
// classifies the answer so the engine can settle the delivery. Providers never touch the store.
#ifndef PUSHGATE_PROVIDERS_PROVIDER_H_
#define PUSHGATE_PROVIDERS_PROVIDER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/registration.h"
#include "providers/notification_content.h"

namespace pushgate::providers {

// protocols.md §5: the classes the engine acts on.
enum class Outcome {
  kDelivered,
  kRetry,             // transient: 429, 5xx, timeouts, connection errors
  kTokenDead,         // retire the registration (subject to the 410 timestamp rule)
  kConfigError,       // our credentials/config are wrong: alert, retry later, keep tokens
  kPermanentFailure,  // the request itself is wrong (our bug / payload): fail, don't retry
};
const char* OutcomeName(Outcome o);

struct SendResult {
  Outcome outcome = Outcome::kRetry;
  int http_status = 0;              // 0: no HTTP answer
  std::string reason;               // provider reason or our transport error text
  std::string provider_message_id;  // apns-id, FCM message name, ...
  std::optional<absl::Duration> retry_after;
  // APNs 410: when the provider saw the token become invalid (ms since epoch); 0 if unknown.
  int64_t token_invalid_since_ms = 0;
};

// One delivery to send: what to say and to whom.
struct SendRequest {
  std::string app_id;
  const NotificationContent* content = nullptr;  // owned by the caller until done runs
  domain::Registration registration;
  // Unique per attempt so providers can set idempotency ids (e.g. apns-id).
  std::string attempt_id;
  int64_t delivery_id = 0;
  int attempt_number = 1;  // 1 for the first attempt; a redriven delivery continues the count
  // Forward hooks: the app's hook this delivery goes to (registration is empty then).
  std::string hook;
  // Device pushes: the push id (common/push_id.h) the payload carries under kPushIdKey, for the
  // app's receipt; "" sends none.
  std::string push_id;
};

// What a provider would send for a request (Deliveries.PreviewNotification), credentials
// (authorization headers, signatures, VAPID JWTs) replaced by kRedacted.
struct RequestPreview {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string note;  // how what is shown differs from the bytes on the wire, when it does
};
inline constexpr char kRedacted[] = "<redacted>";

class Provider {
 public:
  virtual ~Provider() = default;
  // `done` runs exactly once, on the provider's I/O thread.
  virtual void Send(const SendRequest& request, std::function<void(SendResult)> done) = 0;
  // The request Send would make now, from the same builders, without sending anything or
  // touching any state. Any thread. Errors: what the builders refuse; UNIMPLEMENTED for a
  // provider that cannot tell.
  virtual absl::StatusOr<RequestPreview> Preview(const SendRequest& request) const {
    (void)request;
    return absl::UnimplementedError("this channel cannot preview its requests");
  }
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_PROVIDER_H_
