#include "providers/jwt_es256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "providers/pem_key.h"

namespace pushgate::providers {
namespace {

constexpr size_t kCoordinateBytes = 32;  // P-256

// The most recent OpenSSL error as text, and the queue cleared so it cannot leak into the
// next caller's diagnosis.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct SigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

}  // namespace

absl::StatusOr<EcPrivateKey> LoadEcPrivateKeyPem(std::string_view pem) {
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> loaded = LoadPrivateKeyPem(pem);
  if (!loaded.ok()) return loaded.status();
  std::shared_ptr<EVP_PKEY> key = *std::move(loaded);
  EVP_PKEY* raw = key.get();
  if (!EVP_PKEY_is_a(raw, "EC")) {
    return absl::InvalidArgumentError("private key is not an EC key (ES256 needs P-256)");
  }
  char group[64] = {0};
  size_t group_len = 0;
  if (!EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                      &group_len) ||
      std::string(group, group_len) != "prime256v1") {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("EC key is on curve '",
                                                   std::string(group, group_len),
                                                   "', ES256 needs prime256v1 (P-256)"));
  }
  return EcPrivateKey(std::move(key));
}

absl::StatusOr<EcPrivateKey> LoadEcPrivateKeyPemFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string what = absl::StrCat("cannot read key file ", path, ": ", std::strerror(err));
    if (err == EACCES) return absl::PermissionDeniedError(what);
    return absl::NotFoundError(what);
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto key = LoadEcPrivateKeyPem(text.str());
  if (!key.ok()) {
    return absl::Status(key.status().code(), absl::StrCat(path, ": ", key.status().message()));
  }
  return key;
}

absl::StatusOr<std::string> EcPublicKeyUncompressed(const EcPrivateKey& key) {
  if (!key.valid()) return absl::InvalidArgumentError("no key");
  unsigned char buf[1 + 2 * kCoordinateBytes];
  size_t len = 0;
  // Asking for the uncompressed form explicitly: the encoded-key parameter follows the key's
  // own point format, which a SEC1 file may have set to compressed.
  if (!EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf,
                                       sizeof(buf), &len) ||
      len != sizeof(buf) || buf[0] != 0x04) {
    ERR_clear_error();
    return absl::InternalError("cannot export the public key as an uncompressed P-256 point");
  }
  return std::string(reinterpret_cast<const char*>(buf), len);
}

absl::StatusOr<std::string> EcdsaDerToRaw(std::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, SigFree> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a DER ECDSA signature");
  }
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kCoordinateBytes, '\0');
  unsigned char* o = reinterpret_cast<unsigned char*>(out.data());
  // BN_bn2binpad left-pads with zeros (DER drops leading zero bytes, so R or S can be shorter
  // than 32 bytes about once in 128 signatures) and fails if a value is too long.
  if (BN_bn2binpad(r, o, kCoordinateBytes) != static_cast<int>(kCoordinateBytes) ||
      BN_bn2binpad(s, o + kCoordinateBytes, kCoordinateBytes) !=
          static_cast<int>(kCoordinateBytes)) {
    return absl::InvalidArgumentError("ECDSA signature values exceed 32 bytes");
  }
  return out;
}

absl::StatusOr<std::string> SignEs256(std::string_view data, const EcPrivateKey& key) {
  if (!key.valid()) return absl::InvalidArgumentError("no signing key");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return absl::InternalError("EVP_MD_CTX_new failed");
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    return absl::InternalError(absl::StrCat("EVP_DigestSignInit: ", OpenSslError()));
  }
  size_t der_len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &der_len, in, data.size()) != 1) {
    return absl::InternalError(absl::StrCat("EVP_DigestSign (size): ", OpenSslError()));
  }
  std::string der(der_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &der_len, in,
                     data.size()) != 1) {
    return absl::InternalError(absl::StrCat("EVP_DigestSign: ", OpenSslError()));
  }
  der.resize(der_len);
  return EcdsaDerToRaw(der);
}

absl::StatusOr<std::string> SignEs256Jwt(std::string_view header_json, std::string_view claims_json,
                                         const EcPrivateKey& key) {
  std::string signing_input =
      absl::StrCat(Base64UrlEncode(header_json), ".", Base64UrlEncode(claims_json));
  auto sig = SignEs256(signing_input, key);
  if (!sig.ok()) return sig.status();
  signing_input.push_back('.');
  signing_input.append(Base64UrlEncode(*sig));
  return signing_input;
}

}  // namespace pushgate::providers
