// The delivery engine's view of the store: claiming due notifications (and planning their
// deliveries in the same transaction), settling attempts, and reading one notification with
// every delivery and attempt for the status API. Plain structs only; the SQLite implementation
// is delivery_sqlite_store.h.
//
// States (DESIGN.md "States"):
//   notification  queued → dispatching → done (outcome: delivered, partially_delivered, failed,
//                 no_targets, filtered, expired)
//   delivery      pending → sending → delivered | retry_wait → sending … | failed | skipped
// A delivery planned by a claim is written as 'sending' at once: the claim hands it to the
// engine in the same transaction, so 'pending' only marks deliveries that wait for a claim
// without having been handed out (none today; a redrive will produce them).
#ifndef PUSHGATE_STORE_DELIVERY_STORE_H_
#define PUSHGATE_STORE_DELIVERY_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/store.h"
#include "store/types.h"

namespace pushgate::store {

// Names are stored as text and appear in logs, metrics and the API.
enum class Channel { kApns, kApnsVoip, kFcm, kWebPush, kWebhook, kLog };
const char* ChannelName(Channel c);
std::optional<Channel> ChannelFromName(const std::string& name);

enum class DeliveryState { kPending, kSending, kDelivered, kRetryWait, kFailed, kSkipped };
const char* DeliveryStateName(DeliveryState s);
std::optional<DeliveryState> DeliveryStateFromName(const std::string& name);
bool IsTerminal(DeliveryState s);  // delivered, failed, skipped

enum class NotificationState { kQueued, kDispatching, kDone };
const char* NotificationStateName(NotificationState s);
std::optional<NotificationState> NotificationStateFromName(const std::string& name);

enum class NotificationOutcome {
  kNone,  // not done yet
  kDelivered,
  kPartiallyDelivered,
  kFailed,
  kNoTargets,
  kFiltered,
  kExpired,
};
const char* NotificationOutcomeName(NotificationOutcome o);  // "" for kNone
NotificationOutcome NotificationOutcomeFromName(const std::string& name);

// StoreCounters family of deliveries by state (key: DeliveryStateName).
inline constexpr char kDeliveriesFamily[] = "deliveries";

struct AttemptRecord {
  int number = 0;  // 1 for the first attempt
  int64_t started_at_ms = 0;
  int64_t ended_at_ms = 0;
  int http_status = 0;  // 0: no HTTP answer
  std::string reason;
  std::string provider_message_id;
};

struct DeliveryRecord {
  int64_t id = 0;
  int64_t notification_id = 0;
  int64_t registration_id = 0;  // 0 for a forward-hook delivery
  Channel channel = Channel::kLog;
  std::string hook;  // the forward hook's name (channel webhook); "" for a device delivery
  DeliveryState state = DeliveryState::kPending;
  // Attempts since the last redrive: the retry policy's budget (a redrive resets it).
  int attempt_count = 0;
  // Entries in the attempt log, across redrives (claims only): the next attempt is number
  // attempts_logged + 1.
  int attempts_logged = 0;
  int64_t next_attempt_at_ms = 0;
  std::string provider_message_id;
  int last_http_status = 0;
  std::string last_reason;
  std::string target_hint;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::vector<AttemptRecord> attempts;  // filled by reads for the status API only
  // Device receipts (receipt_store.h; status API reads only): when pushgate recorded them and
  // the device's own times; 0 when not reported.
  int64_t received_at_ms = 0;
  int64_t received_device_at_ms = 0;
  int64_t opened_at_ms = 0;
  int64_t opened_device_at_ms = 0;
};

struct NotificationRecord {
  int64_t id = 0;
  std::string app_id;
  std::string uid;
  std::string type;  // "chat" | "call"
  std::string call_action;
  std::string call_session_id;
  std::string tag;
  std::string conversation_id;
  std::string sender;
  NotificationState state = NotificationState::kQueued;
  NotificationOutcome outcome = NotificationOutcome::kNone;
  int64_t received_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t next_attempt_at_ms = 0;
};

// ---- claiming -------------------------------------------------------------------------------

// One delivery the planner wants: to send now ('sending') or recorded as not sent ('skipped',
// with the reason). Either to a registration (registration_id) or to one of the app's forward
// hooks (hook, channel webhook, registration_id 0).
struct PlannedDelivery {
  int64_t registration_id = 0;
  std::string hook;
  Channel channel = Channel::kLog;
  DeliveryState state = DeliveryState::kSending;
  std::string reason;  // for skipped deliveries
  std::string target_hint;
};

// Decides, inside the claim's transaction, which of the recipient's active registrations (and
// which of the app's forward hooks) get a delivery. Called with no registrations too: hooks need
// none. Pure (the engine's planner); it must not block.
using DeliveryPlanner = std::function<std::vector<PlannedDelivery>(
    const NotificationRecord& notification, const std::vector<Registration>& active,
    int64_t now_ms)>;

struct ClaimRequest {
  int64_t now_ms = 0;
  int64_t lease_ms = 60'000;
  int limit = 256;  // notifications
  DeliveryPlanner planner;
};

// A delivery handed to the engine: its row (now 'sending') and its registration as it is now
// (an empty, inactive one for a forward-hook delivery: delivery.hook names the target).
struct ClaimedDelivery {
  DeliveryRecord delivery;
  Registration registration;
};

struct ClaimedNotification {
  NotificationRecord notification;  // as after the claim
  std::string payload;              // the webhook body as stored
  bool first_claim = false;         // its deliveries were planned by this claim
  std::vector<ClaimedDelivery> to_send;
  // How many deliveries the notification has, sent now or not. Planning happens once, so the
  // number holds until the notification is deleted (see DeliveryOutcome::sibling_count).
  int delivery_count = 0;
};

// ---- settling -------------------------------------------------------------------------------

// What became of one 'sending' delivery. An outcome for a delivery that is no longer 'sending'
// (settled meanwhile by a later claim after its lease ran out) is ignored.
struct DeliveryOutcome {
  int64_t delivery_id = 0;
  int64_t notification_id = 0;
  DeliveryState state = DeliveryState::kDelivered;  // delivered, retry_wait, failed or skipped
  int64_t next_attempt_at_ms = 0;                   // retry_wait only
  std::optional<AttemptRecord> attempt;             // absent when nothing was sent (e.g. skipped)
  std::string reason;                               // becomes last_reason
  int http_status = 0;                              // becomes last_http_status (with an attempt)
  std::string provider_message_id;                  // kept when empty
  // The provider says the token is dead: retire the registration (active=0, inactive_reason
  // 'provider_rejected', inactive_detail = retire_detail) unless it was updated at or after
  // `retire_unless_updated_since_ms` (APNs 410: the device re-registered after the token was
  // seen invalid, protocols.md §2.6; otherwise the attempt's start: a registration that changed
  // while we were sending is newer than the answer).
  bool retire_registration = false;
  int64_t registration_id = 0;
  std::string retire_detail;
  int64_t retire_unless_updated_since_ms = 0;
  // The notification's delivery_count from its claim, 0 when unknown. When a batch settles
  // that many of the notification's deliveries, their states are all of its states and the
  // notification is settled from them without reading its deliveries back.
  int sibling_count = 0;
};

struct RecordResult {
  int settled = 0;  // outcomes applied (stale ones are not)
  int retired_registrations = 0;
  int finished_notifications = 0;
  // The earliest retry among the notifications left waiting, 0 when none.
  int64_t earliest_retry_at_ms = 0;
};

// ---- reading --------------------------------------------------------------------------------

struct NotificationDetail {
  NotificationRecord notification;
  std::vector<DeliveryRecord> deliveries;  // oldest first, with attempts
};

// The read side the status API needs; kept apart so gRPC depends on nothing else.
class DeliveryReader {
 public:
  virtual ~DeliveryReader() = default;
  // std::nullopt when the id is unknown or belongs to another app.
  virtual absl::StatusOr<std::optional<NotificationDetail>> GetNotification(
      const std::string& app_id, int64_t id) = 0;
};

class DeliveryStore : public DeliveryReader {
 public:
  // Picks up to `limit` notifications that are not done, due (next_attempt_at <= now) and not
  // leased by anyone (lease_until NULL or past), oldest due first, and leases them: state
  // 'dispatching', lease_until = now + lease. A notification without deliveries is planned
  // (`planner` over the recipient's active registrations in its app); one with none planned is
  // done at once ('no_targets'), one whose planned deliveries are all skipped is done with the
  // matching outcome. Due deliveries (pending, sending — left by a crash or an expired lease —
  // and retry_wait whose time came) become 'sending' and are returned. ONE write transaction.
  virtual absl::Status ClaimDue(ClaimRequest request,
                                Callback<std::vector<ClaimedNotification>> done) = 0;

  // Applies outcomes (appending each attempt to its delivery's log, retiring dead tokens) and
  // settles every notification left without a pending or sending delivery: with a retry_wait
  // delivery it stays 'dispatching' with next_attempt_at = the earliest retry and no lease;
  // otherwise it is done, with the outcome its deliveries add up to (delivery_summary.h).
  // ONE write transaction for the whole batch.
  virtual absl::Status RecordOutcomes(std::vector<DeliveryOutcome> outcomes, int64_t now_ms,
                                      Callback<RecordResult> done) = 0;

  // SQLite serves exactly one pushgate process, so when it starts every lease still held was
  // left by a process that died (kill -9, power loss): releases them all, making that work due
  // at once instead of after lease_seconds. The int is how many were released. A backend that
  // several instances share must instead record lease owners and release only its own (or
  // wait for expiry).
  virtual absl::Status ReleaseLeasesOnStartup(int64_t now_ms, Callback<int> done) = 0;

  // Deliveries by state (StoreCounters, no query).
  virtual std::map<std::string, int64_t> DeliveryCounts() const = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_DELIVERY_STORE_H_
