#include "providers/http2_tls.h"

#include <openssl/ssl.h>

#include <cstring>

#include "absl/strings/str_cat.h"

namespace pushgate::providers::http2_internal {
namespace {

namespace ssl = boost::asio::ssl;

// ALPN offers in wire format (length-prefixed protocol names).
constexpr unsigned char kOfferH2[] = {2, 'h', '2'};
constexpr unsigned char kOfferH2OrHttp11[] = {2,   'h', '2', 8,   'h', 't',
                                              't', 'p', '/', '1', '.', '1'};

}  // namespace

absl::StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const TlsSettings& tls,
                                                             bool require_http2) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code error;
  if (tls.ca_file.empty()) {
    context->set_default_verify_paths(error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot load the system CAs: ", error.message()));
    }
  } else {
    context->load_verify_file(tls.ca_file, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot load CA file ", tls.ca_file, ": ", error.message()));
    }
  }
  if (!tls.client_cert_file.empty()) {
    context->use_certificate_chain_file(tls.client_cert_file, error);
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot load client certificate ", tls.client_cert_file, ": ", error.message()));
    }
  }
  if (!tls.client_key_file.empty()) {
    context->use_private_key_file(tls.client_key_file, ssl::context::pem, error);
    if (error) {
      // The message names the file only: OpenSSL's detail could quote key material.
      return absl::FailedPreconditionError(
          absl::StrCat("cannot load client key ", tls.client_key_file));
    }
  }
  const int alpn_failed =
      require_http2 ? SSL_CTX_set_alpn_protos(context->native_handle(), kOfferH2, sizeof(kOfferH2))
                    : SSL_CTX_set_alpn_protos(context->native_handle(), kOfferH2OrHttp11,
                                              sizeof(kOfferH2OrHttp11));
  if (alpn_failed != 0) return absl::InternalError("cannot set the ALPN offer");
  return context;
}

Alpn SelectedAlpn(void* ssl) {
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(static_cast<SSL*>(ssl), &protocol, &length);
  if (length == 2 && std::memcmp(protocol, "h2", 2) == 0) return Alpn::kHttp2;
  if (length == 8 && std::memcmp(protocol, "http/1.1", 8) == 0) return Alpn::kHttp11;
  return Alpn::kNone;
}

}  // namespace pushgate::providers::http2_internal
