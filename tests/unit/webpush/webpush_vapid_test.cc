#include "providers/webpush_vapid.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

using testing::GenerateP256KeyPair;
using testing::TestKeyPair;

struct ParsedHeader {
  std::string jwt;
  std::string k;
};

// "vapid t=<jwt>, k=<key>"
ParsedHeader Parse(const std::string& header) {
  ParsedHeader p;
  EXPECT_TRUE(absl::StartsWith(header, "vapid t=")) << header;
  const size_t comma = header.find(", k=");
  EXPECT_NE(comma, std::string::npos) << header;
  p.jwt = header.substr(8, comma - 8);
  p.k = header.substr(comma + 4);
  return p;
}

nlohmann::json JwtPart(const std::string& jwt, int index) {
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  EXPECT_EQ(parts.size(), 3u);
  return nlohmann::json::parse(*Base64UrlDecode(parts[index]));
}

// The uncompressed public point read from the SubjectPublicKeyInfo PEM, independently of the
// code under test.
std::string PublicPoint(const std::string& public_pem) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char buf[65];
  size_t len = 0;
  EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, sizeof(buf), &len);
  EVP_PKEY_free(key);
  return std::string(reinterpret_cast<char*>(buf), len);
}

const absl::Time kT0 = absl::FromUnixSeconds(1764300000);

TEST(Vapid, HeaderHasASignedJwtForTheOriginAndThePublicKey) {
  const TestKeyPair keys = GenerateP256KeyPair();
  auto signer = VapidSigner::Create(keys.private_pkcs8_pem, "mailto:ops@example.com");
  ASSERT_TRUE(signer.ok()) << signer.status();
  auto header = (*signer)->AuthorizationFor("https://push.example:8443", kT0);
  ASSERT_TRUE(header.ok()) << header.status();
  const ParsedHeader p = Parse(*header);

  EXPECT_EQ(*Base64UrlDecode(p.k), PublicPoint(keys.public_pem));
  EXPECT_EQ(p.k, (*signer)->public_key());
  EXPECT_EQ(JwtPart(p.jwt, 0), nlohmann::json::parse(R"({"typ":"JWT","alg":"ES256"})"));
  const nlohmann::json claims = JwtPart(p.jwt, 1);
  EXPECT_EQ(claims["aud"], "https://push.example:8443");
  EXPECT_EQ(claims["sub"], "mailto:ops@example.com");
  EXPECT_EQ(claims["exp"].get<int64_t>(), absl::ToUnixSeconds(kT0 + absl::Hours(12)));

  const size_t last_dot = p.jwt.rfind('.');
  const std::string signature = *Base64UrlDecode(p.jwt.substr(last_dot + 1));
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_TRUE(testing::VerifyEs256Raw(keys.public_pem, p.jwt.substr(0, last_dot), signature));
  const TestKeyPair other = GenerateP256KeyPair();
  EXPECT_FALSE(testing::VerifyEs256Raw(other.public_pem, p.jwt.substr(0, last_dot), signature));
}

TEST(Vapid, JwtIsCachedPerOriginAndRenewedAtHalfItsLifetime) {
  const TestKeyPair keys = GenerateP256KeyPair();
  auto signer =
      VapidSigner::Create(keys.private_pkcs8_pem, "https://example.com/contact", absl::Hours(12));
  ASSERT_TRUE(signer.ok());
  VapidSigner& s = **signer;
  const std::string first = *s.AuthorizationFor("https://fcm.googleapis.com", kT0);
  EXPECT_EQ(*s.AuthorizationFor("https://fcm.googleapis.com", kT0 + absl::Hours(5)), first);
  EXPECT_EQ(s.signatures(), 1);

  const std::string other = *s.AuthorizationFor("https://web.push.apple.com", kT0);
  EXPECT_NE(other, first);
  EXPECT_EQ(JwtPart(Parse(other).jwt, 1)["aud"], "https://web.push.apple.com");
  EXPECT_EQ(s.signatures(), 2);

  const absl::Time later = kT0 + absl::Hours(6);
  const std::string renewed = *s.AuthorizationFor("https://fcm.googleapis.com", later);
  EXPECT_NE(renewed, first);
  EXPECT_EQ(s.signatures(), 3);
  EXPECT_EQ(JwtPart(Parse(renewed).jwt, 1)["exp"].get<int64_t>(),
            absl::ToUnixSeconds(later + absl::Hours(12)));
}

TEST(Vapid, PublicKeyFromPemIsTheApplicationServerKey) {
  const TestKeyPair keys = GenerateP256KeyPair();
  auto k = VapidPublicKeyFromPem(keys.private_pkcs8_pem);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->size(), 87u);  // base64url of 65 bytes, unpadded
  EXPECT_EQ(*Base64UrlDecode(*k), PublicPoint(keys.public_pem));
}

TEST(Vapid, RefusesBadKeySubjectAndLifetimeWithoutQuotingTheKey) {
  const TestKeyPair keys = GenerateP256KeyPair();
  const std::string garbage =
      "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXZhbHVl\n-----END PRIVATE KEY-----\n";
  auto bad_key = VapidSigner::Create(garbage, "mailto:a@b.c");
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad_key.status().message(), "VAPID private key"));
  EXPECT_FALSE(absl::StrContains(bad_key.status().message(), "c2VjcmV0"));
  EXPECT_FALSE(VapidPublicKeyFromPem(garbage).ok());

  for (const char* subject : {"", "ops@example.com", "mailto:", "http://example.com"}) {
    auto s = VapidSigner::Create(keys.private_pkcs8_pem, subject);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << subject;
  }
  EXPECT_FALSE(VapidSigner::Create(keys.private_pkcs8_pem, "mailto:a@b.c", absl::Hours(25)).ok());
  EXPECT_FALSE(
      VapidSigner::Create(keys.private_pkcs8_pem, "mailto:a@b.c", absl::ZeroDuration()).ok());
  EXPECT_TRUE(VapidSigner::Create(keys.private_pkcs8_pem, "mailto:a@b.c", absl::Hours(24)).ok());
}

TEST(Vapid, ClaimsJsonHasAFixedOrder) {
  EXPECT_EQ(VapidClaimsJson("https://a.example", 1700000000, "mailto:x@y.z"),
            R"({"aud":"https://a.example","exp":1700000000,"sub":"mailto:x@y.z"})");
}

}  // namespace
}  // namespace pushgate::providers
