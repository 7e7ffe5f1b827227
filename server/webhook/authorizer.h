// Who may post a webhook for which app: the policy, as pure decisions over the configured apps.
//
// Two steps, because the app is named inside the body:
//  1. Before the body is parsed, Identify() checks the Authorization header against the
//     credentials of every app. MayReadBody() is false (401) unless they match some app, or no
//     header was sent and some app accepts unauthenticated posts.
//  2. After parsing, Authorize() decides for the body's appId:
//       credentials valid for that app                      → allowed
//       no header, and that app allows unauthenticated posts → allowed
//       valid credentials, but for other apps only           → 403
//       valid credentials, appId not configured              → 404 "unknown appId"
//       anything else (missing, malformed or wrong header)   → 401
//
// Why 404 only for authenticated callers: an unauthenticated caller gets the same 401 for an
// unknown app as for a known one, so app ids cannot be probed without a valid credential.
// Why a wrong header is 401 even for an app that allows unauthenticated posts: a sender that
// presents credentials expects them to be checked, and a typo should surface, not pass.
#ifndef PUSHGATE_WEBHOOK_AUTHORIZER_H_
#define PUSHGATE_WEBHOOK_AUTHORIZER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "config/config.h"

namespace pushgate::webhook {

enum class AuthOutcome {
  kAllowed,
  kUnauthenticated,  // 401 + WWW-Authenticate
  kForbidden,        // 403
  kUnknownApp,       // 404
};

struct AuthDecision {
  AuthOutcome outcome = AuthOutcome::kUnauthenticated;
  const config::App* app = nullptr;  // set when allowed
  std::string_view reason;           // for the error body and the log; never holds secrets
};

class WebhookAuthorizer {
 public:
  // `apps` must outlive the authorizer (it keeps pointers into it).
  explicit WebhookAuthorizer(const std::vector<config::App>& apps);

  struct Caller {
    bool presented = false;  // an Authorization header was sent (well-formed or not)
    // Apps whose credentials matched; usually none or one.
    absl::InlinedVector<const config::App*, 2> valid_for;
  };
  Caller Identify(std::string_view authorization_header) const;

  bool MayReadBody(const Caller& caller) const;
  AuthDecision Authorize(const Caller& caller, std::string_view app_id) const;

  const config::App* FindApp(std::string_view app_id) const;

 private:
  struct AppCredentials {
    const config::App* app;
    std::vector<std::string> joined;  // "username:password", see basic_auth.h
  };
  std::vector<AppCredentials> apps_;
  absl::flat_hash_map<std::string, const config::App*> by_id_;
  bool any_app_allows_unauthenticated_ = false;
};

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_AUTHORIZER_H_
