// The Deliveries gRPC service: what happened to each notification, for operators.
// Every RPC answers from the status store (store/status_store.h): GetNotification (the
// notification, its deliveries and every attempt), ListNotifications, GetStats,
// RetryNotification and WatchNotifications. Without one, each answers UNIMPLEMENTED after auth.
//
// WatchNotifications polls: one thread of this service reads, every poll interval, the rows of
// each watched app changed after that watcher's cursor (index notifications_app_updated) and
// writes them as events. Polling needs no hook in the engine's settle path and sees every
// writer (engine, redrive, ingest) alike; its cost is one indexed read per watcher per
// interval, and watchers are a handful of operators debugging live.
#ifndef PUSHGATE_GRPC_DELIVERIES_SERVICE_H_
#define PUSHGATE_GRPC_DELIVERIES_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/push_id.h"
#include "engine/preview.h"
#include "grpc/api_key_auth.h"
#include "pushgate/v1/deliveries.grpc.pb.h"
#include "store/receipt_store.h"
#include "store/registry_store.h"
#include "store/status_store.h"

namespace pushgate::grpc_api {

// Pure request checks (INVALID_ARGUMENT naming the field); exposed for tests.
absl::StatusOr<store::NotificationQuery> ValidateListNotificationsRequest(
    const pushgate::v1::ListNotificationsRequest& request);
// The window's start in ms since the epoch.
absl::StatusOr<int64_t> ValidateGetStatsRequest(const pushgate::v1::GetStatsRequest& request,
                                                int64_t now_ms);
absl::StatusOr<store::RedriveScope> ValidateRetryNotificationRequest(
    const pushgate::v1::RetryNotificationRequest& request);

struct DeliveriesServiceOptions {
  // Device receipts: with a receipt store GetStats gives receipt rates; with the push id codec
  // every device attempt shows its push id. Both optional, neither owned.
  store::ReceiptStore* receipts = nullptr;
  const PushIdCodec* push_ids = nullptr;
  // PreviewNotification: the recipient's registrations come from `registry`, the requests
  // from `preview` (the engine's); either unset: UNIMPLEMENTED after auth.
  store::RegistryStore* registry = nullptr;
  std::function<absl::StatusOr<engine::NotificationPreview>(
      const std::string& app_id, const std::string& uid, const std::string& payload,
      const std::vector<store::Registration>& active)>
      preview;
  int watch_poll_ms = 200;
  // Events a watcher may have waiting; one more ends its stream with RESOURCE_EXHAUSTED (a
  // stream that skipped events would show transitions that never happened).
  int watch_queue_limit = 256;
};

class WatchReactor;

class DeliveriesService final : public pushgate::v1::Deliveries::CallbackService {
 public:
  // Both must outlive the service. `status` may be null (no status store wired): every RPC
  // then answers UNIMPLEMENTED after auth.
  DeliveriesService(const ApiKeyAuthenticator* auth, store::StatusStore* status,
                    DeliveriesServiceOptions options = {});
  // Stops the watch poller. The server must have shut down (every watch finished) first.
  ~DeliveriesService() override;

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
  grpc::ServerUnaryReactor* PreviewNotification(
      grpc::CallbackServerContext* context, const pushgate::v1::PreviewNotificationRequest* request,
      pushgate::v1::PreviewNotificationResponse* response) override;

  // Watch streams currently open (for tests and shutdown checks).
  int active_watchers();

 private:
  friend class WatchReactor;
  void AddWatcher(WatchReactor* w);
  void RemoveWatcher(WatchReactor* w);
  void PollLoop();

  const ApiKeyAuthenticator* auth_;
  store::StatusStore* status_;  // may be null
  const DeliveriesServiceOptions options_;

  std::mutex watchers_mu_;  // held while a watcher is polled, so removal waits for it
  std::condition_variable poll_wake_;
  std::set<WatchReactor*> watchers_;  // guarded by watchers_mu_
  bool stopping_ = false;             // guarded by watchers_mu_
  std::thread poller_;                // started with the first watcher
};

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_DELIVERIES_SERVICE_H_
