// RFC 8291 message encryption for Web Push: the aes128gcm content coding of RFC 8188 with the
// key agreed by ECDH (P-256) between a fresh sender key pair and the subscription's p256dh key,
// mixed with the subscription's auth secret (protocols.md §4.3). Pure: the ephemeral key pair
// and the salt are inputs, so the worked example of RFC 8291 Appendix A is reproducible byte
// for byte; NewWebPushEphemeral() makes the random ones a real send needs.
#ifndef PUSHGATE_PROVIDERS_WEBPUSH_ENCRYPTION_H_
#define PUSHGATE_PROVIDERS_WEBPUSH_ENCRYPTION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pushgate::providers {

inline constexpr size_t kWebPushSaltBytes = 16;
inline constexpr size_t kWebPushAuthSecretBytes = 16;
inline constexpr size_t kWebPushPublicKeyBytes = 65;  // uncompressed P-256 point
// salt (16) | rs (4) | idlen (1) | keyid = sender public key (65)
inline constexpr size_t kWebPushHeaderBytes = 86;
// The padding delimiter (1) and the AES-GCM tag (16) each record carries.
inline constexpr size_t kWebPushRecordOverhead = 17;
// Every push service must accept bodies of this size (RFC 8030 §7.2).
inline constexpr size_t kWebPushMaxBodyBytes = 4096;
// The largest plaintext that fits kWebPushMaxBodyBytes in one record: 3993.
inline constexpr size_t kWebPushMaxPlaintextBytes =
    kWebPushMaxBodyBytes - kWebPushHeaderBytes - kWebPushRecordOverhead;

// The sender's per-message secrets: an ephemeral P-256 key pair and a salt. Never reuse one
// for two messages.
struct WebPushEphemeral {
  std::string private_scalar;  // 32 bytes, big-endian
  std::string public_key;      // its uncompressed point, 65 bytes (the header's keyid)
  std::string salt;            // 16 bytes
};

// A fresh random key pair and salt.
absl::StatusOr<WebPushEphemeral> NewWebPushEphemeral();

// Builds the ephemeral from a raw 32-byte private scalar (tests: RFC 8291's keys) and a salt.
// Errors: INVALID_ARGUMENT for a scalar that is not a valid P-256 private key or a salt that is
// not 16 bytes.
absl::StatusOr<WebPushEphemeral> WebPushEphemeralFromRaw(std::string_view private_scalar,
                                                         std::string_view salt);

// The aes128gcm body (header + one record) for `plaintext`, for the subscription whose decoded
// keys are `ua_public` (65 bytes, 0x04 …) and `auth_secret` (16 bytes). `record_size` is the
// header's rs; the plaintext plus kWebPushRecordOverhead must fit in it.
// Errors: INVALID_ARGUMENT naming the bad subscription key (wrong length, not a point on the
// curve); OUT_OF_RANGE when the plaintext does not fit one record.
absl::StatusOr<std::string> EncryptWebPushPayload(std::string_view plaintext,
                                                  std::string_view ua_public,
                                                  std::string_view auth_secret,
                                                  const WebPushEphemeral& ephemeral,
                                                  uint32_t record_size = 4096);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_WEBPUSH_ENCRYPTION_H_
