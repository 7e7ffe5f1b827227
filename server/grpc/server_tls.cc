#include "grpc/server_tls.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/ssl.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace pushgate::grpc_api {
namespace {

struct SslCtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

}  // namespace

absl::Status CheckGrpcTlsFiles(const config::GrpcTls& tls) {
  std::unique_ptr<SSL_CTX, SslCtxDeleter> ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return absl::InternalError("grpc.tls: cannot create an OpenSSL context");
  // The key first: loaded after it, a certificate that does not match is simply not paired
  // with it, which the check below then names (the other order fails inside the key load).
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("grpc.tls.key_file: cannot load ", tls.key_file,
                                                   " (missing, unreadable or not PEM)"));
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "grpc.tls.cert_file: cannot load ", tls.cert_file, " (missing, unreadable or not PEM)"));
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    return absl::InvalidArgumentError("grpc.tls.key_file: does not match grpc.tls.cert_file");
  }
  if (!tls.client_ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx.get(), tls.client_ca_file.c_str(), nullptr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("grpc.tls.client_ca_file: cannot load ",
                                                   tls.client_ca_file,
                                                   " (missing, unreadable or not PEM)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::GrpcConfig& grpc) {
  if (!grpc.tls.enabled()) return grpc::InsecureServerCredentials();
  const config::GrpcTls& tls = grpc.tls;
  if (absl::Status s = CheckGrpcTlsFiles(tls); !s.ok()) return s;
  std::shared_ptr<grpc::experimental::CertificateProviderInterface> provider;
  if (tls.client_ca_file.empty()) {
    provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, tls.refresh_seconds);
  } else {
    provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, tls.client_ca_file, tls.refresh_seconds);
  }
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    // Verified whenever presented; required only when the config says so, so a deployment
    // can move clients to certificates one by one before it turns the requirement on.
    options.set_cert_request_type(tls.require_client_cert
                                      ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                      : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace pushgate::grpc_api
