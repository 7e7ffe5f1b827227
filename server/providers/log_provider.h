// The demo channel: instead of calling a push provider it writes one structured log line per
// push and reports it delivered, so the whole flow (webhook → store → engine → status API) can
// be tried with no provider credentials. The line carries ids, the channel and the title's
// length — never message text, titles or tokens.
#ifndef PUSHGATE_PROVIDERS_LOG_PROVIDER_H_
#define PUSHGATE_PROVIDERS_LOG_PROVIDER_H_

#include <functional>

#include "providers/provider.h"

namespace pushgate::providers {

class LogProvider final : public Provider {
 public:
  // Completes inline, on the caller's thread: Delivered, http_status 0, provider_message_id
  // "log-<attempt_id>".
  void Send(const SendRequest& request, std::function<void(SendResult)> done) override;
  // Method "LOG": the line Send would write, as the request.
  absl::StatusOr<RequestPreview> Preview(const SendRequest& request) const override;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_LOG_PROVIDER_H_
