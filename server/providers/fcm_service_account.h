// A Google service account, as the JSON key file Firebase hands out (protocols.md §3.1): the
// identity FCM HTTP v1 requests are authorised with. Parsed once at start-up from text (the
// config passes a secret's value or a file's contents), the RSA key loaded and checked then.
#ifndef PUSHGATE_PROVIDERS_FCM_SERVICE_ACCOUNT_H_
#define PUSHGATE_PROVIDERS_FCM_SERVICE_ACCOUNT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "providers/jwt_rs256.h"

namespace pushgate::providers {

struct FcmServiceAccount {
  std::string project_id;      // {project} in the send URL
  std::string private_key_id;  // the JWT's kid
  std::string client_email;    // the JWT's iss
  std::string token_uri;       // where the JWT is exchanged, and its aud
  RsaPrivateKey private_key;   // never logged, never copied out as text
};

// Errors: INVALID_ARGUMENT naming the problem — not JSON, `type` not "service_account", a
// missing or non-string field (project_id, private_key_id, private_key, client_email,
// token_uri), or a private_key that is not an RSA PEM key. Messages never quote the key.
absl::StatusOr<FcmServiceAccount> ParseFcmServiceAccount(std::string_view json_text);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_FCM_SERVICE_ACCOUNT_H_
