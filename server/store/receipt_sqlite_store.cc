#include "store/receipt_sqlite_store.h"

#include <SQLiteCpp/Statement.h>

#include <utility>

#include "common/crypto.h"

namespace pushgate::store {
namespace {

// The delivery a push id names, with what decides whether the report is accepted. The
// registration's os tells an FCM delivery's platform.
constexpr char kSelectDelivery[] =
    "SELECT d.notification_id, d.channel, d.received_at, d.opened_at, "
    "COALESCE(json_array_length(d.attempts), 0), d.state, n.app_id, r.fcm_os "
    "FROM deliveries d JOIN notifications n ON n.id = d.notification_id "
    "LEFT JOIN registrations r ON r.id = d.registration_id WHERE d.id = ?1";

// First report wins for each event; an "opened" (?4 = 1) fills "received" when it is missing.
constexpr char kRecord[] =
    "UPDATE deliveries SET "
    "received_at = COALESCE(received_at, ?2), "
    "received_device_at = CASE WHEN received_at IS NULL THEN ?3 ELSE received_device_at END, "
    "opened_at = CASE WHEN ?4 THEN COALESCE(opened_at, ?2) ELSE opened_at END, "
    "opened_device_at = CASE WHEN ?4 AND opened_at IS NULL THEN ?3 ELSE opened_device_at END "
    "WHERE id = ?1";

// Device channels only: forward hooks and the log channel reach no device.
constexpr char kRates[] =
    "SELECT d.channel, COALESCE(r.fcm_os, ''), "
    "sum(d.state = 'delivered'), count(d.received_at), count(d.opened_at) "
    "FROM notifications n JOIN deliveries d ON d.notification_id = n.id "
    "LEFT JOIN registrations r ON r.id = d.registration_id "
    "WHERE n.app_id = ?1 AND n.received_at >= ?2 "
    "AND (d.channel = 'apns' OR d.channel = 'apns_voip' OR d.channel = 'fcm' "
    "OR d.channel = 'webpush') "
    "GROUP BY 1, 2";

constexpr char kSelectKey[] = "SELECT push_id_key FROM installation WHERE id = 1";

bool IsDeviceChannel(Channel c) {
  return c == Channel::kApns || c == Channel::kApnsVoip || c == Channel::kFcm ||
         c == Channel::kWebPush;
}

absl::Status NotFound() { return absl::NotFoundError("no such push for this app"); }

absl::StatusOr<ReceiptResult> RecordInTxn(WriteTxn& txn, const ReceiptReport& report) {
  ReceiptResult result;
  std::optional<Channel> channel;
  bool had_received = false, had_opened = false;
  int64_t attempts_logged = 0;
  std::string app_id, fcm_os;
  {
    CachedStatement select = txn.Statement(kSelectDelivery);
    select->bind(1, report.delivery_id);
    if (!select->executeStep()) return NotFound();
    result.notification_id = select->getColumn(0).getInt64();
    channel = ChannelFromName(select->getColumn(1).getString());
    had_received = !select->getColumn(2).isNull();
    had_opened = !select->getColumn(3).isNull();
    attempts_logged = select->getColumn(4).getInt64();
    app_id = select->getColumn(6).getString();
    if (!select->getColumn(7).isNull()) fcm_os = select->getColumn(7).getString();
  }
  if (app_id != report.app_id || !channel || !IsDeviceChannel(*channel)) return NotFound();
  // The attempt was sent or is in flight: at most one past the log. The push id keeps the
  // number modulo 4096, so only a log that short can rule an attempt out.
  if (attempts_logged < 4095 && report.attempt > attempts_logged + 1) return NotFound();
  result.channel = *channel;
  result.platform = ReceiptPlatform(*channel, fcm_os);
  const bool opened = report.event == ReceiptEvent::kOpened;
  result.newly_received = !had_received;
  result.newly_opened = opened && !had_opened;
  if (!result.newly_received && !result.newly_opened) return result;  // nothing to write

  CachedStatement update = txn.Statement(kRecord);
  update->bind(1, report.delivery_id);
  update->bind(2, report.now_ms);
  if (report.device_time_ms > 0) {
    update->bind(3, report.device_time_ms);
  } else {
    update->bind(3);
  }
  update->bind(4, opened ? 1 : 0);
  update->exec();
  return result;
}

}  // namespace

absl::Status SqliteReceiptStore::RecordReceipt(ReceiptReport report, Callback<ReceiptResult> done) {
  return store_->Submit<ReceiptResult>(
      [report = std::move(report)](WriteTxn& txn) { return RecordInTxn(txn, report); },
      std::move(done), JobShape::kMultiStatement);
}

absl::StatusOr<std::vector<ReceiptRateRow>> SqliteReceiptStore::ReceiptRates(
    const std::string& app_id, int64_t since_ms) {
  return store_->Read<std::vector<ReceiptRateRow>>(
      [&app_id, since_ms](ReadTxn& txn) -> absl::StatusOr<std::vector<ReceiptRateRow>> {
        // Per (channel, platform): FCM rows come per stored os and are merged here.
        std::vector<ReceiptRateRow> rows;
        CachedStatement select = txn.statements.Get(kRates);
        select->bind(1, app_id);
        select->bind(2, since_ms);
        while (select->executeStep()) {
          const std::optional<Channel> channel = ChannelFromName(select->getColumn(0).getString());
          if (!channel) continue;
          const std::string platform = ReceiptPlatform(*channel, select->getColumn(1).getString());
          ReceiptRateRow* row = nullptr;
          for (ReceiptRateRow& r : rows) {
            if (r.channel == *channel && r.platform == platform) row = &r;
          }
          if (row == nullptr) {
            rows.push_back(ReceiptRateRow{*channel, platform});
            row = &rows.back();
          }
          row->delivered += select->getColumn(2).getInt64();
          row->received += select->getColumn(3).getInt64();
          row->opened += select->getColumn(4).getInt64();
        }
        return rows;
      });
}

absl::StatusOr<std::string> SqliteReceiptStore::PushIdKey() {
  return store_->Read<std::string>([](ReadTxn& txn) -> absl::StatusOr<std::string> {
    CachedStatement select = txn.statements.Get(kSelectKey);
    if (!select->executeStep()) return absl::FailedPreconditionError("no installation row");
    std::optional<std::string> key = HexDecode(select->getColumn(0).getString());
    if (!key || key->size() < 16) {
      return absl::FailedPreconditionError("the installation's push id key is malformed");
    }
    return *key;
  });
}

}  // namespace pushgate::store
