// ES256 (ECDSA P-256 + SHA-256) JSON Web Tokens, as APNs provider tokens and Web Push VAPID
// need them: compact JWS with a raw 64-byte R||S signature (RFC 7518 §3.4), base64url without
// padding. Only signing lives here; callers choose the header and claims.
#ifndef PUSHGATE_PROVIDERS_JWT_ES256_H_
#define PUSHGATE_PROVIDERS_JWT_ES256_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;  // OpenSSL's type, kept out of includers' way

namespace pushgate::providers {

// An EC P-256 private key. Cheap to copy (shared, immutable); safe to sign with from several
// threads at once.
class EcPrivateKey {
 public:
  EcPrivateKey() = default;
  explicit EcPrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  bool valid() const { return key_ != nullptr; }
  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

// Reads a PEM private key: PKCS#8 ("BEGIN PRIVATE KEY", Apple's .p8) or SEC1 ("BEGIN EC PRIVATE
// KEY"). Errors: INVALID_ARGUMENT when it is not a P-256 EC private key.
absl::StatusOr<EcPrivateKey> LoadEcPrivateKeyPem(std::string_view pem);
// Same from a file. Errors: NOT_FOUND / PERMISSION_DENIED when unreadable, else as above.
absl::StatusOr<EcPrivateKey> LoadEcPrivateKeyPemFile(const std::string& path);

// The public half as an uncompressed point (0x04 || X || Y, 65 bytes): VAPID's `k=` parameter.
absl::StatusOr<std::string> EcPublicKeyUncompressed(const EcPrivateKey& key);

// ECDSA-SHA256 over `data`, returned as raw R||S (64 bytes).
absl::StatusOr<std::string> SignEs256(std::string_view data, const EcPrivateKey& key);

// Converts OpenSSL's DER ECDSA-Sig-Value to JWS form: R and S each left-padded to 32 bytes.
absl::StatusOr<std::string> EcdsaDerToRaw(std::string_view der);

// base64url(header_json) "." base64url(claims_json) "." base64url(R||S). The JSON texts are
// signed exactly as given, so callers control key order and spacing.
absl::StatusOr<std::string> SignEs256Jwt(std::string_view header_json, std::string_view claims_json,
                                         const EcPrivateKey& key);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_JWT_ES256_H_
