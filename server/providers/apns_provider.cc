#include "providers/apns_provider.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "providers/apns_response_classifier.h"
#include "providers/provider_answer.h"

namespace pushgate::providers {
namespace {

void SetAuthorization(Http2Request& request, const std::string& jwt) {
  const std::string value = absl::StrCat("bearer ", jwt);
  for (auto& [name, v] : request.headers) {
    if (name == "authorization") {
      v = value;
      return;
    }
  }
  request.headers.emplace_back("authorization", value);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApnsProvider>> ApnsProvider::Create(Http2Client* client,
                                                                   ApnsProviderOptions options) {
  if (client == nullptr) return absl::InvalidArgumentError("APNs provider needs an HTTP/2 client");
  ApnsCredentials& cred = options.credentials;
  if (options.build.default_topic.empty()) options.build.default_topic = cred.bundle_id;

  std::shared_ptr<ApnsTokenCache> cache;
  const bool token_auth = !cred.p8_key_pem.empty() || !cred.p8_key_file.empty();
  if (token_auth) {
    if (cred.team_id.empty() || cred.key_id.empty()) {
      return absl::InvalidArgumentError("APNs token auth needs team_id and key_id");
    }
    if (options.token_cache) {
      // A shared cache must sign for the same key, or one credential's requests would carry
      // another's identity.
      if (options.token_cache->key_id() != cred.key_id ||
          options.token_cache->team_id() != cred.team_id) {
        return absl::InvalidArgumentError(
            "shared APNs token cache belongs to another key id / team id");
      }
      cache = options.token_cache;
    } else {
      auto key = cred.p8_key_pem.empty() ? LoadEcPrivateKeyPemFile(cred.p8_key_file)
                                         : LoadEcPrivateKeyPem(cred.p8_key_pem);
      if (!key.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("APNs .p8 key: ", key.status().message()));
      }
      cache = std::make_shared<ApnsTokenCache>(cred.key_id, cred.team_id, *std::move(key),
                                               options.token);
    }
    // Fail at start-up, not on the first push, if the key cannot sign.
    if (auto jwt = cache->Token(); !jwt.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("APNs provider token: ", jwt.status().message()));
    }
  } else if (cred.cert_file.empty() || cred.cert_key_file.empty()) {
    return absl::InvalidArgumentError(
        "APNs credentials need a .p8 key (team_id, key_id, p8_key_pem or p8_key_file) or a "
        "client certificate (cert_file and cert_key_file)");
  }
  if (!options.now) options.now = [] { return absl::Now(); };
  return std::unique_ptr<ApnsProvider>(
      new ApnsProvider(client, std::move(options), std::move(cache)));
}

ApnsProvider::ApnsProvider(Http2Client* client, ApnsProviderOptions options,
                           std::shared_ptr<ApnsTokenCache> cache)
    : client_(client), options_(std::move(options)), token_cache_(std::move(cache)) {
  tls_ = options_.endpoints.tls;
  if (!token_cache_) {
    tls_.client_cert_file = options_.credentials.cert_file;
    tls_.client_key_file = options_.credentials.cert_key_file;
  }
  for (ApnsEnvironment env : {ApnsEnvironment::kProduction, ApnsEnvironment::kSandbox}) {
    const ApnsCredentials& c = options_.credentials;
    pool_keys_[static_cast<int>(env)] =
        token_cache_
            ? absl::StrCat("apns/token/", c.team_id, "/", c.key_id, "/", ApnsEnvironmentName(env))
            : absl::StrCat("apns/cert/", c.cert_file, "/", ApnsEnvironmentName(env));
  }
}

std::string ApnsProvider::PoolKey(ApnsEnvironment env) const {
  return pool_keys_[static_cast<int>(env)];
}

absl::StatusOr<Http2Request> ApnsProvider::Build(const NotificationContent& content,
                                                 const domain::Registration& registration,
                                                 std::string_view attempt_id,
                                                 std::string_view push_id, absl::Time now) const {
  auto built = BuildApnsRequest(content, registration, attempt_id, now, options_.build, push_id);
  if (!built.ok()) return built.status();
  Http2Request http;
  http.pool = pool_keys_[static_cast<int>(built->environment)];
  http.tls = tls_;
  http.method = "POST";
  const std::string& base = built->environment == ApnsEnvironment::kSandbox
                                ? options_.endpoints.sandbox_url
                                : options_.endpoints.production_url;
  http.url = absl::StrCat(base, built->path);
  http.headers = std::move(built->headers);
  http.body = std::move(built->body);
  http.timeout = options_.request_timeout;
  http.require_http2 = true;  // APNs refuses HTTP/1.1
  return http;
}

absl::StatusOr<RequestPreview> ApnsProvider::Preview(const SendRequest& request) const {
  if (request.content == nullptr) return absl::InvalidArgumentError("no notification content");
  absl::StatusOr<Http2Request> http = Build(*request.content, request.registration,
                                            request.attempt_id, request.push_id, options_.now());
  if (!http.ok()) return http.status();
  RequestPreview preview;
  preview.method = http->method;
  preview.url = http->url;
  preview.headers = std::move(http->headers);
  // Token auth signs a provider token; certificate auth has no header (the TLS client
  // certificate authenticates).
  if (token_cache_)
    preview.headers.emplace_back("authorization", absl::StrCat("bearer ", kRedacted));
  preview.body = std::move(http->body);
  return preview;
}

void ApnsProvider::Send(const SendRequest& request, std::function<void(SendResult)> done) {
  if (request.content == nullptr) {
    done(LocalResult(Outcome::kPermanentFailure, "no notification content"));
    return;
  }
  const domain::RegistrationInput& reg = request.registration.input;
  if (ApnsPushKindFor(*request.content, reg.platform) == ApnsPushKind::kNone) {
    done(LocalResult(Outcome::kPermanentFailure, "NotApplicable"));
    return;
  }
  if (!IsValidApnsDeviceToken(reg.token)) {
    done(LocalResult(Outcome::kTokenDead, "BadDeviceToken"));
    return;
  }
  const absl::Time now = options_.now();
  absl::StatusOr<Http2Request> http =
      Build(*request.content, request.registration, request.attempt_id, request.push_id, now);
  if (!http.ok()) {
    if (http.status().code() == absl::StatusCode::kOutOfRange) {
      done(LocalResult(Outcome::kPermanentFailure, "PayloadTooLarge"));
    } else {
      done(LocalResult(Outcome::kConfigError, std::string(http.status().message())));
    }
    return;
  }

  std::string jwt;
  Recipe recipe;
  if (token_cache_) {
    auto token = token_cache_->Token();
    if (!token.ok()) {
      done(LocalResult(Outcome::kConfigError, absl::StrCat("cannot sign APNs provider token: ",
                                                           token.status().message())));
      return;
    }
    jwt = *std::move(token);
    SetAuthorization(*http, jwt);
    // Only token auth renews and resends; certificate auth needs no recipe.
    recipe.content = request.content;
    recipe.platform = reg.platform;
    recipe.token = reg.token;
    recipe.apns_topic = reg.apns_topic;
    recipe.apns_environment = reg.apns_environment;
    recipe.attempt_id = request.attempt_id;
    recipe.push_id = request.push_id;
    recipe.now = now;
  }
  SendAttempt(*std::move(http), std::move(recipe), std::move(jwt), /*renewed=*/false,
              std::move(done));
}

void ApnsProvider::SendAttempt(Http2Request request, Recipe recipe, std::string jwt, bool renewed,
                               std::function<void(SendResult)> done) {
  // For the logs: the request moves into the client, pool_keys_ outlive every send.
  const std::string& pool = request.pool == pool_keys_[0] ? pool_keys_[0] : pool_keys_[1];
  client_->Send(
      std::move(request), [this, &pool, recipe = std::move(recipe), jwt = std::move(jwt), renewed,
                           done = std::move(done)](Http2Response response) mutable {
        ApnsClassification c =
            ClassifyApnsAnswer(ToProviderAnswer(std::move(response)), options_.now());
        if (!c.provider_token_expired) {
          done(std::move(c.result));
          return;
        }
        if (!token_cache_ || renewed) {
          // Rejected again right after a renewal: the key or our clock is wrong, not the token's
          // age. Certificate auth has no token to renew at all.
          c.result.reason = "ExpiredProviderToken (again after renewal)";
          LogWarn("apns_provider_token_rejected", {{"pool", pool}});
          done(std::move(c.result));
          return;
        }
        auto fresh = token_cache_->ForceRenew(jwt);
        if (!fresh.ok()) {
          c.result.reason = absl::StrCat("ExpiredProviderToken: ", fresh.status().message());
          const std::string why(fresh.status().message());
          LogWarn("apns_provider_token_renewal_refused", {{"pool", pool}, {"why", why}});
          done(std::move(c.result));
          return;
        }
        LogInfo("apns_provider_token_renewed", {{"pool", pool}});
        domain::Registration registration;
        registration.input.platform = recipe.platform;
        registration.input.token = recipe.token;
        registration.input.apns_topic = recipe.apns_topic;
        registration.input.apns_environment = recipe.apns_environment;
        absl::StatusOr<Http2Request> retry =
            Build(*recipe.content, registration, recipe.attempt_id, recipe.push_id, recipe.now);
        if (!retry.ok()) {  // it was built once from the same inputs: cannot happen
          c.result.reason = absl::StrCat("ExpiredProviderToken: ", retry.status().message());
          done(std::move(c.result));
          return;
        }
        SetAuthorization(*retry, *fresh);
        SendAttempt(*std::move(retry), std::move(recipe), *std::move(fresh), /*renewed=*/true,
                    std::move(done));
      });
}

}  // namespace pushgate::providers
