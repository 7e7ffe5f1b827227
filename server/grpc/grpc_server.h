// Starts pushgate's gRPC endpoint: TokenRegistry, Deliveries and Receipts (API key per call), the
// standard health service and server reflection (no key, so grpcurl and load balancers work
// with no .proto files and no secret). This header stays free of gRPC headers: main.cpp and
// anything else that only starts and stops the server compile without them.
#ifndef PUSHGATE_GRPC_GRPC_SERVER_H_
#define PUSHGATE_GRPC_GRPC_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/push_id.h"
#include "config/config.h"
#include "engine/preview.h"
#include "metrics/registry.h"
#include "store/receipt_store.h"
#include "store/registry_store.h"
#include "store/status_store.h"

namespace pushgate::grpc_api {

class GrpcServer {
 public:
  virtual ~GrpcServer() = default;
  // The bound port (useful with a ":0" address).
  virtual int port() const = 0;
  // Marks health NOT_SERVING, stops accepting calls, lets calls in flight finish for up to
  // `grace`, then cancels the rest and returns when all are done. Call it before the store's
  // Shutdown: calls waiting for a commit need the store to answer them. Idempotent; the
  // destructor calls it with no grace if nobody did.
  virtual void Shutdown(absl::Duration grace) = 0;
  // What a reload would fail on: grpc.tls files that do not load or do not match. Call
  // before Reload, and before applying anything else, so a bad config changes nothing.
  virtual absl::Status CheckReload(const config::Config& config) const = 0;
  // Applies a reloaded config's API keys, roles and rate limits to calls from now on. The
  // listener (address, TLS file paths) stays as started; the TLS files' contents are re-read
  // on their own every grpc.tls.refresh_seconds.
  virtual void Reload(const config::Config& config) = 0;
};

struct GrpcServerOptions {
  // Milliseconds since the Unix epoch stamped on writes; empty means the system clock.
  std::function<int64_t()> now_ms;
  // What the Deliveries service answers from; must outlive the server. Null: every Deliveries
  // RPC answers UNIMPLEMENTED.
  store::StatusStore* status = nullptr;
  // Where pushgate_grpc_rate_limited_total{key} is counted; null: not counted.
  metrics::Registry* metrics = nullptr;
  // Device receipts: Receipts.ReportReceipt records into `receipts`, after `push_ids` opened
  // the push id; Deliveries shows push ids and receipt rates. Either null: Receipts answers
  // UNIMPLEMENTED. `receipts` must outlive the server.
  store::ReceiptStore* receipts = nullptr;
  std::shared_ptr<const PushIdCodec> push_ids;
  // Deliveries.PreviewNotification: what the engine would send (Engine::Preview); unset, that
  // RPC answers UNIMPLEMENTED. The recipient's registrations are read from `store`.
  std::function<absl::StatusOr<engine::NotificationPreview>(
      const std::string& app_id, const std::string& uid, const std::string& payload,
      const std::vector<store::Registration>& active)>
      preview;
};

// Binds config.grpc.address ("host:port"; port 0 picks one) and starts serving. Uses
// config.apps[*].api_keys and config.grpc.max_message_bytes. `store` must outlive the
// server. Errors: UNAVAILABLE when the address cannot be bound.
absl::StatusOr<std::unique_ptr<GrpcServer>> StartGrpcServer(const config::Config& config,
                                                            store::RegistryStore* store,
                                                            GrpcServerOptions options = {});

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_GRPC_SERVER_H_
