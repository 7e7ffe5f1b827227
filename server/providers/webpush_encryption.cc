#include "providers/webpush_encryption.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

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

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct PointFree {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using Point = std::unique_ptr<EC_POINT, PointFree>;

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

// Per-message work uses the curve arithmetic directly (EC_POINT_mul, constant-time for P-256)
// and reuses per-thread contexts. Measured in tools/bench/webpush: going through EVP_PKEY for
// the ephemeral key, the peer key and the derivation (provider fetches, parameter building and
// a full peer-key check that costs another scalar multiplication), plus one-shot HMACs, cost
// more CPU than the ECDH itself. OpenSSL contexts are not thread-safe, hence per thread.
struct P256 {
  EC_GROUP* group = nullptr;
  BN_CTX* bn = nullptr;
  P256() : group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)), bn(BN_CTX_secure_new()) {}
  ~P256() {
    EC_GROUP_free(group);
    BN_CTX_free(bn);
  }
  bool ok() const { return group != nullptr && bn != nullptr; }
};

P256& Curve() {
  thread_local P256 curve;
  return curve;
}

const EVP_CIPHER* Aes128Gcm() {
  static const EVP_CIPHER* const cipher = [] {
    const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    return fetched != nullptr ? fetched : EVP_aes_128_gcm();
  }();
  return cipher;
}

// HMAC-SHA-256 with a per-thread context whose digest is set once (EVP_MAC_init then only takes
// the key). Falls back to the one-shot when the context cannot be made.
Sha256Digest Hmac(std::string_view key, std::string_view data) {
  thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    std::unique_ptr<EVP_MAC_CTX, MacCtxFree> c(mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr);
    EVP_MAC_free(mac);  // the context keeps its own reference
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end()};
    if (c && EVP_MAC_CTX_set_params(c.get(), params) != 1) c.reset();
    return c;
  }();
  Sha256Digest out{};
  size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), Bytes(key), key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), Bytes(data), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1) {
    ERR_clear_error();
    return HmacSha256(key, data);
  }
  return out;
}

std::string_view View(const Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// HKDF-Expand with L ≤ 32: one HMAC block, info || 0x01, cut to `length` (RFC 5869 §2.3).
std::string ExpandOneBlock(const Sha256Digest& prk, std::string_view info, size_t length) {
  std::string input(info);
  input.push_back('\x01');
  return std::string(View(Hmac(View(prk), input)).substr(0, length));
}

// The scalar as a constant-time BIGNUM, checked to be a valid private key (1 ≤ d < n).
absl::StatusOr<Bn> Scalar(std::string_view bytes, const P256& curve) {
  if (bytes.size() != kScalarBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("P-256 private key must be 32 bytes, got ", bytes.size()));
  }
  Bn d(BN_secure_new());
  if (!d || BN_bin2bn(Bytes(bytes), kScalarBytes, d.get()) == nullptr) {
    return absl::InternalError("BIGNUM allocation failed");
  }
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(curve.group)) >= 0) {
    return absl::InvalidArgumentError("P-256 private key out of range");
  }
  return d;
}

