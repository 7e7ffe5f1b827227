#include "webhook/authorizer.h"

#include <algorithm>
#include <optional>

#include "webhook/basic_auth.h"
#include "webhook/string_views.h"

namespace pushgate::webhook {

WebhookAuthorizer::WebhookAuthorizer(const std::vector<config::App>& apps) {
  for (const config::App& app : apps) {
    AppCredentials credentials{&app, {}};
    for (const config::BasicAuthCredential& pair : app.webhook.basic_auth) {
      if (std::optional<std::string> joined = JoinCredential(pair)) {
        credentials.joined.push_back(std::move(*joined));
      }
    }
    apps_.push_back(std::move(credentials));
    by_id_.emplace(app.app_id, &app);
    any_app_allows_unauthenticated_ |= app.webhook.allow_unauthenticated;
  }
}

const config::App* WebhookAuthorizer::FindApp(std::string_view app_id) const {
  auto it = by_id_.find(ToAbsl(app_id));
  return it == by_id_.end() ? nullptr : it->second;
}

WebhookAuthorizer::Caller WebhookAuthorizer::Identify(std::string_view authorization_header) const {
  Caller caller;
  caller.presented = !authorization_header.empty();
  if (!caller.presented) return caller;
  const std::optional<std::string> presented = DecodeBasicAuthorization(authorization_header);
  if (!presented) return caller;
  for (const AppCredentials& app : apps_) {
    if (MatchesAnyCredential(app.joined, *presented)) caller.valid_for.push_back(app.app);
  }
  return caller;
}

bool WebhookAuthorizer::MayReadBody(const Caller& caller) const {
  if (!caller.valid_for.empty()) return true;
  return !caller.presented && any_app_allows_unauthenticated_;
}

AuthDecision WebhookAuthorizer::Authorize(const Caller& caller, std::string_view app_id) const {
  const config::App* app = FindApp(app_id);
  if (!caller.valid_for.empty()) {
    if (app == nullptr) return {AuthOutcome::kUnknownApp, nullptr, "unknown appId"};
    if (std::find(caller.valid_for.begin(), caller.valid_for.end(), app) !=
        caller.valid_for.end()) {
      return {AuthOutcome::kAllowed, app, ""};
    }
    return {AuthOutcome::kForbidden, nullptr, "credentials are not valid for this appId"};
  }
  if (!caller.presented && app != nullptr && app->webhook.allow_unauthenticated) {
    return {AuthOutcome::kAllowed, app, ""};
  }
  return {AuthOutcome::kUnauthenticated, nullptr,
          caller.presented ? "invalid credentials" : "credentials required"};
}

}  // namespace pushgate::webhook
