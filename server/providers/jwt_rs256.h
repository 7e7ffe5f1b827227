// RS256 (RSASSA-PKCS1-v1_5 + SHA-256) JSON Web Tokens, as Google's OAuth2 JWT-bearer grant
// needs them for FCM HTTP v1 (protocols.md §3.2). Only signing lives here; callers choose the
// header and claims. Kept apart from jwt_es256 because the key types and signature encodings
// differ (RSA signatures are used as OpenSSL produces them, no DER conversion).
#ifndef PUSHGATE_PROVIDERS_JWT_RS256_H_
#define PUSHGATE_PROVIDERS_JWT_RS256_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;  // OpenSSL's type, kept out of includers' way

namespace pushgate::providers {

// An RSA private key. Cheap to copy (shared, immutable); safe to sign with from several
// threads at once.
class RsaPrivateKey {
 public:
  RsaPrivateKey() = default;
  explicit RsaPrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  bool valid() const { return key_ != nullptr; }
  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

// Reads a PEM private key: PKCS#8 ("BEGIN PRIVATE KEY", what Google's service-account JSON
// carries) or PKCS#1 ("BEGIN RSA PRIVATE KEY"). Errors: INVALID_ARGUMENT when it is not an
// RSA private key of at least 2048 bits.
absl::StatusOr<RsaPrivateKey> LoadRsaPrivateKeyPem(std::string_view pem);

// RSASSA-PKCS1-v1_5 with SHA-256 over `data`.
absl::StatusOr<std::string> SignRs256(std::string_view data, const RsaPrivateKey& key);

// base64url(header_json) "." base64url(claims_json) "." base64url(signature). The JSON texts
// are signed exactly as given.
absl::StatusOr<std::string> SignRs256Jwt(std::string_view header_json, std::string_view claims_json,
                                         const RsaPrivateKey& key);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_JWT_RS256_H_
