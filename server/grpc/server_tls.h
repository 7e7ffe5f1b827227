// The gRPC listener's credentials from config.grpc: TLS, optionally requiring client
// certificates (mTLS), or plaintext when the config says so (config.cc enforces when that
// is allowed). Kept out of grpc_server.h so that header stays free of gRPC.
#ifndef PUSHGATE_GRPC_SERVER_TLS_H_
#define PUSHGATE_GRPC_SERVER_TLS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config.h"

namespace pushgate::grpc_api {

// Loads the certificate, key and client CA the way a handshake would and checks that key and
// certificate belong together. gRPC's file-watching provider only logs a bad file and then
// fails every handshake, so start-up and reload check first and name the problem:
//   "grpc.tls.key_file: does not match grpc.tls.cert_file". No file content is quoted.
absl::Status CheckGrpcTlsFiles(const config::GrpcTls& tls);

// Insecure credentials without grpc.tls; otherwise TLS credentials whose certificate provider
// re-reads the files every tls.refresh_seconds, so a renewed certificate (or CA bundle) is
// served to new connections without a restart. With client_ca_file, client certificates are
// verified against it; require_client_cert refuses clients that present none.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const config::GrpcConfig& grpc);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_SERVER_TLS_H_
