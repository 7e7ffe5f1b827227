// The forward-hook channel of one app: every hook of the app (config apps[].forward_hooks[]),
// found by the name the delivery carries (SendRequest::hook). Builds the signed request
// (forward_hook_request_builder), POSTs it over the shared HTTP client — HTTP/2 when the
// receiver offers it over ALPN, else HTTP/1.1, which most receivers speak — and settles the
// answer (forward_hook_response_classifier). One connection pool per hook.
#ifndef PUSHGATE_PROVIDERS_FORWARD_HOOK_PROVIDER_H_
#define PUSHGATE_PROVIDERS_FORWARD_HOOK_PROVIDER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/forward_hook_request_builder.h"
#include "providers/http2_client.h"
#include "providers/provider.h"

namespace pushgate::providers {

inline constexpr char kReasonHookNotConfigured[] = "hook_not_configured";

struct ForwardHookTarget {
  std::string name;
  std::string url;
  ForwardHookSigning signing;  // secret empty: unsigned
  TlsSettings tls;             // ca_file and resolve
  absl::Duration timeout = absl::Seconds(10);
};

class ForwardHookProvider : public Provider {
 public:
  // `client` must outlive the provider (see FcmProvider). `now` defaults to absl::Now.
  // Errors: INVALID_ARGUMENT for a hook without name or url, or a name given twice.
  static absl::StatusOr<std::unique_ptr<ForwardHookProvider>> Create(
      const std::string& app_id, Http2Client* client, std::vector<ForwardHookTarget> hooks,
      std::function<absl::Time()> now = nullptr);

  // Settles inline, without sending, with PermanentFailure "hook_not_configured" when the
  // delivery names no hook of this app (removed from the config since it was planned) and
  // PermanentFailure when there is no content. Everything else goes out and is classified.
  void Send(const SendRequest& request, std::function<void(SendResult)> done) override;
  absl::StatusOr<RequestPreview> Preview(const SendRequest& request) const override;

 private:
  ForwardHookProvider(Http2Client* client, std::function<absl::Time()> now)
      : client_(client), now_(std::move(now)) {}

  struct Hook {
    ForwardHookTarget target;
    std::string pool;
  };
  Http2Client* const client_;
  const std::function<absl::Time()> now_;
  std::map<std::string, Hook> hooks_;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FORWARD_HOOK_PROVIDER_H_
