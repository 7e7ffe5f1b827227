#include "store/delivery_sql.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "store/delivery_summary.h"
#include "store/store_counters.h"

namespace pushgate::store {
namespace {

// ---- SQL ------------------------------------------------------------------------------------

// Walks the partial index notifications_due (its WHERE is exactly `state != 'done'`) in
// next_attempt_at order. The lease test is kept although a leased row's next_attempt_at is its
// lease_until (see delivery_sql.h), so the rule reads as documented.
constexpr char kSelectDue[] =
    "SELECT id, app_id, uid, type, call_action, call_session_id, tag, conversation_id, sender, "
    "payload, received_at, state, updated_at FROM notifications "
    "WHERE state != 'done' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until < ?1) "
    "ORDER BY next_attempt_at LIMIT ?2";

constexpr char kUpdateNotification[] =
    "UPDATE notifications SET state = ?2, outcome = ?3, lease_until = ?4, next_attempt_at = ?5, "
    "updated_at = ?6 WHERE id = ?1";

#define PG_REGISTRATION_COLUMNS(p)                                                               \
  p "id, " p "app_id, " p "uid, " p "session_id, " p "platform, " p "token, " p "apns_topic, " p \
    "apns_environment, " p "fcm_os, " p "webpush_p256dh, " p "webpush_auth, " p "device_id, " p  \
    "created_at, " p "updated_at, " p "active"
constexpr int kRegistrationColumnCount = 15;

constexpr char kSelectActiveRegistrations[] =
    "SELECT " PG_REGISTRATION_COLUMNS("") " FROM registrations "
    "WHERE app_id = ?1 AND uid = ?2 AND active = 1 ORDER BY id";

// LEFT JOIN: registrations are never deleted today, but a delivery whose registration vanished
// must still come back (as inactive) so that it gets settled instead of stalling the claim.
// Forward-hook deliveries (registration_id 0) come back the same way, with their hook.
constexpr char kSelectDeliveriesForClaim[] =
    "SELECT d.id, d.registration_id, d.channel, d.state, d.attempt_count, d.next_attempt_at, "
    "d.provider_message_id, d.last_http_status, d.last_reason, d.target_hint, d.created_at, "
    "d.updated_at, d.hook, " PG_REGISTRATION_COLUMNS("r.") ", "
    "COALESCE(json_array_length(d.attempts), 0) FROM deliveries d "
    "LEFT JOIN registrations r ON r.id = d.registration_id "
    "WHERE d.notification_id = ?1 ORDER BY d.id";
#undef PG_REGISTRATION_COLUMNS

constexpr char kInsertDelivery[] =
    "INSERT INTO deliveries (notification_id, registration_id, channel, state, attempt_count, "
    "next_attempt_at, last_reason, target_hint, hook, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?5, ?5) ON CONFLICT DO NOTHING";

constexpr char kMarkSending[] =
    "UPDATE deliveries SET state = 'sending', updated_at = ?2 WHERE id = ?1";

// One statement per settled attempt: state, counters and the attempt log together (the log's
// shape is in migrations/0002_deliveries.sql). SQLite evaluates every SET expression against the
// old row, so the log's length + 1 is this attempt's number: attempt_count (the retry budget)
// restarts at a redrive, the numbering goes on. Guarded by state = 'sending' so that a
// late outcome cannot overwrite what a newer claim already settled.
// A delivery's first attempt (no log yet, so attempt_count is 0: the count only grows with the
// log) takes the log as text written by FirstAttemptLog (?12), which spares the common push
// SQLite's JSON parse of '[]' and its building of the entry; later attempts append in SQL.
constexpr char kSettle[] =
    "UPDATE deliveries SET state = ?2, attempt_count = attempt_count + ?3, next_attempt_at = ?4, "
    "provider_message_id = COALESCE(?5, provider_message_id), "
    "last_http_status = CASE WHEN ?3 THEN ?6 ELSE last_http_status END, last_reason = ?7, "
    "updated_at = ?8, attempts = CASE WHEN NOT ?3 THEN attempts WHEN attempts IS NULL THEN ?12 "
    "ELSE json_insert(attempts, '$[#]', json_array(json_array_length(attempts) + 1, ?9, ?10, ?6, "
    "?11, ?5)) END "
    "WHERE id = ?1 AND state = 'sending'";

// protocols.md §2.6: a registration renewed after the provider saw the token die is newer than
// that verdict and stays.
constexpr char kRetire[] =
    "UPDATE registrations SET active = 0, inactive_reason = 'provider_rejected', "
    "inactive_detail = ?2, inactive_at = ?3, updated_at = ?3 "
    "WHERE id = ?1 AND active = 1 AND updated_at < ?4 RETURNING platform";

constexpr char kDeliveryStates[] =
    "SELECT state, next_attempt_at, last_reason FROM deliveries WHERE notification_id = ?1";

constexpr char kSettleNotification[] =
    "UPDATE notifications SET state = ?2, outcome = ?3, lease_until = NULL, next_attempt_at = ?4, "
    "updated_at = ?5 WHERE id = ?1 AND state = 'dispatching'";

constexpr char kReleaseLeases[] =
    "UPDATE notifications SET lease_until = NULL, next_attempt_at = min(next_attempt_at, ?1) "
    "WHERE state != 'done' AND lease_until IS NOT NULL";

constexpr char kCountDeliveries[] = "SELECT state, count(*) FROM deliveries GROUP BY state";

constexpr char kSelectNotification[] =
    "SELECT id, app_id, uid, type, call_action, call_session_id, tag, conversation_id, sender, "
    "state, outcome, received_at, updated_at, next_attempt_at FROM notifications "
    "WHERE id = ?1 AND app_id = ?2";

constexpr char kSelectDeliveries[] =
    "SELECT id, notification_id, registration_id, channel, state, attempt_count, next_attempt_at, "
    "provider_message_id, last_http_status, last_reason, target_hint, created_at, updated_at, "
    "attempts, hook, received_at, received_device_at, opened_at, opened_device_at "
    "FROM deliveries WHERE notification_id = ?1 ORDER BY id";

// ---- helpers --------------------------------------------------------------------------------

std::string Text(SQLite::Statement& s, int column) {
  SQLite::Column c = s.getColumn(column);
  return c.isNull() ? std::string() : c.getString();
}

int64_t Int64(SQLite::Statement& s, int column) {
  SQLite::Column c = s.getColumn(column);
  return c.isNull() ? 0 : c.getInt64();
}

void BindTextOrNull(SQLite::Statement& s, int index, const std::string& value) {
  if (value.empty()) {
    s.bind(index);
  } else {
    s.bind(index, value);
  }
}

// Appends `value` as SQLite's json_array() writes a text argument: a JSON string with quotes,
// backslashes and control characters escaped and every other byte as is; empty (bound as NULL
// by the settle) becomes null.
void AppendJsonTextOrNull(std::string& out, std::string_view value) {
  if (value.empty()) {
    out += "null";
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte >= 0x20) {
      out.push_back(c);
    } else if (byte >= '\b' && byte <= '\r' && byte != '\v') {
      out.push_back('\\');
      out.push_back("btn?fr"[byte - '\b']);  // \b \t \n \f \r; '?' is \v's, never used
    } else {
      out += "\\u00";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  out.push_back('"');
}

// The attempt log of a delivery's first attempt, the bytes json_insert('[]', '$[#]',
// json_array(1, ...)) would write: [[number, started_at, ended_at, http_status, reason,
// provider_message_id]].
std::string FirstAttemptLog(const AttemptRecord& attempt, int http_status,
                            std::string_view provider_message_id) {
  std::string log =
      absl::StrCat("[[1,", attempt.started_at_ms, ",", attempt.ended_at_ms, ",", http_status, ",");
  AppendJsonTextOrNull(log, attempt.reason);
  log.push_back(',');
  AppendJsonTextOrNull(log, provider_message_id);
  log += "]]";
  return log;
}

// The columns of PG_REGISTRATION_COLUMNS from `first` on; what sending needs, not the device
// metadata.
Registration ReadRegistration(SQLite::Statement& s, int first) {
  Registration r;
  r.id = Int64(s, first);
  RegistrationInput& in = r.input;
  in.app_id = Text(s, first + 1);
  in.uid = Text(s, first + 2);
  in.session_id = Text(s, first + 3);
  in.platform = PlatformFromName(Text(s, first + 4)).value_or(Platform::kApns);
  in.token = Text(s, first + 5);
  in.apns_topic = Text(s, first + 6);
  in.apns_environment = Text(s, first + 7);
  in.fcm_os = Text(s, first + 8);
  in.webpush_p256dh = Text(s, first + 9);
  in.webpush_auth = Text(s, first + 10);
  in.device.device_id = Text(s, first + 11);
  r.created_at_ms = Int64(s, first + 12);
  r.updated_at_ms = Int64(s, first + 13);
  // A missing row (LEFT JOIN) reads as inactive.
  r.active = !s.getColumn(first).isNull() && Int64(s, first + 14) != 0;
  return r;
}

DeliveryState StateOf(const std::string& name) {
  // The CHECK constraint allows only known names.
  return DeliveryStateFromName(name).value_or(DeliveryState::kPending);
}

void CountDeliveryMove(WriteTxn& txn, std::optional<DeliveryState> from, DeliveryState to) {
  if (from == to) return;
  if (from) txn.Count(kDeliveriesFamily, DeliveryStateName(*from), -1);
  txn.Count(kDeliveriesFamily, DeliveryStateName(to), 1);
}

void CountNotificationMove(WriteTxn& txn, NotificationState from, NotificationState to) {
  if (from == to) return;
  txn.Count(kNotificationsFamily, NotificationStateName(from), -1);
  txn.Count(kNotificationsFamily, NotificationStateName(to), 1);
}

bool IsDue(const DeliveryRecord& d, int64_t now_ms) {
  switch (d.state) {
    case DeliveryState::kPending:
    case DeliveryState::kSending:  // left in flight by a crash or an expired lease
      return true;
    case DeliveryState::kRetryWait:
      return d.next_attempt_at_ms <= now_ms;
    default:
      return false;
  }
}

struct DueRow {
  NotificationRecord record;
  std::string payload;
};

std::vector<DueRow> SelectDue(WriteTxn& txn, const ClaimRequest& request) {
  std::vector<DueRow> rows;
  // Collected before any update: changing rows under a running scan of the same index is
  // allowed by SQLite but leaves which rows the scan sees unspecified.
  CachedStatement due = txn.Statement(kSelectDue);
  due->bind(1, request.now_ms);
  due->bind(2, std::max(1, request.limit));
  while (due->executeStep()) {
    DueRow row;
    NotificationRecord& n = row.record;
    n.id = Int64(*due, 0);
    n.app_id = Text(*due, 1);
    n.uid = Text(*due, 2);
    n.type = Text(*due, 3);
    n.call_action = Text(*due, 4);
    n.call_session_id = Text(*due, 5);
    n.tag = Text(*due, 6);
    n.conversation_id = Text(*due, 7);
    n.sender = Text(*due, 8);
    row.payload = Text(*due, 9);
    n.received_at_ms = Int64(*due, 10);
    n.state = NotificationStateFromName(Text(*due, 11)).value_or(NotificationState::kQueued);
    n.updated_at_ms = Int64(*due, 12);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<ClaimedDelivery> SelectDeliveriesForClaim(WriteTxn& txn, int64_t notification_id) {
  std::vector<ClaimedDelivery> out;
  CachedStatement select = txn.Statement(kSelectDeliveriesForClaim);
  select->bind(1, notification_id);
  while (select->executeStep()) {
    ClaimedDelivery c;
    DeliveryRecord& d = c.delivery;
    d.id = Int64(*select, 0);
    d.notification_id = notification_id;
    d.registration_id = Int64(*select, 1);
    d.channel = ChannelFromName(Text(*select, 2)).value_or(Channel::kLog);
    d.state = StateOf(Text(*select, 3));
    d.attempt_count = static_cast<int>(Int64(*select, 4));
    d.next_attempt_at_ms = Int64(*select, 5);
    d.provider_message_id = Text(*select, 6);
    d.last_http_status = static_cast<int>(Int64(*select, 7));
    d.last_reason = Text(*select, 8);
    d.target_hint = Text(*select, 9);
    d.created_at_ms = Int64(*select, 10);
    d.updated_at_ms = Int64(*select, 11);
    d.hook = Text(*select, 12);
    c.registration = ReadRegistration(*select, 13);
    d.attempts_logged = static_cast<int>(Int64(*select, 13 + kRegistrationColumnCount));
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<Registration> SelectActiveRegistrations(WriteTxn& txn, const NotificationRecord& n) {
  std::vector<Registration> out;
  CachedStatement select = txn.Statement(kSelectActiveRegistrations);
  select->bind(1, n.app_id);
  select->bind(2, n.uid);
  while (select->executeStep()) out.push_back(ReadRegistration(*select, 0));
  static_assert(kRegistrationColumnCount == 15);
  return out;
}

// Inserts the planned deliveries; returns the ones to send (with their rows) and the states of
// all of them for the summary.
void InsertPlanned(WriteTxn& txn, const NotificationRecord& n,
                   const std::vector<PlannedDelivery>& planned,
                   const std::vector<Registration>& active, int64_t now_ms,
                   std::vector<ClaimedDelivery>* to_send, std::vector<DeliveryStateView>* states) {
  absl::flat_hash_map<int64_t, const Registration*> by_id;
  for (const Registration& r : active) by_id[r.id] = &r;
  for (const PlannedDelivery& p : planned) {
    // The planner may only pick from `active`, or name a hook (which has no registration).
    const bool to_hook = !p.hook.empty();
    auto reg = by_id.find(p.registration_id);
    if (to_hook ? (p.registration_id != 0 || p.channel != Channel::kWebhook) : reg == by_id.end()) {
      continue;
    }
    // Only 'sending' (handed out now) and 'skipped' make sense for a new delivery.
    const DeliveryState state =
        p.state == DeliveryState::kSkipped ? DeliveryState::kSkipped : DeliveryState::kSending;
    CachedStatement insert = txn.Statement(kInsertDelivery);
    insert->bind(1, n.id);
    insert->bind(2, p.registration_id);
    insert->bind(3, ChannelName(p.channel));
    insert->bind(4, DeliveryStateName(state));
    insert->bind(5, now_ms);
    BindTextOrNull(*insert, 6, p.reason);
    BindTextOrNull(*insert, 7, p.target_hint);
    insert->bind(8, p.hook);
    if (insert->exec() == 0) continue;  // planned twice for the same target and channel
    CountDeliveryMove(txn, std::nullopt, state);
    states->push_back(DeliveryStateView{state, now_ms, p.reason});
    if (state != DeliveryState::kSending) continue;
    ClaimedDelivery c;
    DeliveryRecord& d = c.delivery;
    d.id = sqlite3_last_insert_rowid(txn.db().getHandle());
    d.notification_id = n.id;
    d.registration_id = p.registration_id;
    d.channel = p.channel;
    d.hook = p.hook;
    d.state = state;
    d.next_attempt_at_ms = now_ms;
    d.target_hint = p.target_hint;
    d.created_at_ms = now_ms;
    d.updated_at_ms = now_ms;
    if (to_hook) {
      c.registration.active = false;  // none, as a later claim reads it (LEFT JOIN)
    } else {
      c.registration = *reg->second;
    }
    to_send->push_back(std::move(c));
  }
}

void UpdateNotification(WriteTxn& txn, const NotificationRecord& n, int64_t lease_until,
                        int64_t now_ms) {
  CachedStatement update = txn.Statement(kUpdateNotification);
  update->bind(1, n.id);
  update->bind(2, NotificationStateName(n.state));
  BindTextOrNull(*update, 3, NotificationOutcomeName(n.outcome));
  if (lease_until == 0) {
    update->bind(4);
  } else {
    update->bind(4, lease_until);
  }
  update->bind(5, n.next_attempt_at_ms);
  update->bind(6, now_ms);
  update->exec();
}

// A notification whose deliveries a RecordOutcomes batch settled.
struct Touched {
  int64_t notification_id = 0;
  int sibling_count = 0;  // DeliveryOutcome::sibling_count
  std::vector<DeliveryStateView> settled;
};

// The states of all of the notification's deliveries. When this batch settled as many as the
// notification has (planning happens once, settles are guarded by state = 'sending' so each
// counts once), they are all of them: no read. Otherwise the others are read back.
std::vector<DeliveryStateView> StatesOf(WriteTxn& txn, const Touched& t) {
  if (t.sibling_count > 0 && static_cast<int>(t.settled.size()) == t.sibling_count) {
    return t.settled;
  }
  std::vector<DeliveryStateView> states;
  CachedStatement select = txn.Statement(kDeliveryStates);
  select->bind(1, t.notification_id);
  while (select->executeStep()) {
    states.push_back(
        DeliveryStateView{StateOf(Text(*select, 0)), Int64(*select, 1), Text(*select, 2)});
  }
  return states;
}

}  // namespace

absl::StatusOr<std::vector<ClaimedNotification>> ClaimDueInTxn(WriteTxn& txn,
                                                               const ClaimRequest& request) {
  const int64_t now = request.now_ms;
  const int64_t lease_until = now + std::max<int64_t>(1, request.lease_ms);
  std::vector<DueRow> due = SelectDue(txn, request);
  std::vector<ClaimedNotification> claimed;
  claimed.reserve(due.size());
  for (DueRow& row : due) {
    ClaimedNotification c;
    c.notification = std::move(row.record);
    c.payload = std::move(row.payload);
    NotificationRecord& n = c.notification;
    const NotificationState was = n.state;

    std::vector<DeliveryStateView> states;
    // A queued notification has no deliveries yet: they are planned in the same job that
    // moves it out of 'queued', so the common first claim skips the lookup.
    std::vector<ClaimedDelivery> existing;
    if (was != NotificationState::kQueued) existing = SelectDeliveriesForClaim(txn, n.id);
    if (existing.empty()) {
      // First claim: plan. The plan is durable (and visible to the status API) with the claim.
      c.first_claim = true;
      const std::vector<Registration> active = SelectActiveRegistrations(txn, n);
      std::vector<PlannedDelivery> planned;
      // Even without registrations: the app's forward hooks need none.
      if (request.planner) planned = request.planner(n, active, now);
      InsertPlanned(txn, n, planned, active, now, &c.to_send, &states);
    } else {
      for (ClaimedDelivery& d : existing) {
        if (IsDue(d.delivery, now)) {
          if (d.delivery.state != DeliveryState::kSending) {
            CachedStatement mark = txn.Statement(kMarkSending);
            mark->bind(1, d.delivery.id);
            mark->bind(2, now);
            mark->exec();
            CountDeliveryMove(txn, d.delivery.state, DeliveryState::kSending);
            d.delivery.state = DeliveryState::kSending;
            d.delivery.updated_at_ms = now;
          }
          states.push_back(DeliveryStateView{DeliveryState::kSending, now, ""});
          c.to_send.push_back(std::move(d));
        } else {
          states.push_back(DeliveryStateView{d.delivery.state, d.delivery.next_attempt_at_ms,
                                             d.delivery.last_reason});
        }
      }
    }

    int64_t lease = 0;
    if (!c.to_send.empty()) {
      n.state = NotificationState::kDispatching;
      n.next_attempt_at_ms = lease_until;
      lease = lease_until;
    } else {
      // Nothing to send now: either everything is settled (a fresh notification with no
      // targets, all skipped; or an earlier settle that did not finish the notification), or
      // the remaining deliveries wait for later retries.
      const Settlement s = SummarizeDeliveries(states);
      if (s.kind == Settlement::Kind::kWaiting) {
        n.state = NotificationState::kDispatching;
        n.next_attempt_at_ms = s.next_attempt_at_ms;
      } else {
        n.state = NotificationState::kDone;
        n.outcome = s.outcome;
        n.next_attempt_at_ms = now;
      }
    }
    n.updated_at_ms = now;
    c.delivery_count = static_cast<int>(states.size());
    UpdateNotification(txn, n, lease, now);
    CountNotificationMove(txn, was, n.state);
    claimed.push_back(std::move(c));
  }
  return claimed;
}

absl::StatusOr<RecordResult> RecordOutcomesInTxn(WriteTxn& txn,
                                                 const std::vector<DeliveryOutcome>& outcomes,
                                                 int64_t now_ms) {
  RecordResult result;
  std::vector<Touched> touched;  // notifications, in first-seen order
  for (const DeliveryOutcome& o : outcomes) {
    const int64_t next_attempt_at =
        o.state == DeliveryState::kRetryWait ? o.next_attempt_at_ms : now_ms;
    {
      CachedStatement settle = txn.Statement(kSettle);
      settle->bind(1, o.delivery_id);
      settle->bind(2, DeliveryStateName(o.state));
      settle->bind(3, o.attempt ? 1 : 0);
      settle->bind(4, next_attempt_at);
      BindTextOrNull(*settle, 5, o.provider_message_id);
      settle->bind(6, o.http_status);
      BindTextOrNull(*settle, 7, o.reason);
      settle->bind(8, now_ms);
      settle->bind(9, o.attempt ? o.attempt->started_at_ms : 0);
      settle->bind(10, o.attempt ? o.attempt->ended_at_ms : 0);
      BindTextOrNull(*settle, 11, o.attempt ? o.attempt->reason : std::string());
      // Bound without a copy: it outlives the exec, and the cached statement drops its bindings
      // when `settle` goes out of scope.
      const std::string first_log =
          o.attempt ? FirstAttemptLog(*o.attempt, o.http_status, o.provider_message_id) : "";
      settle->bindNoCopy(12, first_log);
      if (settle->exec() == 0) continue;  // no longer 'sending': a stale outcome
    }
    CountDeliveryMove(txn, DeliveryState::kSending, o.state);
    ++result.settled;
    if (o.retire_registration && o.registration_id != 0) {
      CachedStatement retire = txn.Statement(kRetire);
      retire->bind(1, o.registration_id);
      retire->bind(2, o.retire_detail);
      retire->bind(3, now_ms);
      retire->bind(4, o.retire_unless_updated_since_ms);
      while (retire->executeStep()) {
        const std::string platform = retire->getColumn(0).getString();
        txn.Count(kRegistrationsFamily, RegistrationCounterKey(platform, true), -1);
        txn.Count(kRegistrationsFamily, RegistrationCounterKey(platform, false), 1);
        ++result.retired_registrations;
      }
    }
    auto t = std::find_if(touched.begin(), touched.end(),
                          [&](const Touched& x) { return x.notification_id == o.notification_id; });
    if (t == touched.end()) {
      t = touched.insert(touched.end(), Touched{o.notification_id, o.sibling_count, {}});
    }
    // Exactly what the settle wrote (last_reason NULL reads back as "").
    t->settled.push_back(DeliveryStateView{o.state, next_attempt_at, o.reason});
  }

  for (const Touched& t : touched) {
    const Settlement s = SummarizeDeliveries(StatesOf(txn, t));
    if (s.kind == Settlement::Kind::kInProgress) continue;
    const bool done = s.kind == Settlement::Kind::kDone;
    CachedStatement update = txn.Statement(kSettleNotification);
    update->bind(1, t.notification_id);
    update->bind(2, done ? "done" : "dispatching");
    BindTextOrNull(*update, 3, done ? NotificationOutcomeName(s.outcome) : "");
    update->bind(4, done ? now_ms : s.next_attempt_at_ms);
    update->bind(5, now_ms);
    if (update->exec() == 0) continue;
    if (done) {
      CountNotificationMove(txn, NotificationState::kDispatching, NotificationState::kDone);
      ++result.finished_notifications;
    } else if (result.earliest_retry_at_ms == 0 ||
               s.next_attempt_at_ms < result.earliest_retry_at_ms) {
      result.earliest_retry_at_ms = s.next_attempt_at_ms;
    }
  }
  return result;
}

absl::StatusOr<int> ReleaseLeasesInTxn(WriteTxn& txn, int64_t now_ms) {
  CachedStatement release = txn.Statement(kReleaseLeases);
  release->bind(1, now_ms);
  return release->exec();
}

absl::StatusOr<bool> CountDeliveriesInTxn(WriteTxn& txn) {
  for (DeliveryState s :
       {DeliveryState::kPending, DeliveryState::kSending, DeliveryState::kDelivered,
        DeliveryState::kRetryWait, DeliveryState::kFailed, DeliveryState::kSkipped}) {
    txn.Count(kDeliveriesFamily, DeliveryStateName(s), 0);  // every state shows, even at 0
  }
  CachedStatement count = txn.Statement(kCountDeliveries);
  while (count->executeStep()) {
    txn.Count(kDeliveriesFamily, count->getColumn(0).getString(), count->getColumn(1).getInt64());
  }
  return true;
}

absl::StatusOr<std::optional<NotificationDetail>> ReadNotificationDetail(StatementCache& statements,
                                                                         const std::string& app_id,
                                                                         int64_t id) {
  NotificationDetail detail;
  {
    CachedStatement select = statements.Get(kSelectNotification);
    select->bind(1, id);
    select->bind(2, app_id);
    if (!select->executeStep()) return std::optional<NotificationDetail>();
    NotificationRecord& n = detail.notification;
    n.id = Int64(*select, 0);
    n.app_id = Text(*select, 1);
    n.uid = Text(*select, 2);
    n.type = Text(*select, 3);
    n.call_action = Text(*select, 4);
    n.call_session_id = Text(*select, 5);
    n.tag = Text(*select, 6);
    n.conversation_id = Text(*select, 7);
    n.sender = Text(*select, 8);
    n.state = NotificationStateFromName(Text(*select, 9)).value_or(NotificationState::kQueued);
    n.outcome = NotificationOutcomeFromName(Text(*select, 10));
    n.received_at_ms = Int64(*select, 11);
    n.updated_at_ms = Int64(*select, 12);
    n.next_attempt_at_ms = Int64(*select, 13);
  }
  CachedStatement select = statements.Get(kSelectDeliveries);
  select->bind(1, id);
  while (select->executeStep()) {
    DeliveryRecord d;
    d.id = Int64(*select, 0);
    d.notification_id = Int64(*select, 1);
    d.registration_id = Int64(*select, 2);
    d.channel = ChannelFromName(Text(*select, 3)).value_or(Channel::kLog);
    d.state = StateOf(Text(*select, 4));
    d.attempt_count = static_cast<int>(Int64(*select, 5));
    d.next_attempt_at_ms = Int64(*select, 6);
    d.provider_message_id = Text(*select, 7);
    d.last_http_status = static_cast<int>(Int64(*select, 8));
    d.last_reason = Text(*select, 9);
    d.target_hint = Text(*select, 10);
    d.created_at_ms = Int64(*select, 11);
    d.updated_at_ms = Int64(*select, 12);
    d.hook = Text(*select, 14);
    d.received_at_ms = Int64(*select, 15);
    d.received_device_at_ms = Int64(*select, 16);
    d.opened_at_ms = Int64(*select, 17);
    d.opened_device_at_ms = Int64(*select, 18);
    const nlohmann::json log =
        nlohmann::json::parse(Text(*select, 13), nullptr, /*allow_exceptions=*/false);
    if (log.is_array()) {
      for (const nlohmann::json& e : log) {
        if (!e.is_array() || e.size() < 6) continue;
        AttemptRecord a;
        a.number = e[0].is_number() ? e[0].get<int>() : 0;
        a.started_at_ms = e[1].is_number() ? e[1].get<int64_t>() : 0;
        a.ended_at_ms = e[2].is_number() ? e[2].get<int64_t>() : 0;
        a.http_status = e[3].is_number() ? e[3].get<int>() : 0;
        a.reason = e[4].is_string() ? e[4].get<std::string>() : "";
        a.provider_message_id = e[5].is_string() ? e[5].get<std::string>() : "";
        d.attempts.push_back(std::move(a));
      }
    }
    detail.deliveries.push_back(std::move(d));
  }
  return std::optional<NotificationDetail>(std::move(detail));
}

}  // namespace pushgate::store
