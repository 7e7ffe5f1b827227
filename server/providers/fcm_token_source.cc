#include "providers/fcm_token_source.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "providers/jwt_rs256.h"

namespace pushgate::providers {
namespace {

// Google accepts assertions valid for at most an hour (§3.2).
constexpr absl::Duration kAssertionLifetime = absl::Seconds(3600);

}  // namespace

FcmTokenSource::FcmTokenSource(FcmServiceAccount account, Http2Client* client,
                               FcmTokenSourceOptions options)
    : account_(std::move(account)), client_(client), options_([&] {
        FcmTokenSourceOptions o = std::move(options);
        if (!o.now) o.now = [] { return absl::Now(); };
        if (o.pool.empty()) o.pool = absl::StrCat("fcm-token/", account_.client_email);
        return o;
      }()) {}

absl::StatusOr<std::string> FcmTokenSource::BuildAssertion(absl::Time now) const {
  nlohmann::ordered_json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!account_.private_key_id.empty()) header["kid"] = account_.private_key_id;
  const int64_t iat = absl::ToUnixSeconds(now);
  nlohmann::ordered_json claims = {{"iss", account_.client_email},
                                   {"scope", kFcmOAuthScope},
                                   {"aud", account_.token_uri},
                                   {"iat", iat},
                                   {"exp", iat + absl::ToInt64Seconds(kAssertionLifetime)}};
  return SignRs256Jwt(header.dump(), claims.dump(), account_.private_key);
}

void FcmTokenSource::GetToken(Callback done) {
  const absl::Time now = options_.now();
  std::string cached;
  bool start = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!token_.empty() && now < use_until_) {
      cached = token_;
    } else {
      waiters_.push_back(std::move(done));
      if (!fetching_) {
        fetching_ = true;
        ++fetches_;
        start = true;
      }
    }
  }
  if (!cached.empty()) {
    done(std::move(cached));
    return;
  }
  if (start) Fetch(now);
}

void FcmTokenSource::Fetch(absl::Time now) {
  auto assertion = BuildAssertion(now);
  if (!assertion.ok()) {
    Finish(absl::InternalError(
               absl::StrCat("cannot sign the OAuth2 assertion: ", assertion.status().message())),
           absl::InfinitePast());
    return;
  }
  Http2Request req;
  req.pool = options_.pool;
  req.tls = options_.tls;
  req.method = "POST";
  req.url = options_.token_uri_override.empty() ? account_.token_uri : options_.token_uri_override;
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  // A JWT is base64url and dots only, so it needs no form encoding.
  req.body = absl::StrCat(
      "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=", *assertion);
  req.timeout = options_.request_timeout;
  req.require_http2 = false;  // Google's token endpoint speaks both; a proxy may not
  client_->Send(std::move(req), [this, now](Http2Response response) {
    if (response.status == 0) {
      const std::string why = response.timed_out ? "timeout" : response.transport_error;
      Finish(absl::UnavailableError(absl::StrCat("token endpoint: ", why)), absl::InfinitePast());
      return;
    }
    if (response.status == 429 || response.status >= 500) {
      Finish(absl::UnavailableError(absl::StrCat("token endpoint: HTTP ", response.status)),
             absl::InfinitePast());
      return;
    }
    nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
    if (response.status != 200) {
      // OAuth2 error bodies carry `error` (invalid_grant, ...) and a description that never
      // contains our key, so they are safe to report.
      std::string what = absl::StrCat("token endpoint: HTTP ", response.status);
      if (j.is_object()) {
        absl::StrAppend(&what, " ", j.value("error", ""), ": ", j.value("error_description", ""));
      }
      Finish(absl::PermissionDeniedError(what), absl::InfinitePast());
      return;
    }
    if (!j.is_object() || !j.contains("access_token") || !j["access_token"].is_string() ||
        !j.contains("expires_in") || !j["expires_in"].is_number()) {
      Finish(absl::InternalError("token endpoint: answer lacks access_token / expires_in"),
             absl::InfinitePast());
      return;
    }
    const absl::Duration lifetime = absl::Seconds(j["expires_in"].get<double>());
    // Refresh refresh_margin early; a short-lived token is used for half its life instead, so
    // that it is used at all.
    absl::Duration use_for = lifetime - options_.refresh_margin;
    if (use_for < lifetime / 2) use_for = lifetime / 2;
    Finish(j["access_token"].get<std::string>(), now + use_for);
  });
}

void FcmTokenSource::Finish(absl::StatusOr<std::string> token, absl::Time use_until) {
  std::vector<Callback> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (token.ok()) {
      token_ = *token;
      use_until_ = use_until;
    }
    fetching_ = false;
    waiters.swap(waiters_);
  }
  if (!token.ok()) {
    const std::string why(token.status().message());
    LogWarn("fcm_access_token_failed", {{"account", account_.client_email}, {"why", why}});
  }
  for (auto& w : waiters) w(token);
}

void FcmTokenSource::Invalidate(const std::string& rejected) {
  std::lock_guard<std::mutex> lock(mu_);
  if (token_ == rejected) {
    token_.clear();
    use_until_ = absl::InfinitePast();
  }
}

int FcmTokenSource::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

}  // namespace pushgate::providers
