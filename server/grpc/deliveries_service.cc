#include "grpc/deliveries_service.h"

#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpc/call_context.h"
#include "grpc/registration_validation.h"
#include "grpc/registry_mapping.h"
#include "grpc/status_convert.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

// Auth first, then the answer every RPC without data yet gives.
absl::Status Answer(const ApiKeyAuthenticator& auth, const grpc::CallbackServerContext& context,
                    std::string_view app_id, Access access) {
  absl::StatusOr<Principal> principal = AuthenticateCall(auth, context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = ValidateAppId(app_id); !s.ok()) return s;
  if (absl::Status s = Authorize(*principal, app_id, access); !s.ok()) return s;
  return absl::UnimplementedError("arrives with the delivery engine");
}

// The front half, in the order the other services use: an unauthenticated caller learns
// nothing about its request; an authenticated one learns what is malformed before whether its
// key covers the app.
absl::StatusOr<int64_t> AdmitGetNotification(const ApiKeyAuthenticator& auth,
                                             const grpc::CallbackServerContext& context,
                                             const pb::GetNotificationRequest& request) {
  absl::StatusOr<Principal> principal = AuthenticateCall(auth, context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = ValidateAppId(request.app_id()); !s.ok()) return s;
  int64_t id = 0;
  if (request.id().empty() || !absl::SimpleAtoi(request.id(), &id) || id <= 0) {
    return absl::InvalidArgumentError(
        "id: must be a notification id (the decimal number the webhook answered)");
  }
  if (absl::Status s = Authorize(*principal, request.app_id(), Access::kDeliveriesRead); !s.ok()) {
    return s;
  }
  return id;
}

// ---- store values -> protos -----------------------------------------------------------------

pb::Channel ToProtoChannel(store::Channel c) {
  switch (c) {
    case store::Channel::kApns:
      return pb::CHANNEL_APNS;
    case store::Channel::kApnsVoip:
      return pb::CHANNEL_APNS_VOIP;
    case store::Channel::kFcm:
      return pb::CHANNEL_FCM;
    case store::Channel::kWebPush:
      return pb::CHANNEL_WEBPUSH;
    case store::Channel::kWebhook:
      return pb::CHANNEL_WEBHOOK;
    case store::Channel::kLog:
      return pb::CHANNEL_LOG;
  }
  return pb::CHANNEL_UNSPECIFIED;
}

pb::DeliveryState ToProtoDeliveryState(store::DeliveryState s) {
  switch (s) {
    case store::DeliveryState::kPending:
      return pb::DELIVERY_STATE_PENDING;
    case store::DeliveryState::kSending:
      return pb::DELIVERY_STATE_SENDING;
    case store::DeliveryState::kDelivered:
      return pb::DELIVERY_STATE_DELIVERED;
    case store::DeliveryState::kRetryWait:
      return pb::DELIVERY_STATE_RETRY_WAIT;
    case store::DeliveryState::kFailed:
      return pb::DELIVERY_STATE_FAILED;
    case store::DeliveryState::kSkipped:
      return pb::DELIVERY_STATE_SKIPPED;
  }
  return pb::DELIVERY_STATE_UNSPECIFIED;
}

pb::NotificationState ToProtoNotificationState(store::NotificationState s) {
  switch (s) {
    case store::NotificationState::kQueued:
      return pb::NOTIFICATION_STATE_QUEUED;
    case store::NotificationState::kDispatching:
      return pb::NOTIFICATION_STATE_DISPATCHING;
    case store::NotificationState::kDone:
      return pb::NOTIFICATION_STATE_DONE;
  }
  return pb::NOTIFICATION_STATE_UNSPECIFIED;
}

pb::NotificationOutcome ToProtoOutcome(store::NotificationOutcome o) {
  switch (o) {
    case store::NotificationOutcome::kNone:
      return pb::NOTIFICATION_OUTCOME_UNSPECIFIED;
    case store::NotificationOutcome::kDelivered:
      return pb::NOTIFICATION_OUTCOME_DELIVERED;
    case store::NotificationOutcome::kPartiallyDelivered:
      return pb::NOTIFICATION_OUTCOME_PARTIALLY_DELIVERED;
    case store::NotificationOutcome::kFailed:
      return pb::NOTIFICATION_OUTCOME_FAILED;
    case store::NotificationOutcome::kNoTargets:
      return pb::NOTIFICATION_OUTCOME_NO_TARGETS;
    case store::NotificationOutcome::kFiltered:
      return pb::NOTIFICATION_OUTCOME_FILTERED;
    case store::NotificationOutcome::kExpired:
      return pb::NOTIFICATION_OUTCOME_EXPIRED;
  }
  return pb::NOTIFICATION_OUTCOME_UNSPECIFIED;
}

