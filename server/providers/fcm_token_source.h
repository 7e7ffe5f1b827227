// The OAuth2 access token FCM HTTP v1 requests carry (protocols.md §3.2): an RS256 JWT signed
// with the service account's key is exchanged at token_uri (JWT-bearer grant, RFC 7523) for an
// opaque bearer token that lives about an hour. One token per service account is cached and
// refreshed a few minutes before it expires; concurrent callers queue behind a single refresh
// request instead of each asking Google.
#ifndef PUSHGATE_PROVIDERS_FCM_TOKEN_SOURCE_H_
#define PUSHGATE_PROVIDERS_FCM_TOKEN_SOURCE_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "providers/fcm_service_account.h"
#include "providers/http2_client.h"

namespace pushgate::providers {

inline constexpr char kFcmOAuthScope[] = "https://www.googleapis.com/auth/firebase.messaging";

struct FcmTokenSourceOptions {
  // Where the assertion is POSTed; empty: the service account's token_uri. The JWT's aud is
  // always the service account's token_uri (what Google checks). Tests keep the real URL and
  // use tls.resolve instead, so this is for unusual deployments (a proxy).
  std::string token_uri_override;
  TlsSettings tls;  // ca_file, resolve
  // Pool of the token endpoint's connections, separate from the FCM sends.
  std::string pool;  // empty: "fcm-token/<client_email>"
  // A cached token is used until this long before its expires_in runs out.
  absl::Duration refresh_margin = absl::Minutes(5);
  absl::Duration request_timeout = absl::Seconds(10);
  // Time source; tests inject a fake clock. Default: absl::Now.
  std::function<absl::Time()> now;
};

class FcmTokenSource {
 public:
  using Callback = std::function<void(absl::StatusOr<std::string>)>;

  // `client` must outlive this object and every request it sent.
  FcmTokenSource(FcmServiceAccount account, Http2Client* client, FcmTokenSourceOptions options);

  // Calls `done` with the access token: inline when a fresh one is cached, else on the HTTP/2
  // client's thread once the (single, shared) refresh answered. Errors:
  //   UNAVAILABLE          no answer, 429 or 5xx from the token endpoint (retry later);
  //   PERMISSION_DENIED    the endpoint refused the grant (4xx: wrong key, revoked account,
  //                        clock skew) — a configuration problem;
  //   INTERNAL             the answer was not the JSON we expect, or signing failed.
  void GetToken(Callback done);

  // FCM answered 401 UNAUTHENTICATED for `rejected`: drop it so the next GetToken fetches a
  // new one. A token that was already replaced is left alone (one refresh per rejection,
  // however many requests saw it).
  void Invalidate(const std::string& rejected);

  // The signed assertion for `now` (exposed for tests).
  absl::StatusOr<std::string> BuildAssertion(absl::Time now) const;

  // Token endpoint requests made (metrics, tests).
  int fetches() const;
  const FcmServiceAccount& account() const { return account_; }

 private:
  void Fetch(absl::Time now);
  void Finish(absl::StatusOr<std::string> token, absl::Time expires_at);

  const FcmServiceAccount account_;
  Http2Client* const client_;
  const FcmTokenSourceOptions options_;

  mutable std::mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time use_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Callback> waiters_ ABSL_GUARDED_BY(mu_);
  int fetches_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FCM_TOKEN_SOURCE_H_
