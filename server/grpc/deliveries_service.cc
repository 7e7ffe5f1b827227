#include "grpc/deliveries_service.h"

#include <string_view>

#include "grpc/call_context.h"
#include "grpc/registration_validation.h"
#include "grpc/status_convert.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

// Auth first, then the answer every RPC gives until the engine exists.
absl::Status Answer(const ApiKeyAuthenticator& auth, const grpc::CallbackServerContext& context,
                    std::string_view app_id, Access access) {
  absl::StatusOr<Principal> principal = AuthenticateCall(auth, context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = ValidateAppId(app_id); !s.ok()) return s;
  if (absl::Status s = Authorize(*principal, app_id, access); !s.ok()) return s;
  return absl::UnimplementedError("arrives with the delivery engine");
}

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// A server-streaming call that ends at once with a status and writes nothing.
class FinishedWriter final : public grpc::ServerWriteReactor<pb::NotificationEvent> {
 public:
  explicit FinishedWriter(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

}  // namespace

DeliveriesService::DeliveriesService(const ApiKeyAuthenticator* auth) : auth_(auth) {}

grpc::ServerUnaryReactor* DeliveriesService::GetNotification(
    grpc::CallbackServerContext* context, const pb::GetNotificationRequest* request,
    pb::Notification* /*response*/) {
  return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
}

grpc::ServerUnaryReactor* DeliveriesService::ListNotifications(
    grpc::CallbackServerContext* context, const pb::ListNotificationsRequest* request,
    pb::ListNotificationsResponse* /*response*/) {
  return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
}

grpc::ServerWriteReactor<pb::NotificationEvent>* DeliveriesService::WatchNotifications(
    grpc::CallbackServerContext* context, const pb::WatchNotificationsRequest* request) {
  return new FinishedWriter(Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
}

grpc::ServerUnaryReactor* DeliveriesService::GetStats(grpc::CallbackServerContext* context,
                                                      const pb::GetStatsRequest* request,
                                                      pb::GetStatsResponse* /*response*/) {
  return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
}

grpc::ServerUnaryReactor* DeliveriesService::RetryNotification(
    grpc::CallbackServerContext* context, const pb::RetryNotificationRequest* request,
    pb::RetryNotificationResponse* /*response*/) {
  return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesWrite));
}

}  // namespace pushgate::grpc_api
