#include "providers/http2_alpn.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstring>

namespace pushgate::providers::http2_internal {
namespace {

int VerifyAlpnThenChain(X509_STORE_CTX* store_ctx, void* arg) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const unsigned char* proto = nullptr;
  unsigned int proto_len = 0;
  if (ssl != nullptr) SSL_get0_alpn_selected(ssl, &proto, &proto_len);
  if (proto_len != 2 || std::memcmp(proto, "h2", 2) != 0) {
    // OpenSSL's code for application-level verification failures: libcurl's error text then
    // reads "application verification failure" rather than blaming the certificate.
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    if (arg != nullptr) static_cast<AlpnCheck*>(arg)->refused = true;
    return 0;
  }
  return X509_verify_cert(store_ctx);
}

}  // namespace

CURLcode RequireH2AlpnSslCtx(CURL* /*easy*/, void* ssl_ctx, void* alpn_check) {
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), VerifyAlpnThenChain, alpn_check);
  return CURLE_OK;
}

}  // namespace pushgate::providers::http2_internal
