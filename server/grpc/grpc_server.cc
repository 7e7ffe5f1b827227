#include "grpc/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "grpc/api_key_auth.h"
#include "grpc/deliveries_service.h"
#include "grpc/health/v1/health.pb.h"
#include "grpc/receipts_service.h"
#include "grpc/reply_thread.h"
#include "grpc/server_tls.h"
#include "grpc/token_registry_service.h"

namespace pushgate::grpc_api {
namespace {

DeliveriesServiceOptions DeliveriesOptions(const GrpcServerOptions& server,
                                           store::RegistryStore* store,
                                           const std::shared_ptr<const PushIdCodec>& push_ids) {
  DeliveriesServiceOptions options;
  options.receipts = server.receipts;
  options.push_ids = push_ids.get();
  options.registry = store;
  options.preview = server.preview;
  return options;
}

class GrpcServerImpl final : public GrpcServer {
 public:
  GrpcServerImpl(const config::Config& config, store::RegistryStore* store,
                 GrpcServerOptions options)
      : auth_(config.apps, config.limits.grpc),
        push_ids_(std::move(options.push_ids)),
        registry_(store, &auth_, options.now_ms ? options.now_ms : SystemNowMs(), &replies_),
        deliveries_(&auth_, options.status, DeliveriesOptions(options, store, push_ids_)),
        receipts_(&auth_, options.receipts, push_ids_.get(),
                  options.now_ms ? options.now_ms : SystemNowMs(), &replies_, options.metrics) {
    if (options.metrics != nullptr) {
      metrics::CounterFamily& limited = options.metrics->AddCounter(
          "pushgate_grpc_rate_limited_total",
          "gRPC calls refused with RESOURCE_EXHAUSTED because their API key (by configured "
          "name) was over its rate limit.",
          {"key"});
      auth_.set_on_rate_limited(
          [&limited](const std::string& key_name) { limited.WithLabels({key_name}).Increment(); });
      // At 0 from the start, so the first refusal is an increase rate() can see.
      for (const config::App& app : config.apps) {
        for (const config::ApiKey& key : app.api_keys) limited.WithLabels({key.name});
      }
    }
  }

  ~GrpcServerImpl() override { Shutdown(absl::ZeroDuration()); }

  absl::Status Start(const config::Config& config) {
    for (const std::string& name : auth_.MalformedKeyNames()) {
      LogWarn("grpc_api_key_unusable",
              {{"key", name}, {"why", "empty, or sha256: value is not 64 hex digits"}});
    }

    if (!config.grpc.tls.enabled() && !config.grpc.plaintext) {
      LogWarn("grpc_plaintext", {{"address", config.grpc.address},
                                 {"why", "no grpc.tls; loopback only, so allowed"}});
    }
    // Both are process-wide switches read when a server is built.
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    // The built-in health service answers from its own (upb) code; linking the generated
    // descriptor lets reflection describe grpc.health.v1.Health too.
    (void)grpc::health::v1::HealthCheckRequest::descriptor();

    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(config.grpc);
    if (!credentials.ok()) return credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(config.grpc.address, *credentials, &port_);
    builder.RegisterService(&registry_);
    builder.RegisterService(&deliveries_);
    builder.RegisterService(&receipts_);
    builder.SetMaxReceiveMessageSize(config.grpc.max_message_bytes);
    // Without this Linux lets a second pushgate bind the same port and split the traffic.
    builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    // Our services use the callback API; only reflection is a synchronous service, and it
    // is rare, so one completion queue with one poller thread serves it on a 2-core box.
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 1);

    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      server_.reset();
      return absl::UnavailableError(
          absl::StrCat("gRPC: cannot listen on ", config.grpc.address,
                       " (address in use, or not a host:port this machine has)"));
    }
    grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
    health->SetServingStatus("", true);
    health->SetServingStatus(pushgate::v1::TokenRegistry::service_full_name(), true);
    health->SetServingStatus(pushgate::v1::Deliveries::service_full_name(), true);
    const std::string port = absl::StrCat(port_);
    const char* security = !config.grpc.tls.enabled()            ? "plaintext"
                           : config.grpc.tls.require_client_cert ? "mtls"
                                                                 : "tls";
    LogInfo("grpc_listening",
            {{"address", config.grpc.address}, {"port", port}, {"security", security}});
    return absl::OkStatus();
  }

  int port() const override { return port_; }

  absl::Status CheckReload(const config::Config& config) const override {
    if (!config.grpc.tls.enabled()) return absl::OkStatus();
    return CheckGrpcTlsFiles(config.grpc.tls);
  }

  void Reload(const config::Config& config) override {
    auth_.Reload(config.apps, config.limits.grpc);
    for (const std::string& name : auth_.MalformedKeyNames()) {
      LogWarn("grpc_api_key_unusable",
              {{"key", name}, {"why", "empty, or sha256: value is not 64 hex digits"}});
    }
  }

  void Shutdown(absl::Duration grace) override {
    std::call_once(shutdown_once_, [&] {
      if (!server_) return;
      // Health first, so a load balancer stops sending before calls are refused.
      server_->GetHealthCheckService()->Shutdown();
      server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
      server_->Wait();
      // Every call is finished by now, so nothing more will be posted.
      replies_.Stop();
      LogInfo("grpc_stopped");
    });
  }

 private:
  ApiKeyAuthenticator auth_;
  ReplyThread replies_;  // before the services: outlives every call they start
  std::shared_ptr<const PushIdCodec> push_ids_;
  TokenRegistryService registry_;
  DeliveriesService deliveries_;
  ReceiptsService receipts_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::once_flag shutdown_once_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> StartGrpcServer(const config::Config& config,
                                                            store::RegistryStore* store,
                                                            GrpcServerOptions options) {
  auto server = std::make_unique<GrpcServerImpl>(config, store, std::move(options));
  if (absl::Status s = server->Start(config); !s.ok()) return s;
  return std::unique_ptr<GrpcServer>(std::move(server));
}

}  // namespace pushgate::grpc_api