// d·G as an uncompressed point.
absl::StatusOr<std::string> PublicPoint(const BIGNUM* d, P256& curve) {
  Point q(EC_POINT_new(curve.group));
  unsigned char out[kWebPushPublicKeyBytes];
  if (!q || EC_POINT_mul(curve.group, q.get(), d, nullptr, nullptr, curve.bn) != 1 ||
      EC_POINT_point2oct(curve.group, q.get(), POINT_CONVERSION_UNCOMPRESSED, out, sizeof(out),
                         curve.bn) != sizeof(out)) {
    return absl::InternalError(absl::StrCat("deriving the public key: ", OpenSslError()));
  }
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

// ECDH: the x coordinate of d·P, where P is the subscription's key.
absl::StatusOr<std::string> Ecdh(std::string_view private_scalar, std::string_view peer_point) {
  P256& curve = Curve();
  if (!curve.ok()) return absl::InternalError("P-256 group unavailable");
  auto d = Scalar(private_scalar, curve);
  if (!d.ok()) return d.status();
  Point p(EC_POINT_new(curve.group));
  // Decoding checks that the point lies on the curve; P-256 has cofactor 1, so that is all
  // the validation ECDH needs.
  if (!p ||
      EC_POINT_oct2point(curve.group, p.get(), Bytes(peer_point), peer_point.size(), curve.bn) !=
          1 ||
      EC_POINT_is_at_infinity(curve.group, p.get())) {
    ERR_clear_error();
    return absl::InvalidArgumentError("subscription key p256dh is not a point on P-256");
  }
  Point shared(EC_POINT_new(curve.group));
  Bn x(BN_new());
  unsigned char out[kScalarBytes];
  if (!shared || !x ||
      EC_POINT_mul(curve.group, shared.get(), nullptr, p.get(), d->get(), curve.bn) != 1 ||
      EC_POINT_get_affine_coordinates(curve.group, shared.get(), x.get(), nullptr, curve.bn) != 1 ||
      BN_bn2binpad(x.get(), out, sizeof(out)) != static_cast<int>(sizeof(out))) {
    return absl::InternalError(absl::StrCat("ECDH: ", OpenSslError()));
  }
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

}  // namespace

absl::StatusOr<WebPushEphemeral> NewWebPushEphemeral() {
  P256& curve = Curve();
  if (!curve.ok()) return absl::InternalError("P-256 group unavailable");
  Bn d(BN_secure_new());
  if (!d) return absl::InternalError("BIGNUM allocation failed");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  do {
    if (BN_priv_rand_range(d.get(), EC_GROUP_get0_order(curve.group)) != 1) {
      return absl::InternalError(absl::StrCat("EC keygen: ", OpenSslError()));
    }
  } while (BN_is_zero(d.get()));
  auto pub = PublicPoint(d.get(), curve);
  if (!pub.ok()) return pub.status();
  WebPushEphemeral e;
  e.private_scalar.resize(kScalarBytes);
  BN_bn2binpad(d.get(), reinterpret_cast<unsigned char*>(e.private_scalar.data()), kScalarBytes);
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
  P256& curve = Curve();
  if (!curve.ok()) return absl::InternalError("P-256 group unavailable");
  auto d = Scalar(private_scalar, curve);
  if (!d.ok()) return d.status();
  auto pub = PublicPoint(d->get(), curve);
  if (!pub.ok()) return pub.status();
  return WebPushEphemeral{std::string(private_scalar), *std::move(pub), std::string(salt)};
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
  if (ephemeral.private_scalar.size() != kScalarBytes ||
      ephemeral.public_key.size() != kWebPushPublicKeyBytes ||
      ephemeral.salt.size() != kWebPushSaltBytes) {
    return absl::InvalidArgumentError("incomplete ephemeral key or salt");
  }
  if (plaintext.size() + kWebPushRecordOverhead > record_size) {
    return absl::OutOfRangeError(absl::StrCat("plaintext of ", plaintext.size(),
                                              " bytes does not fit one record of ", record_size));
  }
  auto ecdh_secret = Ecdh(ephemeral.private_scalar, ua_public);
  if (!ecdh_secret.ok()) return ecdh_secret.status();

  // RFC 8291 §3.4: the auth secret and both public keys bind the key to this subscription.
  const Sha256Digest prk_key = Hmac(auth_secret, *ecdh_secret);
  std::string key_info("WebPush: info");
  key_info.push_back('\0');
  key_info.append(ua_public);
  key_info.append(ephemeral.public_key);
  const std::string ikm = ExpandOneBlock(prk_key, key_info, 32);
  const Sha256Digest prk = Hmac(ephemeral.salt, ikm);
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
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), Aes128Gcm(), nullptr, Bytes(cek), Bytes(nonce)) != 1) {
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
