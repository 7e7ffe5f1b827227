#include "providers/jwt_es256.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/crypto.h"
#include "test_keys.h"

namespace pushgate::providers {
namespace {

using pushgate::testing::GenerateP256KeyPair;
using pushgate::testing::VerifyEs256Raw;

TEST(JwtEs256, SignsAVerifiableCompactJws) {
  auto pair = GenerateP256KeyPair();
  auto key = LoadEcPrivateKeyPem(pair.private_pkcs8_pem);
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string header = R"({"alg":"ES256","kid":"ABC123DEFG"})";
  const std::string claims = R"({"iss":"DEF123GHIJ","iat":1437179036})";
  auto jwt = SignEs256Jwt(header, claims, *key);
  ASSERT_TRUE(jwt.ok()) << jwt.status();

  std::vector<std::string> parts = absl::StrSplit(*jwt, '.');
  ASSERT_EQ(parts.size(), 3u);
  // base64url without padding, and the JSON signed exactly as given.
  EXPECT_EQ(jwt->find('='), std::string::npos);
  EXPECT_EQ(jwt->find('+'), std::string::npos);
  EXPECT_EQ(jwt->find('/'), std::string::npos);
  EXPECT_EQ(Base64UrlDecode(parts[0]), header);
  EXPECT_EQ(Base64UrlDecode(parts[1]), claims);
  auto sig = Base64UrlDecode(parts[2]);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->size(), 64u);  // raw R||S, not DER
  EXPECT_TRUE(VerifyEs256Raw(pair.public_pem, parts[0] + "." + parts[1], *sig));
  // And not for different content.
  EXPECT_FALSE(VerifyEs256Raw(pair.public_pem, parts[0] + "." + parts[0], *sig));
}

TEST(JwtEs256, ManySignaturesAllHave64BytesAndVerify) {
  // DER drops leading zero bytes of R or S (about 1 in 128 each); the raw form must pad them.
  auto pair = GenerateP256KeyPair();
  auto key = LoadEcPrivateKeyPem(pair.private_pkcs8_pem);
  ASSERT_TRUE(key.ok());
  for (int i = 0; i < 400; ++i) {
    const std::string data = "message " + std::to_string(i);
    auto sig = SignEs256(data, *key);
    ASSERT_TRUE(sig.ok());
    ASSERT_EQ(sig->size(), 64u);
    ASSERT_TRUE(VerifyEs256Raw(pair.public_pem, data, *sig)) << i;
  }
}

TEST(JwtEs256, DerToRawLeftPadsShortValues) {
  // SEQUENCE { INTEGER 0x01, INTEGER 0x00ff (leading zero: high bit set) }
  const std::string der("\x30\x07\x02\x01\x01\x02\x02\x00\xff", 9);
  auto raw = EcdsaDerToRaw(der);
  ASSERT_TRUE(raw.ok()) << raw.status();
  ASSERT_EQ(raw->size(), 64u);
  EXPECT_EQ(raw->substr(0, 31), std::string(31, '\0'));
  EXPECT_EQ((*raw)[31], '\x01');
  EXPECT_EQ(raw->substr(32, 31), std::string(31, '\0'));
  EXPECT_EQ((*raw)[63], '\xff');
  EXPECT_FALSE(EcdsaDerToRaw("garbage").ok());
  EXPECT_FALSE(EcdsaDerToRaw(der + "x").ok());  // trailing bytes
}

TEST(JwtEs256, LoadsSec1PemToo) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> k(EVP_EC_gen("P-256"), EVP_PKEY_free);
  // SEC1 "BEGIN EC PRIVATE KEY" via the traditional writer.
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(
      PEM_write_bio_PrivateKey_traditional(bio, k.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  ASSERT_NE(pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  EXPECT_TRUE(LoadEcPrivateKeyPem(pem).ok());
}

TEST(JwtEs256, RejectsKeysThatCannotDoEs256) {
  EXPECT_EQ(LoadEcPrivateKeyPem("not a key").status().code(), absl::StatusCode::kInvalidArgument);
  // A P-384 key is EC but not ES256.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> p384(EVP_EC_gen("P-384"), EVP_PKEY_free);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(bio, p384.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  auto loaded = LoadEcPrivateKeyPem(pem);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("prime256v1"), std::string::npos);
  // RSA is not EC at all.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> rsa(EVP_RSA_gen(2048), EVP_PKEY_free);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(bio, rsa.get(), nullptr, nullptr, 0, nullptr, nullptr);
  len = BIO_get_mem_data(bio, &data);
  pem.assign(data, static_cast<size_t>(len));
  BIO_free(bio);
  EXPECT_EQ(LoadEcPrivateKeyPem(pem).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadEcPrivateKeyPemFile("/nonexistent/AuthKey.p8").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_FALSE(SignEs256("x", EcPrivateKey()).ok());
}

TEST(JwtEs256, ExportsTheUncompressedPublicPoint) {
  auto pair = GenerateP256KeyPair();
  auto key = LoadEcPrivateKeyPem(pair.private_pkcs8_pem);
  ASSERT_TRUE(key.ok());
  auto pub = EcPublicKeyUncompressed(*key);
  ASSERT_TRUE(pub.ok()) << pub.status();
  ASSERT_EQ(pub->size(), 65u);
  EXPECT_EQ((*pub)[0], '\x04');
}

}  // namespace
}  // namespace pushgate::providers
