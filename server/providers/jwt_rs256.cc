#include "providers/jwt_rs256.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "providers/pem_key.h"

namespace pushgate::providers {
namespace {

// Google issues 2048-bit keys; anything smaller is not a key we were given by them.
constexpr int kMinRsaBits = 2048;

// The most recent OpenSSL error as text, with the queue cleared so it cannot leak into the
// next caller's diagnosis.
std::string LastOpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

absl::StatusOr<RsaPrivateKey> LoadRsaPrivateKeyPem(std::string_view pem) {
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> loaded = LoadPrivateKeyPem(pem);
  if (!loaded.ok()) return loaded.status();
  std::shared_ptr<EVP_PKEY> key = *std::move(loaded);
  EVP_PKEY* raw = key.get();
  if (!EVP_PKEY_is_a(raw, "RSA")) {
    return absl::InvalidArgumentError("private key is not an RSA key (RS256 needs RSA)");
  }
  if (EVP_PKEY_get_bits(raw) < kMinRsaBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("RSA key has ", EVP_PKEY_get_bits(raw), " bits, RS256 needs ", kMinRsaBits));
  }
  return RsaPrivateKey(std::move(key));
}

absl::StatusOr<std::string> SignRs256(std::string_view data, const RsaPrivateKey& key) {
  if (!key.valid()) return absl::InvalidArgumentError("no signing key");
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) return absl::InternalError("EVP_MD_CTX_new failed");
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    return absl::InternalError(absl::StrCat("EVP_DigestSignInit: ", LastOpenSslError()));
  }
  // PKCS#1 v1.5 is OpenSSL's default for RSA, but RS256 is defined by it, so say so.
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return absl::InternalError(absl::StrCat("RSA padding: ", LastOpenSslError()));
  }
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return absl::InternalError(absl::StrCat("EVP_DigestSign (size): ", LastOpenSslError()));
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     data.size()) != 1) {
    return absl::InternalError(absl::StrCat("EVP_DigestSign: ", LastOpenSslError()));
  }
  sig.resize(len);
  return sig;
}

absl::StatusOr<std::string> SignRs256Jwt(std::string_view header_json, std::string_view claims_json,
                                         const RsaPrivateKey& key) {
  std::string jwt = absl::StrCat(Base64UrlEncode(header_json), ".", Base64UrlEncode(claims_json));
  auto sig = SignRs256(jwt, key);
  if (!sig.ok()) return sig.status();
  absl::StrAppend(&jwt, ".", Base64UrlEncode(*sig));
  return jwt;
}

}  // namespace pushgate::providers
