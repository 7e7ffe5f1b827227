#include "providers/forward_hook_provider.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "providers/forward_hook_response_classifier.h"
#include "providers/provider_answer.h"

namespace pushgate::providers {

absl::StatusOr<std::unique_ptr<ForwardHookProvider>> ForwardHookProvider::Create(
    const std::string& app_id, Http2Client* client, std::vector<ForwardHookTarget> hooks,
    std::function<absl::Time()> now) {
  if (client == nullptr) return absl::InvalidArgumentError("forward hooks need an HTTP client");
  if (!now) now = [] { return absl::Now(); };
  std::unique_ptr<ForwardHookProvider> provider(new ForwardHookProvider(client, std::move(now)));
  for (ForwardHookTarget& target : hooks) {
    if (target.name.empty() || target.url.empty()) {
      return absl::InvalidArgumentError("a forward hook needs a name and a url");
    }
    const std::string name = target.name;
    // Connections are never shared between hooks: each has its own TLS settings.
    Hook hook{std::move(target), absl::StrCat("hook/", app_id, "/", name)};
    if (!provider->hooks_.emplace(name, std::move(hook)).second) {
      return absl::InvalidArgumentError(absl::StrCat("forward hook \"", name, "\" given twice"));
    }
  }
  return provider;
}

void ForwardHookProvider::Send(const SendRequest& request, std::function<void(SendResult)> done) {
  auto it = hooks_.find(request.hook);
  if (it == hooks_.end()) {
    done(LocalResult(Outcome::kPermanentFailure, kReasonHookNotConfigured));
    return;
  }
  if (request.content == nullptr) {
    done(LocalResult(Outcome::kPermanentFailure, "no notification content"));
    return;
  }
  const Hook& hook = it->second;
  const NotificationContent& content = *request.content;
  ForwardHookEvent event;
  event.notification_id = content.notification_id;
  event.app_id = request.app_id;
  event.uid = content.uid;
  event.type = content.type;
  event.call_action = content.call_action;
  event.received_at_ms = content.received_at_ms;
  event.attempt = request.attempt_number;
  event.payload = content.raw_payload;
  ForwardHookRequest built =
      BuildForwardHookRequest(event, request.delivery_id, hook.target.signing, now_());

  Http2Request http;
  http.pool = hook.pool;
  http.tls = hook.target.tls;
  http.method = "POST";
  http.url = hook.target.url;
  http.headers = std::move(built.headers);
  http.body = std::move(built.body);
  http.timeout = hook.target.timeout;
  http.require_http2 = false;  // receivers are usually HTTP/1.1 servers
  client_->Send(std::move(http), [this, done = std::move(done)](Http2Response response) {
    done(ClassifyForwardHookAnswer(ToProviderAnswer(std::move(response)), now_()));
  });
}

}  // namespace pushgate::providers
