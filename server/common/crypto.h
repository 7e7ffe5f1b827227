// Small, well-tested wrappers over OpenSSL for what several modules need: hashing, HMAC,
// base64 and constant-time comparison of secrets.
#ifndef PUSHGATE_COMMON_CRYPTO_H_
#define PUSHGATE_COMMON_CRYPTO_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pushgate {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string HexEncode(std::string_view bytes);
std::string HexEncode(const Sha256Digest& digest);
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
// RFC 4648 §5 alphabet, no padding (JWTs, Web Push keys).
std::string Base64UrlEncode(std::string_view bytes);
// Accepts input with or without '=' padding.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Cryptographically random bytes (OpenSSL RAND_bytes).
std::string RandomBytes(size_t n);
// A random token of n bytes, base64url (for generated credentials).
std::string RandomToken(size_t n_bytes);

}  // namespace pushgate

#endif  // PUSHGATE_COMMON_CRYPTO_H_
