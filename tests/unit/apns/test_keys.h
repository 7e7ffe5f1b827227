// Test-only helpers: fresh P-256 key pairs and fixture loading for the APNs tests.
#ifndef PUSHGATE_TESTS_UNIT_APNS_TEST_KEYS_H_
#define PUSHGATE_TESTS_UNIT_APNS_TEST_KEYS_H_

#include <string>
#include <string_view>

namespace pushgate::testing {

struct TestKeyPair {
  std::string private_pkcs8_pem;  // like Apple's .p8
  std::string public_pem;         // SubjectPublicKeyInfo
};

// A new random P-256 key pair (OpenSSL EVP_EC_gen).
TestKeyPair GenerateP256KeyPair();

// Verifies a raw R||S ES256 signature over `data` with the public key (independent of the code
// under test: converts to DER and uses EVP_DigestVerify).
bool VerifyEs256Raw(std::string_view public_pem, std::string_view data, std::string_view raw_sig);

// Reads tests/fixtures/cometchat/<name>.
std::string ReadFixture(const std::string& name);

}  // namespace pushgate::testing

#endif  // PUSHGATE_TESTS_UNIT_APNS_TEST_KEYS_H_