pb::NotificationType ToProtoType(const std::string& type) {
  if (type == "chat") return pb::NOTIFICATION_TYPE_CHAT;
  if (type == "call") return pb::NOTIFICATION_TYPE_CALL;
  return pb::NOTIFICATION_TYPE_UNSPECIFIED;
}

void ToProtoAttempt(const store::AttemptRecord& in, pb::Attempt* out) {
  out->set_number(in.number);
  if (in.started_at_ms > 0) ToProtoTimestamp(in.started_at_ms, out->mutable_start_time());
  if (in.ended_at_ms > 0) ToProtoTimestamp(in.ended_at_ms, out->mutable_end_time());
  out->set_http_status(in.http_status);
  out->set_reason(in.reason);
  out->set_provider_message_id(in.provider_message_id);
}

void ToProtoDelivery(const store::DeliveryRecord& in, pb::Delivery* out) {
  out->set_id(absl::StrCat(in.id));
  out->set_registration_id(absl::StrCat(in.registration_id));
  out->set_channel(ToProtoChannel(in.channel));
  out->set_state(ToProtoDeliveryState(in.state));
  out->set_attempt_count(in.attempt_count);
  // Only a delivery that waits has a next attempt; for the others the column is bookkeeping.
  if (in.state == store::DeliveryState::kRetryWait || in.state == store::DeliveryState::kPending) {
    ToProtoTimestamp(in.next_attempt_at_ms, out->mutable_next_attempt_time());
  }
  out->set_provider_message_id(in.provider_message_id);
  out->set_last_http_status(in.last_http_status);
  out->set_last_reason(in.last_reason);
  ToProtoTimestamp(in.created_at_ms, out->mutable_create_time());
  ToProtoTimestamp(in.updated_at_ms, out->mutable_update_time());
  out->mutable_attempts()->Reserve(static_cast<int>(in.attempts.size()));
  for (const store::AttemptRecord& a : in.attempts) ToProtoAttempt(a, out->add_attempts());
  out->set_target_hint(in.target_hint);
}

void ToProtoNotification(const store::NotificationDetail& in, pb::Notification* out) {
  const store::NotificationRecord& n = in.notification;
  out->set_id(absl::StrCat(n.id));
  out->set_app_id(n.app_id);
  out->set_uid(n.uid);
  out->set_type(ToProtoType(n.type));
  out->set_call_action(n.call_action);
  out->set_call_session_id(n.call_session_id);
  out->set_tag(n.tag);
  out->set_conversation_id(n.conversation_id);
  out->set_sender(n.sender);
  out->set_state(ToProtoNotificationState(n.state));
  out->set_outcome(ToProtoOutcome(n.outcome));
  ToProtoTimestamp(n.received_at_ms, out->mutable_receive_time());
  ToProtoTimestamp(n.updated_at_ms, out->mutable_update_time());
  out->mutable_deliveries()->Reserve(static_cast<int>(in.deliveries.size()));
  for (const store::DeliveryRecord& d : in.deliveries) ToProtoDelivery(d, out->add_deliveries());
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

DeliveriesService::DeliveriesService(const ApiKeyAuthenticator* auth,
                                     store::DeliveryReader* deliveries)
    : auth_(auth), deliveries_(deliveries) {}

grpc::ServerUnaryReactor* DeliveriesService::GetNotification(
    grpc::CallbackServerContext* context, const pb::GetNotificationRequest* request,
    pb::Notification* response) {
  if (deliveries_ == nullptr) {
    return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
  }
  absl::StatusOr<int64_t> id = AdmitGetNotification(*auth_, *context, *request);
  if (!id.ok()) return FinishNow(context, id.status());
  // A read on a pooled read-only connection: short, and it never waits for the writer.
  absl::StatusOr<std::optional<store::NotificationDetail>> detail =
      deliveries_->GetNotification(request->app_id(), *id);
  if (!detail.ok()) return FinishNow(context, PublicStoreError(detail.status(), "GetNotification"));
  // Another app's notification is as unknown to this caller as one that never existed.
  if (!detail->has_value()) {
    return FinishNow(context, absl::NotFoundError(absl::StrCat("no notification ", request->id(),
                                                               " in app ", request->app_id())));
  }
  ToProtoNotification(**detail, response);
  return FinishNow(context, absl::OkStatus());
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
