#include "providers/forward_hook_provider.h"

#include <utility>

#include "absl/strings/match.h"
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

namespace {

ForwardHookEvent EventOf(const SendRequest& request) {
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
  return event;
}

// The URL's origin; its path is often the receiver's own secret (hence hooks' target hints).
std::string RedactedUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos || path + 1 >= url.size()) return url;
  return absl::StrCat(url.substr(0, path), "/", kRedacted);
}

}  // namespace

absl::StatusOr<RequestPreview> ForwardHookProvider::Preview(const SendRequest& request) const {
  auto it = hooks_.find(request.hook);
  if (it == hooks_.end()) return absl::NotFoundError(kReasonHookNotConfigured);
  if (request.content == nullptr) return absl::InvalidArgumentError("no notification content");
  const Hook& hook = it->second;
  ForwardHookRequest built =
      BuildForwardHookRequest(EventOf(request), request.delivery_id, hook.target.signing, now_());
  RequestPreview preview;
  preview.method = "POST";
  preview.url = RedactedUrl(hook.target.url);
  preview.headers = std::move(built.headers);
  for (auto& [name, value] : preview.headers) {
    if (!hook.target.signing.header.empty() &&
        absl::EqualsIgnoreCase(name, hook.target.signing.header)) {
      value = kRedacted;
    }
  }
  preview.body = std::move(built.body);
  return preview;
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
  ForwardHookRequest built =
      BuildForwardHookRequest(EventOf(request), request.delivery_id, hook.target.signing, now_());

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
