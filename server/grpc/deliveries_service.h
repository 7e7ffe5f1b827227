// The Deliveries gRPC service: GetNotification answers from the delivery store (the
// notification, its deliveries and every attempt). The other RPCs still authenticate and
// authorise (so clients see the real auth behaviour now) and then answer UNIMPLEMENTED.
#ifndef PUSHGATE_GRPC_DELIVERIES_SERVICE_H_
#define PUSHGATE_GRPC_DELIVERIES_SERVICE_H_

#include "grpc/api_key_auth.h"
#include "pushgate/v1/deliveries.grpc.pb.h"
#include "store/delivery_store.h"

namespace pushgate::grpc_api {

class DeliveriesService final : public pushgate::v1::Deliveries::CallbackService {
 public:
  // Both must outlive the service. `deliveries` may be null (no delivery store wired):
  // GetNotification then answers UNIMPLEMENTED too.
  DeliveriesService(const ApiKeyAuthenticator* auth, store::DeliveryReader* deliveries);

  grpc::ServerUnaryReactor* GetNotification(grpc::CallbackServerContext* context,
                                            const pushgate::v1::GetNotificationRequest* request,
                                            pushgate::v1::Notification* response) override;
  grpc::ServerUnaryReactor* ListNotifications(
      grpc::CallbackServerContext* context, const pushgate::v1::ListNotificationsRequest* request,
      pushgate::v1::ListNotificationsResponse* response) override;
  grpc::ServerWriteReactor<pushgate::v1::NotificationEvent>* WatchNotifications(
      grpc::CallbackServerContext* context,
      const pushgate::v1::WatchNotificationsRequest* request) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const pushgate::v1::GetStatsRequest* request,
                                     pushgate::v1::GetStatsResponse* response) override;
  grpc::ServerUnaryReactor* RetryNotification(
      grpc::CallbackServerContext* context, const pushgate::v1::RetryNotificationRequest* request,
      pushgate::v1::RetryNotificationResponse* response) override;

 private:
  const ApiKeyAuthenticator* auth_;
  store::DeliveryReader* deliveries_;
};

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_DELIVERIES_SERVICE_H_
