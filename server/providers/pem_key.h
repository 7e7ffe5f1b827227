// PEM private-key loading shared by the JWT signers (ES256 for APNs / Web Push, RS256 for FCM).
// Each signer checks the key type it needs on what this returns.
#ifndef PUSHGATE_PROVIDERS_PEM_KEY_H_
#define PUSHGATE_PROVIDERS_PEM_KEY_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;  // OpenSSL's type, kept out of includers' way

namespace pushgate::providers {

// Reads an unencrypted PEM private key (PKCS#8 or a traditional format) of any type. Never
// prompts for a passphrase: an encrypted key is an InvalidArgument error, like any text that is
// not a PEM private key.
absl::StatusOr<std::shared_ptr<EVP_PKEY>> LoadPrivateKeyPem(std::string_view pem);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_PEM_KEY_H_
