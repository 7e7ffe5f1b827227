// The admin listener's routes. Every request, whatever its path or method, is checked against
// admin.basic_auth first and answered 401 without it:
//   GET /                  the status page
//   GET /live              the page's live section (the page's script fetches it every 10 s)
//   GET /user?app=&uid=    "did user X get it?": the uid's recent notifications and deliveries
// Every answer carries a strict Content-Security-Policy (a fresh nonce per page) and is never
// cached. Failed attempts count per source address as the webhook's do (limits.webhook_auth):
// a source past the lockout threshold gets 429 with Retry-After, right credentials included.
#ifndef PUSHGATE_ADMIN_ADMIN_HANDLER_H_
#define PUSHGATE_ADMIN_ADMIN_HANDLER_H_

#include <cstdint>
#include <functional>

#include "admin/rate_sampler.h"
#include "admin/status_source.h"
#include "config/config.h"
#include "http/http_server.h"

namespace pushgate::admin {

struct AdminDeps {
  config::BasicAuthCredential credential;
  config::WebhookAuthLimits lockout;
  const StatusSource* source = nullptr;  // must outlive the handler
  const RateSampler* rates = nullptr;    // must outlive the handler
  std::function<int64_t()> now_ms;
};

http::HttpHandler MakeAdminHandler(AdminDeps deps);

}  // namespace pushgate::admin

#endif  // PUSHGATE_ADMIN_ADMIN_HANDLER_H_
