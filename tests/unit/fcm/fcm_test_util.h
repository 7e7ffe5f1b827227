// Test-only helpers for the FCM tests: fresh RSA key pairs, service-account JSON, RS256
// verification independent of the code under test, and fixture loading.
#ifndef PUSHGATE_TESTS_UNIT_FCM_FCM_TEST_UTIL_H_
#define PUSHGATE_TESTS_UNIT_FCM_FCM_TEST_UTIL_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pushgate::fcm_testing {

struct RsaKeyPair {
  std::string private_pkcs8_pem;  // what Google's service-account JSON carries
  std::string public_pem;         // SubjectPublicKeyInfo
};

// A new random RSA key (OpenSSL EVP_RSA_gen); one per process is plenty, so it is cached.
const RsaKeyPair& TestRsaKey();

// A service-account JSON object like the one Firebase downloads, for `key`.
nlohmann::json ServiceAccountJson(
    const RsaKeyPair& key, const std::string& token_uri = "https://oauth2.googleapis.com/token");

// Verifies a compact RS256 JWT's signature with the public key (EVP_DigestVerify).
bool VerifyRs256Jwt(std::string_view public_pem, std::string_view jwt);

// Decodes the JWT part `index` (0 header, 1 claims) as JSON.
nlohmann::json JwtPart(std::string_view jwt, int index);

// Reads tests/fixtures/cometchat/<name>.
std::string ReadFixture(const std::string& name);

}  // namespace pushgate::fcm_testing

#endif  // PUSHGATE_TESTS_UNIT_FCM_FCM_TEST_UTIL_H_
