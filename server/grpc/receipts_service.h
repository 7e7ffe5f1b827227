// The Receipts gRPC service: ReportReceipt, called by an app's backend when its app reports that
// a push reached the device or was opened. Role `register` (the mobile backend's key) or
// `admin`. The push id names its delivery and attempt and is checked against the installation's
// key (common/push_id.h); the store then checks that the delivery is the caller's app's. Every
// way a push id can be wrong answers the same NOT_FOUND, so nothing about other apps' pushes
// leaks.
#ifndef PUSHGATE_GRPC_RECEIPTS_SERVICE_H_
#define PUSHGATE_GRPC_RECEIPTS_SERVICE_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "common/push_id.h"
#include "grpc/api_key_auth.h"
#include "grpc/reply_thread.h"
#include "metrics/registry.h"
#include "pushgate/v1/receipts.grpc.pb.h"
#include "store/receipt_store.h"

namespace pushgate::grpc_api {

// Pure request checks (INVALID_ARGUMENT naming the field). `codec` opens the push id: an id
// that does not open is NOT_FOUND. Exposed for tests.
absl::StatusOr<store::ReceiptReport> ValidateReportReceiptRequest(
    const pushgate::v1::ReportReceiptRequest& request, const PushIdCodec& codec, int64_t now_ms);

class ReceiptsService final : public pushgate::v1::Receipts::CallbackService {
 public:
  // All must outlive the service; `receipts` or `codec` null: every call answers UNIMPLEMENTED
  // after auth. `metrics` null: not counted. `replies` null: answered on the writer thread.
  ReceiptsService(const ApiKeyAuthenticator* auth, store::ReceiptStore* receipts,
                  const PushIdCodec* codec, std::function<int64_t()> now_ms, ReplyThread* replies,
                  metrics::Registry* metrics);

  grpc::ServerUnaryReactor* ReportReceipt(grpc::CallbackServerContext* context,
                                          const pushgate::v1::ReportReceiptRequest* request,
                                          pushgate::v1::ReportReceiptResponse* response) override;

 private:
  const ApiKeyAuthenticator* auth_;
  store::ReceiptStore* receipts_;
  const PushIdCodec* codec_;
  std::function<int64_t()> now_ms_;
  ReplyThread* replies_;
  // pushgate_receipts_total{channel,platform,event}; null without metrics.
  metrics::CounterFamily* counted_ = nullptr;
};

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_RECEIPTS_SERVICE_H_
