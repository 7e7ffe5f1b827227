#include "webhook/dedupe.h"

#include <set>
#include <string>

#include "common/crypto.h"
#include "fixtures.h"
#include "gtest/gtest.h"

namespace pushgate::webhook {
namespace {

TEST(DedupeHash, IsTheFirstEightBytesOfSha256BigEndian) {
  const std::string body = testing::ReadFixture("chat.json");
  const Sha256Digest d = Sha256(body);
  uint64_t expected = 0;
  for (int i = 0; i < 8; ++i) expected = expected * 256 + d[i];
  EXPECT_EQ(static_cast<uint64_t>(DedupeHash(body)), expected);
}

TEST(DedupeHash, SameBytesSameKeyAndAnyChangeANewKey) {
  const std::string body = testing::ReadFixture("chat.json");
  EXPECT_EQ(DedupeHash(body), DedupeHash(std::string(body)));
  std::set<int64_t> keys{DedupeHash(body)};
  for (size_t i = 0; i < body.size(); i += 37) {
    std::string changed = body;
    changed[i] ^= 1;
    keys.insert(DedupeHash(changed));
  }
  EXPECT_EQ(keys.size(), 1 + (body.size() + 36) / 37);
}

TEST(DedupeHash, DifferentRecipientsNeverShareAKey) {
  std::string body = testing::ReadFixture("chat.json");
  const int64_t original = DedupeHash(body);
  const size_t at = body.find("cometchat-uid-2");
  body.replace(at, 15, "cometchat-uid-3");
  EXPECT_NE(DedupeHash(body), original);
}

}  // namespace
}  // namespace pushgate::webhook
