#include "fcm_test_util.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/crypto.h"

namespace pushgate::fcm_testing {
namespace {

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

RsaKeyPair Generate() {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  if (pkey == nullptr) throw std::runtime_error("EVP_RSA_gen failed");
  RsaKeyPair out;
  BIO* priv = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  out.private_pkcs8_pem = BioText(priv);
  BIO_free(priv);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, pkey);
  out.public_pem = BioText(pub);
  BIO_free(pub);
  EVP_PKEY_free(pkey);
  return out;
}

}  // namespace

const RsaKeyPair& TestRsaKey() {
  static const RsaKeyPair* key = new RsaKeyPair(Generate());
  return *key;
}

nlohmann::json ServiceAccountJson(const RsaKeyPair& key, const std::string& token_uri) {
  return nlohmann::json{
      {"type", "service_account"},
      {"project_id", "pushgate-test"},
      {"private_key_id", "0123456789abcdef0123456789abcdef01234567"},
      {"private_key", key.private_pkcs8_pem},
      {"client_email", "firebase-adminsdk@pushgate-test.iam.gserviceaccount.com"},
      {"client_id", "100000000000000000000"},
      {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
      {"token_uri", token_uri},
      {"universe_domain", "googleapis.com"},
  };
}

bool VerifyRs256Jwt(std::string_view public_pem, std::string_view jwt) {
  std::vector<std::string> parts = absl::StrSplit(std::string(jwt), '.');
  if (parts.size() != 3) return false;
  auto sig = Base64UrlDecode(parts[2]);
  if (!sig) return false;
  const std::string input = parts[0] + "." + parts[1];
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok =
      EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), nullptr, pkey) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

nlohmann::json JwtPart(std::string_view jwt, int index) {
  std::vector<std::string> parts = absl::StrSplit(std::string(jwt), '.');
  if (static_cast<int>(parts.size()) <= index) return nullptr;
  auto text = Base64UrlDecode(parts[index]);
  if (!text) return nullptr;
  return nlohmann::json::parse(*text, nullptr, false);
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(PUSHGATE_FIXTURES_DIR) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace pushgate::fcm_testing
