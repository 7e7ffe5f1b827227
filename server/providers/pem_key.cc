#include "providers/pem_key.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

// The most recent OpenSSL error as text, and the queue cleared so it cannot leak into the
// next caller's diagnosis.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

}  // namespace

absl::StatusOr<std::shared_ptr<EVP_PKEY>> LoadPrivateKeyPem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return absl::InternalError("BIO_new_mem_buf failed");
  // A passphrase callback that supplies none: OpenSSL's default would prompt on the terminal
  // for an encrypted key, which a daemon must never do.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) -> int { return 0; };
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
  if (raw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("not a PEM private key: ", OpenSslError()));
  }
  return std::shared_ptr<EVP_PKEY>(raw, EVP_PKEY_free);
}

}  // namespace pushgate::providers
