#include "providers/fcm_provider.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "providers/fcm_response_classifier.h"
#include "providers/provider_answer.h"

namespace pushgate::providers {
namespace {

// No access token: an unreachable endpoint is worth retrying, a refused grant is our config.
SendResult NoToken(const absl::Status& s) {
  return LocalResult(
      s.code() == absl::StatusCode::kUnavailable ? Outcome::kRetry : Outcome::kConfigError,
      absl::StrCat("no FCM access token: ", s.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<FcmProvider>> FcmProvider::Create(Http2Client* client,
                                                                 FcmProviderOptions options) {
  if (client == nullptr) return absl::InvalidArgumentError("FCM provider needs an HTTP/2 client");
  auto account = ParseFcmServiceAccount(options.service_account_json);
  if (!account.ok()) return account.status();
  if (!options.now) options.now = [] { return absl::Now(); };
  // The JSON holds the private key; the parsed account keeps it, the text need not stay.
  options.service_account_json.clear();
  return std::unique_ptr<FcmProvider>(
      new FcmProvider(client, std::move(options), *std::move(account)));
}

FcmProvider::FcmProvider(Http2Client* client, FcmProviderOptions options, FcmServiceAccount account)
    : client_(client), options_(std::move(options)) {
  pool_ = absl::StrCat("fcm/", account.project_id, "/", account.client_email);
  FcmTokenSourceOptions t;
  t.token_uri_override = options_.endpoints.token_uri;
  t.tls = options_.endpoints.tls;
  t.refresh_margin = options_.token_refresh_margin;
  t.request_timeout = options_.request_timeout;
  t.now = options_.now;
  token_source_ = std::make_unique<FcmTokenSource>(std::move(account), client, std::move(t));
}

void FcmProvider::Send(const SendRequest& request, std::function<void(SendResult)> done) {
  if (request.content == nullptr) {
    done(LocalResult(Outcome::kPermanentFailure, "no notification content"));
    return;
  }
  const domain::RegistrationInput& reg = request.registration.input;
  if (reg.platform != domain::Platform::kFcm) {
    done(LocalResult(Outcome::kPermanentFailure, "NotApplicable"));
    return;
  }
  if (reg.token.empty()) {
    done(LocalResult(Outcome::kTokenDead, "InvalidToken"));
    return;
  }
  auto built = BuildFcmRequest(*request.content, request.registration, project_id(), options_.now(),
                               options_.build, request.push_id);
  if (!built.ok()) {
    if (built.status().code() == absl::StatusCode::kOutOfRange) {
      done(LocalResult(Outcome::kPermanentFailure, "PayloadTooLarge"));
    } else {
      done(LocalResult(Outcome::kConfigError, std::string(built.status().message())));
    }
    return;
  }
  auto http = std::make_shared<Http2Request>();
  http->pool = pool_;
  http->tls = options_.endpoints.tls;
  http->method = "POST";
  http->url = absl::StrCat(options_.endpoints.fcm_url, built->path);
  http->headers = {{"content-type", "application/json; charset=UTF-8"}};
  http->body = std::move(built->body);
  http->timeout = options_.request_timeout;
  http->require_http2 = true;  // one stream per message on few connections is the scaling path
  SendWithToken(std::move(http), /*refreshed=*/false, std::move(done));
}

absl::StatusOr<RequestPreview> FcmProvider::Preview(const SendRequest& request) const {
  if (request.content == nullptr) return absl::InvalidArgumentError("no notification content");
  auto built = BuildFcmRequest(*request.content, request.registration, project_id(), options_.now(),
                               options_.build, request.push_id);
  if (!built.ok()) return built.status();
  RequestPreview preview;
  preview.method = "POST";
  preview.url = absl::StrCat(options_.endpoints.fcm_url, built->path);
  preview.headers = {{"content-type", "application/json; charset=UTF-8"},
                     {"authorization", absl::StrCat("Bearer ", kRedacted)}};
  preview.body = std::move(built->body);
  return preview;
}

void FcmProvider::SendWithToken(std::shared_ptr<const Http2Request> request, bool refreshed,
                                std::function<void(SendResult)> done) {
  token_source_->GetToken([this, request = std::move(request), refreshed,
                           done = std::move(done)](absl::StatusOr<std::string> token) mutable {
    if (!token.ok()) {
      done(NoToken(token.status()));
      return;
    }
    Http2Request copy = *request;  // kept: a refresh resends the same request
    copy.headers.emplace_back("authorization", absl::StrCat("Bearer ", *token));
    client_->Send(std::move(copy),
                  [this, request = std::move(request), refreshed, token = *std::move(token),
                   done = std::move(done)](Http2Response response) mutable {
                    FcmClassification c =
                        ClassifyFcmAnswer(ToProviderAnswer(std::move(response)), options_.now());
                    if (!c.access_token_rejected) {
                      done(std::move(c.result));
                      return;
                    }
                    if (refreshed) {
                      // Refused again with a token fetched just now: the service account lacks the
                      // right to send for this project, or the clocks disagree. Not the device's
                      // fault.
                      c.result.reason = "UNAUTHENTICATED (again after refreshing the access token)";
                      LogWarn("fcm_access_token_rejected", {{"pool", request->pool}});
                      done(std::move(c.result));
                      return;
                    }
                    LogInfo("fcm_access_token_refresh", {{"pool", request->pool}});
                    token_source_->Invalidate(token);
                    SendWithToken(std::move(request), /*refreshed=*/true, std::move(done));
                  });
  });
}

}  // namespace pushgate::providers
