#include "pushgate_client.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pushgate/v1/deliveries.grpc.pb.h"
#include "pushgate/v1/token_registry.grpc.pb.h"

namespace pushgate::client {

namespace pb = ::pushgate::v1;

struct PushgateClient::Stubs {
  std::unique_ptr<pb::TokenRegistry::Stub> registry;
  std::unique_ptr<pb::Deliveries::Stub> deliveries;
};

namespace {

// gRPC and absl share the canonical code numbering (0..16), so the cast keeps code and message.
absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// One unary call: fresh context with key and deadline, gRPC status mapped to absl.
template <typename Response, typename Request, typename Method>
absl::StatusOr<Response> Unary(const std::string& authorization, absl::Duration timeout,
                               Method method, const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  Response response;
  grpc::Status status = method(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

// Reads a PEM file into `out`; an empty path leaves `out` empty.
absl::Status ReadPem(std::string_view what, const std::string& path, std::string* out) {
  if (path.empty()) return absl::OkStatus();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": cannot read ", path));
  }
  *out = text.str();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PushgateClient>> PushgateClient::Open(const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  grpc::ChannelArguments args;
  if (options.tls.enabled) {
    grpc::SslCredentialsOptions ssl;
    absl::Status read = ReadPem("tls ca_file", options.tls.ca_file, &ssl.pem_root_certs);
    if (read.ok()) read = ReadPem("tls cert_file", options.tls.cert_file, &ssl.pem_cert_chain);
    if (read.ok()) read = ReadPem("tls key_file", options.tls.key_file, &ssl.pem_private_key);
    if (!read.ok()) return read;
    if (ssl.pem_cert_chain.empty() != ssl.pem_private_key.empty()) {
      return absl::InvalidArgumentError(
          "tls: a client certificate needs both cert_file and key_file");
    }
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls.server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls.server_name);
    }
  }
  return std::make_unique<PushgateClient>(
      grpc::CreateCustomChannel(options.address, credentials, args), options.api_key,
      options.timeout);
}

std::unique_ptr<PushgateClient> PushgateClient::Connect(const ClientOptions& options) {
  absl::StatusOr<std::unique_ptr<PushgateClient>> client = Open(options);
  if (!client.ok()) return nullptr;
  return *std::move(client);
}

PushgateClient::PushgateClient(std::shared_ptr<grpc::Channel> channel, std::string api_key,
                               absl::Duration timeout)
    : stubs_(std::make_unique<Stubs>()),
      // With no key the header is left out, so the server says "missing bearer token".
      authorization_(api_key.empty() ? std::string() : "Bearer " + api_key),
      timeout_(timeout) {
  stubs_->registry = pb::TokenRegistry::NewStub(channel);
  stubs_->deliveries = pb::Deliveries::NewStub(std::move(channel));
}

PushgateClient::~PushgateClient() = default;

absl::StatusOr<pb::RegisterTokenResponse> PushgateClient::RegisterToken(
    const pb::RegisterTokenRequest& request) {
  return Unary<pb::RegisterTokenResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->registry->RegisterToken(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::UnregisterTokenResponse> PushgateClient::UnregisterToken(
    const pb::UnregisterTokenRequest& request) {
  return Unary<pb::UnregisterTokenResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->registry->UnregisterToken(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::UnregisterSessionResponse> PushgateClient::UnregisterSession(
    const pb::UnregisterSessionRequest& request) {
  return Unary<pb::UnregisterSessionResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->registry->UnregisterSession(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::UnregisterUserResponse> PushgateClient::UnregisterUser(
    const pb::UnregisterUserRequest& request) {
  return Unary<pb::UnregisterUserResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->registry->UnregisterUser(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::ListTokensResponse> PushgateClient::ListTokens(
    const pb::ListTokensRequest& request) {
  return Unary<pb::ListTokensResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->registry->ListTokens(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::ListTokensResponse> PushgateClient::ListAllTokens(
    pb::ListTokensRequest request) {
  pb::ListTokensResponse all;
  // A server that kept returning the same token would loop forever; pages are bounded by
  // the per-user cap in practice, so this limit is never reached legitimately.
  constexpr int kMaxPages = 10'000;
  for (int page = 0; page < kMaxPages; ++page) {
    absl::StatusOr<pb::ListTokensResponse> got = ListTokens(request);
    if (!got.ok()) return got.status();
    for (pb::Registration& r : *got->mutable_registrations()) {
      *all.add_registrations() = std::move(r);
    }
    if (got->next_page_token().empty()) return all;
    if (got->next_page_token() == request.page_token()) {
      return absl::InternalError("server repeated the same page token");
    }
    request.set_page_token(got->next_page_token());
  }
  return absl::InternalError("too many pages");
}

absl::StatusOr<pb::Notification> PushgateClient::GetNotification(
    const pb::GetNotificationRequest& request) {
  return Unary<pb::Notification>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->deliveries->GetNotification(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::ListNotificationsResponse> PushgateClient::ListNotifications(
    const pb::ListNotificationsRequest& request) {
  return Unary<pb::ListNotificationsResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->deliveries->ListNotifications(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::GetStatsResponse> PushgateClient::GetStats(const pb::GetStatsRequest& request) {
  return Unary<pb::GetStatsResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->deliveries->GetStats(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::RetryNotificationResponse> PushgateClient::RetryNotification(
    const pb::RetryNotificationRequest& request) {
  return Unary<pb::RetryNotificationResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->deliveries->RetryNotification(ctx, req, resp);
      },
      request);
}

absl::StatusOr<pb::PreviewNotificationResponse> PushgateClient::PreviewNotification(
    const pb::PreviewNotificationRequest& request) {
  return Unary<pb::PreviewNotificationResponse>(
      authorization_, timeout_,
      [&](auto* ctx, const auto& req, auto* resp) {
        return stubs_->deliveries->PreviewNotification(ctx, req, resp);
      },
      request);
}

absl::Status PushgateClient::WatchNotifications(
    const pb::WatchNotificationsRequest& request,
    const std::function<bool(const pb::NotificationEvent&)>& on_event) {
  grpc::ClientContext context;
  if (!authorization_.empty()) context.AddMetadata("authorization", authorization_);
  std::unique_ptr<grpc::ClientReader<pb::NotificationEvent>> reader =
      stubs_->deliveries->WatchNotifications(&context, request);
  pb::NotificationEvent event;
  bool stopped = false;
  while (reader->Read(&event)) {
    if (!on_event(event)) {
      stopped = true;
      context.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (stopped) return absl::OkStatus();
  if (!status.ok()) return FromGrpcStatus(status);
  return absl::OkStatus();
}

}  // namespace pushgate::client
