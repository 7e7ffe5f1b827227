#include "providers/webpush_encryption.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace pushgate::providers {
namespace {

constexpr size_t kScalarBytes = 32;
constexpr size_t kKeyBytes = 16;    // AES-128
constexpr size_t kNonceBytes = 12;  // AES-GCM IV
constexpr size_t kTagBytes = 16;
constexpr unsigned char kLastRecordDelimiter = 0x02;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct GroupFree {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};
struct PointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// An EVP_PKEY on P-256 from its parts (public point, and the private scalar when given).
absl::StatusOr<Pkey> EcKeyFromParts(std::string_view public_point, const BIGNUM* private_scalar) {
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) return absl::InternalError("OSSL_PARAM_BLD_new failed");
  if (!OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_point.data(),
                                        public_point.size()) ||
      (private_scalar != nullptr &&
       !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_scalar))) {
    return absl::InternalError(absl::StrCat("building key parameters: ", OpenSslError()));
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return absl::InternalError(absl::StrCat("EVP_PKEY_fromdata_init: ", OpenSslError()));
  }
  EVP_PKEY* raw = nullptr;
  const int selection = private_scalar != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    // The point did not decode: wrong length, bad prefix or not on the curve.
    ERR_clear_error();
    return absl::InvalidArgumentError("not a P-256 public key");
  }
  return Pkey(raw);
}

// HKDF-Expand with L ≤ 32: one HMAC block, info || 0x01, cut to `length` (RFC 5869 §2.3).
std::string ExpandOneBlock(const Sha256Digest& prk, std::string_view info, size_t length) {
  std::string input(info);
  input.push_back('\x01');
  const Sha256Digest okm =
      HmacSha256(std::string_view(reinterpret_cast<const char*>(prk.data()), prk.size()), input);
  return std::string(reinterpret_cast<const char*>(okm.data()), length);
}

std::string_view View(const Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

absl::StatusOr<std::string> Ecdh(const EcPrivateKey& own, EVP_PKEY* peer) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, own.get(), nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != kScalarBytes) {
    return absl::InternalError(absl::StrCat("ECDH: ", OpenSslError()));
  }
  std::string secret(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &len) != 1) {
    return absl::InternalError(absl::StrCat("ECDH: ", OpenSslError()));
  }
  return secret;
}

}  // namespace

absl::StatusOr<WebPushEphemeral> NewWebPushEphemeral() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (raw == nullptr) return absl::InternalError(absl::StrCat("EC keygen: ", OpenSslError()));
  WebPushEphemeral e;
  e.key = EcPrivateKey(std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free));
  auto pub = EcPublicKeyUncompressed(e.key);
  if (!pub.ok()) return pub.status();
  e.public_key = *std::move(pub);
  e.salt = RandomBytes(kWebPushSaltBytes);
  return e;
}

absl::StatusOr<WebPushEphemeral> WebPushEphemeralFromRaw(std::string_view private_scalar,
                                                         std::string_view salt) {
  if (salt.size() != kWebPushSaltBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("salt must be ", kWebPushSaltBytes, " bytes, got ", salt.size()));
  }
  if (private_scalar.size() != kScalarBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("P-256 private key must be 32 bytes, got ", private_scalar.size()));
  }
  std::unique_ptr<EC_GROUP, GroupFree> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  std::unique_ptr<BIGNUM, BnFree> d(BN_bin2bn(Bytes(private_scalar), kScalarBytes, nullptr));
  if (!group || !d) return absl::InternalError("EC group or scalar allocation failed");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return absl::InvalidArgumentError("P-256 private key out of range");
  }
  std::unique_ptr<EC_POINT, PointFree> q(EC_POINT_new(group.get()));
  unsigned char point[kWebPushPublicKeyBytes];
  if (!q || EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point),
                         nullptr) != sizeof(point)) {
    return absl::InternalError(absl::StrCat("deriving the public key: ", OpenSslError()));
  }
  WebPushEphemeral e;
  e.public_key.assign(reinterpret_cast<const char*>(point), sizeof(point));
  auto key = EcKeyFromParts(e.public_key, d.get());
  if (!key.ok()) return key.status();
  e.key = EcPrivateKey(std::shared_ptr<EVP_PKEY>(key->release(), EVP_PKEY_free));
  e.salt = std::string(salt);
  return e;
}

