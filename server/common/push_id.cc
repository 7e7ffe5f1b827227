#include "common/push_id.h"

#include <array>

#include "common/crypto.h"

namespace pushgate {
namespace {

constexpr int64_t kDeliveryIdMask = (int64_t{1} << 48) - 1;
constexpr int kAttemptMask = 0xfff;

// The 8 tag bytes for (delivery id, attempt), variant bits already in place.
std::array<unsigned char, 8> Tag(const std::string& key, int64_t delivery_id, int attempt) {
  std::string message(12, '\0');
  for (int i = 0; i < 8; ++i) {
    message[i] = static_cast<char>((static_cast<uint64_t>(delivery_id) >> (56 - 8 * i)) & 0xff);
  }
  for (int i = 0; i < 4; ++i) {
    message[8 + i] = static_cast<char>((static_cast<uint32_t>(attempt) >> (24 - 8 * i)) & 0xff);
  }
  const Sha256Digest digest = HmacSha256(key, message);
  std::array<unsigned char, 8> tag;
  for (int i = 0; i < 8; ++i) tag[i] = digest[i];
  tag[0] = static_cast<unsigned char>(0x80 | (tag[0] & 0x3f));  // RFC 9562 variant 10
  return tag;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDashPosition(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::string PushIdCodec::Make(int64_t delivery_id, int attempt) const {
  std::array<unsigned char, 16> b{};
  const uint64_t id = static_cast<uint64_t>(delivery_id & kDeliveryIdMask);
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>((id >> (40 - 8 * i)) & 0xff);
  const int a = attempt & kAttemptMask;
  b[6] = static_cast<unsigned char>(0x80 | (a >> 8));  // version 8
  b[7] = static_cast<unsigned char>(a & 0xff);
  const std::array<unsigned char, 8> tag = Tag(key_, delivery_id & kDeliveryIdMask, a);
  for (int i = 0; i < 8; ++i) b[8 + i] = tag[i];

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t at = 0;
  for (unsigned char byte : b) {
    if (IsDashPosition(at)) ++at;
    out[at++] = kHex[byte >> 4];
    out[at++] = kHex[byte & 0xf];
  }
  return out;
}

std::optional<PushIdParts> PushIdCodec::Open(std::string_view push_id) const {
  if (push_id.size() != 36) return std::nullopt;
  std::array<unsigned char, 16> b{};
  size_t n = 0;
  for (size_t i = 0; i < push_id.size(); ++i) {
    if (IsDashPosition(i)) {
      if (push_id[i] != '-') return std::nullopt;
      continue;
    }
    const int v = HexValue(push_id[i]);
    if (v < 0) return std::nullopt;
    b[n / 2] = static_cast<unsigned char>(b[n / 2] | (n % 2 == 0 ? v << 4 : v));
    ++n;
  }
  if ((b[6] >> 4) != 8 || (b[8] >> 6) != 2) return std::nullopt;
  PushIdParts parts;
  for (int i = 0; i < 6; ++i) parts.delivery_id = (parts.delivery_id << 8) | b[i];
  parts.attempt = ((b[6] & 0x0f) << 8) | b[7];
  const std::array<unsigned char, 8> tag = Tag(key_, parts.delivery_id, parts.attempt);
  const std::string_view expected(reinterpret_cast<const char*>(tag.data()), tag.size());
  const std::string_view got(reinterpret_cast<const char*>(b.data() + 8), 8);
  if (!ConstantTimeEquals(expected, got)) return std::nullopt;
  return parts;
}

}  // namespace pushgate
