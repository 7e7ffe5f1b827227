#include "grpc/token_registry_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/call_context.h"
#include "grpc/paging.h"
#include "grpc/registration_validation.h"
#include "grpc/registry_mapping.h"
#include "grpc/status_convert.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The front half every RPC shares, in this order: an unauthenticated caller learns nothing
// about its request; an authenticated one learns what is wrong with it before being told
// whether its key covers the app (the app id in that message is validated by then).
absl::Status Admit(const ApiKeyAuthenticator& auth, grpc::CallbackServerContext& context,
                   const absl::Status& validation, std::string_view app_id, Access access) {
  absl::StatusOr<Principal> principal = AuthenticateCall(auth, context);
  if (!principal.ok()) return principal.status();
  if (!validation.ok()) return validation;
  return Authorize(*principal, app_id, access);
}

// A store callback that fills the response and finishes the call. It is called on the
// store's writer thread, so it only moves the result to the reply thread (see
// reply_thread.h for why).
template <typename T, typename Fill>
store::Callback<T> FinishOnCommit(grpc::ServerUnaryReactor* reactor, std::string_view rpc,
                                  ReplyThread* replies, Fill fill) {
  return [reactor, rpc, replies, fill = std::move(fill)](absl::StatusOr<T> result) {
    auto reply = [reactor, rpc, fill, result = std::move(result)] {
      if (!result.ok()) {
        reactor->Finish(ToGrpcStatus(PublicStoreError(result.status(), rpc)));
        return;
      }
      fill(*result);
      reactor->Finish(grpc::Status::OK);
    };
    if (replies != nullptr) {
      replies->Post(std::move(reply));
    } else {
      reply();
    }
  };
}

// Submits one write; a refusal (queue full, store stopped) finishes the call at once.
grpc::ServerUnaryReactor* FinishOnRefusal(grpc::ServerUnaryReactor* reactor,
                                          const absl::Status& submitted, std::string_view rpc) {
  if (!submitted.ok()) reactor->Finish(ToGrpcStatus(PublicStoreError(submitted, rpc)));
  return reactor;
}

}  // namespace

NowMs SystemNowMs() {
  return [] { return absl::ToUnixMillis(absl::Now()); };
}

TokenRegistryService::TokenRegistryService(store::RegistryStore* store,
                                           const ApiKeyAuthenticator* auth, NowMs now_ms,
                                           ReplyThread* replies)
    : store_(store), auth_(auth), now_ms_(std::move(now_ms)), replies_(replies) {}

grpc::ServerUnaryReactor* TokenRegistryService::RegisterToken(
    grpc::CallbackServerContext* context, const pb::RegisterTokenRequest* request,
    pb::RegisterTokenResponse* response) {
  constexpr std::string_view kRpc = "RegisterToken";
  absl::StatusOr<domain::RegistrationInput> input = ValidateRegisterRequest(*request);
  if (absl::Status s =
          Admit(*auth_, *context, input.status(), request->app_id(), Access::kRegistryWrite);
      !s.ok()) {
    return FinishNow(context, s);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status submitted = store_->RegisterToken(
      *std::move(input), now_ms_(),
      FinishOnCommit<store::RegisterResult>(
          reactor, kRpc, replies_, [response](const store::RegisterResult& r) {
            ToProtoRegistration(r.registration, response->mutable_registration());
            response->set_created(r.created);
            response->set_moved(r.moved);
          }));
  return FinishOnRefusal(reactor, submitted, kRpc);
}

grpc::ServerUnaryReactor* TokenRegistryService::UnregisterToken(
    grpc::CallbackServerContext* context, const pb::UnregisterTokenRequest* request,
    pb::UnregisterTokenResponse* response) {
  constexpr std::string_view kRpc = "UnregisterToken";
  absl::StatusOr<UnregisterTokenArgs> args = ValidateUnregisterTokenRequest(*request);
  if (absl::Status s =
          Admit(*auth_, *context, args.status(), request->app_id(), Access::kRegistryWrite);
      !s.ok()) {
    return FinishNow(context, s);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status submitted = store_->UnregisterToken(
      std::move(args->app_id), std::move(args->token), args->platform, now_ms_(),
      FinishOnCommit<int>(reactor, kRpc, replies_,
                          [response](int ended) { response->set_ended_count(ended); }));
  return FinishOnRefusal(reactor, submitted, kRpc);
}

grpc::ServerUnaryReactor* TokenRegistryService::UnregisterSession(
    grpc::CallbackServerContext* context, const pb::UnregisterSessionRequest* request,
    pb::UnregisterSessionResponse* response) {
  constexpr std::string_view kRpc = "UnregisterSession";
  absl::StatusOr<UnregisterSessionArgs> args = ValidateUnregisterSessionRequest(*request);
  if (absl::Status s =
          Admit(*auth_, *context, args.status(), request->app_id(), Access::kRegistryWrite);
      !s.ok()) {
    return FinishNow(context, s);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status submitted = store_->UnregisterSession(
      std::move(args->app_id), std::move(args->uid), std::move(args->session_id), now_ms_(),
      FinishOnCommit<int>(reactor, kRpc, replies_,
                          [response](int ended) { response->set_ended_count(ended); }));
  return FinishOnRefusal(reactor, submitted, kRpc);
}

grpc::ServerUnaryReactor* TokenRegistryService::UnregisterUser(
    grpc::CallbackServerContext* context, const pb::UnregisterUserRequest* request,
    pb::UnregisterUserResponse* response) {
  constexpr std::string_view kRpc = "UnregisterUser";
  absl::StatusOr<UnregisterUserArgs> args = ValidateUnregisterUserRequest(*request);
  if (absl::Status s =
          Admit(*auth_, *context, args.status(), request->app_id(), Access::kRegistryWrite);
      !s.ok()) {
    return FinishNow(context, s);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status submitted = store_->UnregisterUser(
      std::move(args->app_id), std::move(args->uid), now_ms_(),
      FinishOnCommit<int>(reactor, kRpc, replies_,
                          [response](int ended) { response->set_ended_count(ended); }));
  return FinishOnRefusal(reactor, submitted, kRpc);
}

grpc::ServerUnaryReactor* TokenRegistryService::ListTokens(grpc::CallbackServerContext* context,
                                                           const pb::ListTokensRequest* request,
                                                           pb::ListTokensResponse* response) {
  constexpr std::string_view kRpc = "ListTokens";
  absl::StatusOr<store::ListTokensQuery> query = ValidateListTokensRequest(*request);
  if (absl::Status s =
          Admit(*auth_, *context, query.status(), request->app_id(), Access::kRegistryRead);
      !s.ok()) {
    return FinishNow(context, s);
  }
  const int page_size = query->limit;
  query->limit = FetchLimitForPage(page_size);
  absl::StatusOr<std::vector<domain::Registration>> rows = store_->ListTokens(*query);
  if (!rows.ok()) return FinishNow(context, PublicStoreError(rows.status(), kRpc));
  response->set_next_page_token(
      FillPage(*rows, page_size, [response](const domain::Registration& row) {
        ToProtoRegistration(row, response->add_registrations());
      }));
  return FinishNow(context, absl::OkStatus());
}

}  // namespace pushgate::grpc_api
