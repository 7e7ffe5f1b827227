#include "providers/jwt_rs256.h"

#include <gtest/gtest.h>

#include "fcm_test_util.h"

namespace pushgate::providers {
namespace {

using fcm_testing::TestRsaKey;

TEST(JwtRs256, SignatureVerifiesWithThePublicKey) {
  auto key = LoadRsaPrivateKeyPem(TestRsaKey().private_pkcs8_pem);
  ASSERT_TRUE(key.ok()) << key.status();
  auto jwt = SignRs256Jwt(R"({"alg":"RS256","typ":"JWT"})", R"({"iss":"a","iat":1})", *key);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_TRUE(fcm_testing::VerifyRs256Jwt(TestRsaKey().public_pem, *jwt));
  EXPECT_EQ(fcm_testing::JwtPart(*jwt, 0)["alg"], "RS256");
  EXPECT_EQ(fcm_testing::JwtPart(*jwt, 1)["iss"], "a");
  // base64url without padding: no '=', '+' or '/'.
  EXPECT_EQ(jwt->find_first_of("=+/"), std::string::npos);
}

TEST(JwtRs256, TamperedClaimsDoNotVerify) {
  auto key = LoadRsaPrivateKeyPem(TestRsaKey().private_pkcs8_pem);
  ASSERT_TRUE(key.ok());
  auto jwt = SignRs256Jwt(R"({"alg":"RS256"})", R"({"iss":"a"})", *key);
  ASSERT_TRUE(jwt.ok());
  auto other = SignRs256Jwt(R"({"alg":"RS256"})", R"({"iss":"b"})", *key);
  ASSERT_TRUE(other.ok());
  // Claims of one, signature of the other.
  const std::string forged = jwt->substr(0, jwt->rfind('.')) + other->substr(other->rfind('.'));
  EXPECT_FALSE(fcm_testing::VerifyRs256Jwt(TestRsaKey().public_pem, forged));
}

TEST(JwtRs256, RejectsWhatIsNotAnRsaKey) {
  EXPECT_EQ(LoadRsaPrivateKeyPem("not a key").status().code(), absl::StatusCode::kInvalidArgument);
  // A P-256 key (an APNs .p8) is not usable for RS256.
  const char kEcKey[] =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevZzL1gdAFr88hb2\n"
      "OF/2NxApJCzGCEDdfSp6VQO30hyhRANCAAQRWz+jn65BtOMvdyHKcvjBeBSDZH2r\n"
      "1RTwjmYSi9R/zpBnuQ4EiMnCqfMPWiZqB4QdbAd0E7oH50VpuZ1P087G\n"
      "-----END PRIVATE KEY-----\n";
  auto ec = LoadRsaPrivateKeyPem(kEcKey);
  EXPECT_EQ(ec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(SignRs256("x", RsaPrivateKey()).ok());
}

}  // namespace
}  // namespace pushgate::providers
