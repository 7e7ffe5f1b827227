// Device receipts (Receipts.ReportReceipt): recording that a push reached the device or was
// opened, the receipt rates of an app, and the installation's push id key. Plain structs and one
// interface, so the gRPC side depends on nothing SQLite; the implementation is
// receipt_sqlite_store.h.
#ifndef PUSHGATE_STORE_RECEIPT_STORE_H_
#define PUSHGATE_STORE_RECEIPT_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/callback.h"
#include "store/types.h"

namespace pushgate::store {

enum class ReceiptEvent { kReceived, kOpened };

struct ReceiptReport {
  std::string app_id;
  int64_t delivery_id = 0;
  int attempt = 0;  // the attempt's number in the delivery's log (push id), modulo 4096
  ReceiptEvent event = ReceiptEvent::kReceived;
  int64_t device_time_ms = 0;  // 0: the device gave none
  int64_t now_ms = 0;
};

struct ReceiptResult {
  int64_t notification_id = 0;
  Channel channel = Channel::kLog;
  std::string platform;         // ReceiptPlatform
  bool newly_received = false;  // this report recorded "received"
  bool newly_opened = false;    // this report recorded "opened"
};

// A row of the receipt rates: device deliveries of one channel and platform.
struct ReceiptRateRow {
  Channel channel = Channel::kLog;
  std::string platform;
  int64_t delivered = 0;
  int64_t received = 0;
  int64_t opened = 0;
};

// "ios" for APNs, "web" for Web Push, FCM's registration os ("android", "ios", "web"; an FCM
// registration without one is sent as Android), "" for channels that reach no device.
std::string ReceiptPlatform(Channel channel, const std::string& fcm_os);

class ReceiptStore {
 public:
  virtual ~ReceiptStore() = default;
  // Records the report on its delivery: the first report of each event is kept (an "opened"
  // records "received" too when that was missing). NOT_FOUND when the delivery does not
  // exist, belongs to another app, goes to no device (forward hook, log), or never got as far
  // as the reported attempt. ONE write transaction.
  virtual absl::Status RecordReceipt(ReceiptReport report, Callback<ReceiptResult> done) = 0;
  // Device deliveries of notifications received at or after `since_ms`, per channel and
  // platform, with how many were delivered, reported received and reported opened.
  virtual absl::StatusOr<std::vector<ReceiptRateRow>> ReceiptRates(const std::string& app_id,
                                                                   int64_t since_ms) = 0;
  // The installation's push id key (migration 0007), as bytes.
  virtual absl::StatusOr<std::string> PushIdKey() = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_RECEIPT_STORE_H_
