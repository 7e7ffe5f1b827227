#include "webhook/dedupe.h"

#include "common/crypto.h"

namespace pushgate::webhook {

int64_t DedupeHash(std::string_view raw_body) {
  const Sha256Digest digest = Sha256(raw_body);
  uint64_t key = 0;
  for (int i = 0; i < 8; ++i) key = (key << 8) | digest[i];
  return static_cast<int64_t>(key);  // two's complement: every bit pattern is a valid key
}

}  // namespace pushgate::webhook
