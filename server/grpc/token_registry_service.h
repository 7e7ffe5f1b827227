// The TokenRegistry gRPC service (callback API). Writes are handed to the store's single
// writer; its completion callback posts the answer to a ReplyThread, which finishes the
// call, so neither a gRPC thread nor the writer waits on the other. ListTokens is a
// synchronous read on the calling thread (an indexed lookup).
#ifndef PUSHGATE_GRPC_TOKEN_REGISTRY_SERVICE_H_
#define PUSHGATE_GRPC_TOKEN_REGISTRY_SERVICE_H_

#include <cstdint>
#include <functional>

#include "grpc/api_key_auth.h"
#include "grpc/reply_thread.h"
#include "pushgate/v1/token_registry.grpc.pb.h"
#include "store/registry_store.h"

namespace pushgate::grpc_api {

// Milliseconds since the Unix epoch; injected so tests control time.
using NowMs = std::function<int64_t()>;
NowMs SystemNowMs();

class TokenRegistryService final : public pushgate::v1::TokenRegistry::CallbackService {
 public:
  // `store`, `auth` and `replies` must outlive the service (and the server it is registered
  // with). With `replies` null, calls are finished inside the store callback.
  TokenRegistryService(store::RegistryStore* store, const ApiKeyAuthenticator* auth, NowMs now_ms,
                       ReplyThread* replies);

  grpc::ServerUnaryReactor* RegisterToken(grpc::CallbackServerContext* context,
                                          const pushgate::v1::RegisterTokenRequest* request,
                                          pushgate::v1::RegisterTokenResponse* response) override;
  grpc::ServerUnaryReactor* UnregisterToken(
      grpc::CallbackServerContext* context, const pushgate::v1::UnregisterTokenRequest* request,
      pushgate::v1::UnregisterTokenResponse* response) override;
  grpc::ServerUnaryReactor* UnregisterSession(
      grpc::CallbackServerContext* context, const pushgate::v1::UnregisterSessionRequest* request,
      pushgate::v1::UnregisterSessionResponse* response) override;
  grpc::ServerUnaryReactor* UnregisterUser(grpc::CallbackServerContext* context,
                                           const pushgate::v1::UnregisterUserRequest* request,
                                           pushgate::v1::UnregisterUserResponse* response) override;
  grpc::ServerUnaryReactor* ListTokens(grpc::CallbackServerContext* context,
                                       const pushgate::v1::ListTokensRequest* request,
                                       pushgate::v1::ListTokensResponse* response) override;

 private:
  store::RegistryStore* store_;
  const ApiKeyAuthenticator* auth_;
  NowMs now_ms_;
  ReplyThread* replies_;
};

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_TOKEN_REGISTRY_SERVICE_H_
