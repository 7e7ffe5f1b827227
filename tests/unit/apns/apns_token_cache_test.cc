#include "providers/apns_token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

// A clock the test moves by hand; read from several threads in the concurrency test.
class FakeClock {
 public:
  explicit FakeClock(absl::Time start) : now_(absl::ToUnixNanos(start)) {}
  absl::Time Now() const { return absl::FromUnixNanos(now_.load()); }
  void Advance(absl::Duration d) { now_ += absl::ToInt64Nanoseconds(d); }
  std::function<absl::Time()> Fn() {
    return [this] { return Now(); };
  }

 private:
  std::atomic<int64_t> now_;
};

nlohmann::json Part(const std::string& jwt, int index) {
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  return nlohmann::json::parse(*Base64UrlDecode(parts.at(index)));
}

class ApnsTokenCacheTest : public ::testing::Test {
 protected:
  ApnsTokenCacheTest() : clock_(absl::FromUnixSeconds(1'700'000'000)) {
    auto pair = pushgate::testing::GenerateP256KeyPair();
    public_pem_ = pair.public_pem;
    key_ = *LoadEcPrivateKeyPem(pair.private_pkcs8_pem);
  }
  std::unique_ptr<ApnsTokenCache> Make(absl::Duration renew_after = absl::Minutes(45)) {
    ApnsTokenCacheOptions o;
    o.renew_after = renew_after;
    o.now = clock_.Fn();
    return std::make_unique<ApnsTokenCache>("KEYID12345", "TEAMID6789", key_, o);
  }

  FakeClock clock_;
  EcPrivateKey key_;
  std::string public_pem_;
};

TEST_F(ApnsTokenCacheTest, TokenHasApnsHeaderAndClaimsAndVerifies) {
  auto cache = Make();
  auto jwt = cache->Token();
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(Part(*jwt, 0), nlohmann::json({{"alg", "ES256"}, {"kid", "KEYID12345"}}));
  EXPECT_EQ(Part(*jwt, 1), nlohmann::json({{"iss", "TEAMID6789"}, {"iat", 1'700'000'000}}));
  std::vector<std::string> parts = absl::StrSplit(*jwt, '.');
  EXPECT_TRUE(pushgate::testing::VerifyEs256Raw(public_pem_, parts[0] + "." + parts[1],
                                                *Base64UrlDecode(parts[2])));
}

TEST_F(ApnsTokenCacheTest, ReusesTheTokenUntilRenewAfter) {
  auto cache = Make(absl::Minutes(45));
  const std::string first = *cache->Token();
  clock_.Advance(absl::Minutes(44) + absl::Seconds(59));
  EXPECT_EQ(*cache->Token(), first);
  EXPECT_EQ(cache->minted(), 1);
  clock_.Advance(absl::Seconds(1));
  const std::string second = *cache->Token();
  EXPECT_NE(second, first);
  EXPECT_EQ(Part(second, 1)["iat"], 1'700'000'000 + 45 * 60);
  EXPECT_EQ(cache->minted(), 2);
  EXPECT_EQ(cache->issued_at(), clock_.Now());
}

TEST_F(ApnsTokenCacheTest, RenewAfterIsClampedToApplesWindow) {
  // Too eager: would earn TooManyProviderTokenUpdates. Clamped to 20 minutes.
  auto eager = Make(absl::Minutes(1));
  const std::string a = *eager->Token();
  clock_.Advance(absl::Minutes(19));
  EXPECT_EQ(*eager->Token(), a);
  clock_.Advance(absl::Minutes(1));
  EXPECT_NE(*eager->Token(), a);

  // Too lazy: would earn ExpiredProviderToken after an hour. Clamped below 60 minutes.
  auto lazy = Make(absl::Hours(3));
  const std::string b = *lazy->Token();
  clock_.Advance(ApnsTokenCache::kMaxTokenAge);
  EXPECT_NE(*lazy->Token(), b);
  EXPECT_LT(ApnsTokenCache::kMaxTokenAge, absl::Minutes(60));
}

TEST_F(ApnsTokenCacheTest, ForceRenewRefusesWithinTwentyMinutes) {
  auto cache = Make();
  const std::string t = *cache->Token();
  clock_.Advance(absl::Minutes(19));
  auto refused = cache->ForceRenew(t);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*cache->Token(), t);  // still the same token
  EXPECT_EQ(cache->minted(), 1);

  clock_.Advance(absl::Minutes(1));
  auto renewed = cache->ForceRenew(t);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_NE(*renewed, t);
  EXPECT_EQ(*cache->Token(), *renewed);
  EXPECT_EQ(cache->minted(), 2);
}

TEST_F(ApnsTokenCacheTest, ForceRenewOfAnAlreadyReplacedTokenReturnsTheNewOne) {
  // Many requests in flight see ExpiredProviderToken for the same token: one renewal only.
  auto cache = Make();
  const std::string old = *cache->Token();
  clock_.Advance(absl::Minutes(30));
  const std::string fresh = *cache->ForceRenew(old);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(*cache->ForceRenew(old), fresh);
  EXPECT_EQ(cache->minted(), 2);
}

TEST_F(ApnsTokenCacheTest, OneTokenAcrossThreads) {
  auto cache = Make();
  std::vector<std::thread> threads;
  std::vector<std::set<std::string>> seen(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) seen[t].insert(*cache->Token());
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> all;
  for (auto& s : seen) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), 1u);
  EXPECT_EQ(cache->minted(), 1);
}

}  // namespace
}  // namespace pushgate::providers