absl::StatusOr<std::string> EncryptWebPushPayload(std::string_view plaintext,
                                                  std::string_view ua_public,
                                                  std::string_view auth_secret,
                                                  const WebPushEphemeral& ephemeral,
                                                  uint32_t record_size) {
  if (ua_public.size() != kWebPushPublicKeyBytes || ua_public[0] != '\x04') {
    return absl::InvalidArgumentError(
        "subscription key p256dh must be a 65-byte uncompressed P-256 point");
  }
  if (auth_secret.size() != kWebPushAuthSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat("subscription auth secret must be ",
                                                   kWebPushAuthSecretBytes, " bytes, got ",
                                                   auth_secret.size()));
  }
  if (!ephemeral.key.valid() || ephemeral.public_key.size() != kWebPushPublicKeyBytes ||
      ephemeral.salt.size() != kWebPushSaltBytes) {
    return absl::InvalidArgumentError("incomplete ephemeral key or salt");
  }
  if (plaintext.size() + kWebPushRecordOverhead > record_size) {
    return absl::OutOfRangeError(absl::StrCat("plaintext of ", plaintext.size(),
                                              " bytes does not fit one record of ", record_size));
  }
  auto peer = EcKeyFromParts(ua_public, nullptr);
  if (!peer.ok()) {
    return absl::InvalidArgumentError("subscription key p256dh is not a point on P-256");
  }
  auto ecdh_secret = Ecdh(ephemeral.key, peer->get());
  if (!ecdh_secret.ok()) return ecdh_secret.status();

  // RFC 8291 §3.4: the auth secret and both public keys bind the key to this subscription.
  const Sha256Digest prk_key = HmacSha256(auth_secret, *ecdh_secret);
  std::string key_info("WebPush: info");
  key_info.push_back('\0');
  key_info.append(ua_public);
  key_info.append(ephemeral.public_key);
  const std::string ikm = ExpandOneBlock(prk_key, key_info, 32);
  const Sha256Digest prk = HmacSha256(ephemeral.salt, ikm);
  const std::string cek =
      ExpandOneBlock(prk, std::string_view("Content-Encoding: aes128gcm\0", 28), kKeyBytes);
  const std::string nonce =
      ExpandOneBlock(prk, std::string_view("Content-Encoding: nonce\0", 24), kNonceBytes);

  std::string body;
  body.reserve(kWebPushHeaderBytes + plaintext.size() + kWebPushRecordOverhead);
  body.append(ephemeral.salt);
  for (int shift = 24; shift >= 0; shift -= 8) body.push_back(char((record_size >> shift) & 0xff));
  body.push_back(char(kWebPushPublicKeyBytes));
  body.append(ephemeral.public_key);

  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, Bytes(cek), Bytes(nonce)) != 1) {
    return absl::InternalError(absl::StrCat("AES-GCM init: ", OpenSslError()));
  }
  const size_t header = body.size();
  body.resize(header + plaintext.size() + 1 + kTagBytes);
  auto* out = reinterpret_cast<unsigned char*>(body.data()) + header;
  int n = 0;
  int total = 0;
  const unsigned char delimiter = kLastRecordDelimiter;
  if (EVP_EncryptUpdate(ctx.get(), out, &n, Bytes(plaintext), int(plaintext.size())) != 1) {
    return absl::InternalError(absl::StrCat("AES-GCM: ", OpenSslError()));
  }
  total += n;
  if (EVP_EncryptUpdate(ctx.get(), out + total, &n, &delimiter, 1) != 1) {
    return absl::InternalError(absl::StrCat("AES-GCM: ", OpenSslError()));
  }
  total += n;
  if (EVP_EncryptFinal_ex(ctx.get(), out + total, &n) != 1) {
    return absl::InternalError(absl::StrCat("AES-GCM final: ", OpenSslError()));
  }
  total += n;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, out + total) != 1) {
    return absl::InternalError(absl::StrCat("AES-GCM tag: ", OpenSslError()));
  }
  body.resize(header + total + kTagBytes);
  return body;
}

}  // namespace pushgate::providers
