#include "common/push_id.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace pushgate {
namespace {

const std::string kKeyA(32, 'a');
const std::string kKeyB(32, 'b');

bool IsCanonicalLowercaseUuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  }
  return true;
}

TEST(PushId, IsACanonicalUuidThatOpensToItsDeliveryAndAttempt) {
  const PushIdCodec codec(kKeyA);
  for (int64_t delivery : {int64_t{1}, int64_t{77}, int64_t{123456789012}}) {
    for (int attempt : {1, 2, 9, 4095}) {
      const std::string id = codec.Make(delivery, attempt);
      EXPECT_TRUE(IsCanonicalLowercaseUuid(id)) << id;  // what apns-id requires
      EXPECT_EQ(id[14], '8') << id;                     // RFC 9562 version 8
      EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant 10
      const auto parts = codec.Open(id);
      ASSERT_TRUE(parts.has_value()) << id;
      EXPECT_EQ(parts->delivery_id, delivery);
      EXPECT_EQ(parts->attempt, attempt);
      EXPECT_EQ(codec.Make(delivery, attempt), id);  // a resend carries the same id
    }
  }
}

TEST(PushId, DiffersAcrossAttemptsDeliveriesAndInstallations) {
  const PushIdCodec a(kKeyA), b(kKeyB);
  std::set<std::string> seen;
  for (int64_t delivery = 1; delivery <= 50; ++delivery) {
    for (int attempt = 1; attempt <= 5; ++attempt) {
      EXPECT_TRUE(seen.insert(a.Make(delivery, attempt)).second);
      EXPECT_TRUE(seen.insert(b.Make(delivery, attempt)).second);
    }
  }
  // Another installation's id does not open here, nor ours there.
  EXPECT_FALSE(a.Open(b.Make(7, 1)).has_value());
  EXPECT_FALSE(b.Open(a.Make(7, 1)).has_value());
}

TEST(PushId, RefusesAlteredOrMalformedIds) {
  const PushIdCodec codec(kKeyA);
  const std::string id = codec.Make(42, 3);
  // Another delivery or attempt under the same tag: the tag no longer matches.
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '-') continue;
    std::string altered = id;
    altered[i] = altered[i] == '0' ? '1' : '0';
    EXPECT_FALSE(codec.Open(altered).has_value()) << altered;
  }
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(codec.Open(upper).has_value());  // UUIDs are case-insensitive
  EXPECT_FALSE(codec.Open("").has_value());
  EXPECT_FALSE(codec.Open(id.substr(1)).has_value());
  EXPECT_FALSE(codec.Open(id + "0").has_value());
  EXPECT_FALSE(codec.Open("123e4567-e89b-12d3-a456-426655440000").has_value());  // a v1 UUID
  std::string no_dashes = id;
  no_dashes[8] = '0';
  EXPECT_FALSE(codec.Open(no_dashes).has_value());
}

}  // namespace
}  // namespace pushgate
