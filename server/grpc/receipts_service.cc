#include "grpc/receipts_service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpc/call_context.h"
#include "grpc/registration_validation.h"
#include "grpc/status_convert.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

constexpr std::string_view kRpc = "ReportReceipt";

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

absl::StatusOr<store::ReceiptReport> ValidateReportReceiptRequest(
    const pb::ReportReceiptRequest& request, const PushIdCodec& codec, int64_t now_ms) {
  if (absl::Status s = ValidateAppId(request.app_id()); !s.ok()) return s;
  if (request.push_id().empty()) return Invalid("push_id", "required");
  store::ReceiptReport report;
  switch (request.event()) {
    case pb::RECEIPT_EVENT_RECEIVED:
      report.event = store::ReceiptEvent::kReceived;
      break;
    case pb::RECEIPT_EVENT_OPENED:
      report.event = store::ReceiptEvent::kOpened;
      break;
    default:
      return Invalid("event", "must be RECEIPT_EVENT_RECEIVED or RECEIPT_EVENT_OPENED");
  }
  if (request.has_device_time()) {
    const google::protobuf::Timestamp& t = request.device_time();
    // 1970 .. 9999, as google.protobuf.Timestamp allows.
    if (t.seconds() < 0 || t.seconds() > 253402300799 || t.nanos() < 0 || t.nanos() > 999'999'999) {
      return Invalid("device_time", "not a valid timestamp");
    }
    report.device_time_ms = t.seconds() * 1000 + t.nanos() / 1'000'000;
  }
  // The same answer as for another app's push: an id we never made tells nothing either way.
  const std::optional<PushIdParts> parts = codec.Open(request.push_id());
  if (!parts) return absl::NotFoundError("no such push for this app");
  report.app_id = request.app_id();
  report.delivery_id = parts->delivery_id;
  report.attempt = parts->attempt;
  report.now_ms = now_ms;
  return report;
}

ReceiptsService::ReceiptsService(const ApiKeyAuthenticator* auth, store::ReceiptStore* receipts,
                                 const PushIdCodec* codec, std::function<int64_t()> now_ms,
                                 ReplyThread* replies, metrics::Registry* metrics)
    : auth_(auth),
      receipts_(receipts),
      codec_(codec),
      now_ms_(std::move(now_ms)),
      replies_(replies) {
  if (metrics != nullptr) {
    counted_ = &metrics->AddCounter(
        "pushgate_receipts_total",
        "Device receipts recorded (first report of each event per push), by channel, platform "
        "and event (received, opened). Divide by pushgate_device_pushes_delivered_total for the "
        "receipt rate.",
        {"channel", "platform", "event"});
  }
}

grpc::ServerUnaryReactor* ReceiptsService::ReportReceipt(grpc::CallbackServerContext* context,
                                                         const pb::ReportReceiptRequest* request,
                                                         pb::ReportReceiptResponse* response) {
  absl::StatusOr<Principal> principal = AuthenticateCall(*auth_, *context);
  if (!principal.ok()) return FinishNow(context, principal.status());
  if (receipts_ == nullptr || codec_ == nullptr) {
    absl::Status s = Authorize(*principal, request->app_id(), Access::kRegistryWrite);
    return FinishNow(context, s.ok() ? absl::UnimplementedError("receipts are not enabled") : s);
  }
  // What is wrong with the request first, then whether the key covers the app; a push id
  // that is not ours is checked last, after authorization, so it answers NOT_FOUND only to
  // callers allowed to report for the app.
  absl::StatusOr<store::ReceiptReport> report =
      ValidateReportReceiptRequest(*request, *codec_, now_ms_());
  if (!report.ok() && !absl::IsNotFound(report.status())) {
    return FinishNow(context, report.status());
  }
  if (absl::Status s = Authorize(*principal, request->app_id(), Access::kRegistryWrite); !s.ok()) {
    return FinishNow(context, s);
  }
  if (!report.ok()) return FinishNow(context, report.status());

  const bool opened = report->event == store::ReceiptEvent::kOpened;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  metrics::CounterFamily* counted = counted_;
  ReplyThread* replies = replies_;
  absl::Status submitted = receipts_->RecordReceipt(
      *std::move(report),
      [reactor, response, counted, replies, opened](absl::StatusOr<store::ReceiptResult> r) {
        auto reply = [reactor, response, counted, opened, r = std::move(r)] {
          if (!r.ok()) {
            // NOT_FOUND is the store's answer for another app's or a hook's delivery.
            reactor->Finish(ToGrpcStatus(
                absl::IsNotFound(r.status()) ? r.status() : PublicStoreError(r.status(), kRpc)));
            return;
          }
          const char* channel = store::ChannelName(r->channel);
          if (counted != nullptr && r->newly_received) {
            counted->WithLabels({channel, r->platform, "received"}).Increment();
          }
          if (counted != nullptr && r->newly_opened) {
            counted->WithLabels({channel, r->platform, "opened"}).Increment();
          }
          response->set_first_report(opened ? r->newly_opened : r->newly_received);
          response->set_notification_id(absl::StrCat(r->notification_id));
          reactor->Finish(grpc::Status::OK);
        };
        if (replies != nullptr) {
          replies->Post(std::move(reply));
        } else {
          reply();
        }
      });
  if (!submitted.ok()) reactor->Finish(ToGrpcStatus(PublicStoreError(submitted, kRpc)));
  return reactor;
}

}  // namespace pushgate::grpc_api
