#include "store/status_sql.h"

#include <SQLiteCpp/Statement.h>

#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "store/store_counters.h"
#include "store/types.h"

namespace pushgate::store {
namespace {

constexpr char kNotificationColumns[] =
    "id, app_id, uid, type, call_action, call_session_id, tag, conversation_id, sender, state, "
    "outcome, received_at, updated_at, next_attempt_at";

std::string Text(SQLite::Statement& s, int column) {
  SQLite::Column c = s.getColumn(column);
  return c.isNull() ? std::string() : c.getString();
}

int64_t Int64(SQLite::Statement& s, int column) {
  SQLite::Column c = s.getColumn(column);
  return c.isNull() ? 0 : c.getInt64();
}

// The columns of kNotificationColumns, in that order.
NotificationRecord ReadNotification(SQLite::Statement& s) {
  NotificationRecord n;
  n.id = Int64(s, 0);
  n.app_id = Text(s, 1);
  n.uid = Text(s, 2);
  n.type = Text(s, 3);
  n.call_action = Text(s, 4);
  n.call_session_id = Text(s, 5);
  n.tag = Text(s, 6);
  n.conversation_id = Text(s, 7);
  n.sender = Text(s, 8);
  n.state = NotificationStateFromName(Text(s, 9)).value_or(NotificationState::kQueued);
  n.outcome = NotificationOutcomeFromName(Text(s, 10));
  n.received_at_ms = Int64(s, 11);
  n.updated_at_ms = Int64(s, 12);
  n.next_attempt_at_ms = Int64(s, 13);
  return n;
}

// The SQL text depends only on which filters are set (a bounded set of shapes), so each shape
// is prepared once per connection by the statement cache, and the planner can pick the index
// that fits (app_id+uid, app_id+received_at) instead of a catch-all "? = '' OR ..." that fits
// none. Parameters are anonymous '?': SQLite numbers them in order of appearance.
struct Filter {
  std::string sql;
  std::vector<std::function<void(SQLite::Statement&, int)>> binds;

  void Text(const char* condition, std::string value) {
    absl::StrAppend(&sql, " AND ", condition);
    binds.push_back([v = std::move(value)](SQLite::Statement& s, int i) { s.bind(i, v); });
  }
  void Int(const char* condition, int64_t value) {
    absl::StrAppend(&sql, " AND ", condition);
    binds.push_back([value](SQLite::Statement& s, int i) { s.bind(i, value); });
  }
  void Bind(SQLite::Statement& s) const {
    for (size_t i = 0; i < binds.size(); ++i) binds[i](s, static_cast<int>(i) + 1);
  }
};

void AddDelivery(const std::string& key, int64_t n, std::map<std::string, int64_t>& into) {
  into[key] += n;
}

// ---- redrive and retention ------------------------------------------------------------------

constexpr char kFailedOfNotification[] =
    "SELECT d.id, d.notification_id, n.state FROM deliveries d "
    "JOIN notifications n ON n.id = d.notification_id "
    "WHERE n.id = ?1 AND n.app_id = ?2 AND d.state = 'failed' AND d.updated_at < ?3 LIMIT ?4";

constexpr char kFailedSince[] =
    "SELECT d.id, d.notification_id, n.state FROM notifications n "
    "JOIN deliveries d ON d.notification_id = n.id "
    "WHERE n.app_id = ?1 AND n.received_at >= ?2 AND d.state = 'failed' AND d.updated_at < ?3 "
    "LIMIT ?4";

// Attempt budget reset: attempt_count is what the retry policy counts against max_attempts.
// The attempt log keeps the earlier attempts, and later attempts continue its numbering.
constexpr char kRedriveDelivery[] =
    "UPDATE deliveries SET state = 'pending', attempt_count = 0, next_attempt_at = ?2, "
    "updated_at = ?2 WHERE id = ?1 AND state = 'failed'";

// No lease: the engine's next claim (it walks notifications_due) takes it at once.
constexpr char kRedriveNotification[] =
    "UPDATE notifications SET state = 'dispatching', outcome = NULL, lease_until = NULL, "
    "next_attempt_at = ?2, updated_at = ?2 WHERE id = ?1";

// Ids grow in commit order and received_at is stamped at ingest, so the oldest rows are the
// lowest ids: walking the rowid from the start and stopping at the first recent row never
// scans the recent part of the table (a plain "WHERE received_at < ?" would, when nothing is
// old).
constexpr char kOldestNotifications[] =
    "SELECT id, received_at, state FROM notifications ORDER BY id LIMIT ?1";

constexpr char kDeliveryStatesOf[] =
    "SELECT state, count(*) FROM deliveries WHERE notification_id = ?1 GROUP BY state";
constexpr char kDeleteDeliveriesOf[] = "DELETE FROM deliveries WHERE notification_id = ?1";
constexpr char kDeleteNotification[] = "DELETE FROM notifications WHERE id = ?1";

constexpr char kExpiredRegistrations[] =
    "DELETE FROM registrations WHERE id IN (SELECT id FROM registrations "
    "WHERE active = 0 AND inactive_at < ?1 LIMIT ?2) RETURNING platform";

}  // namespace

absl::StatusOr<std::vector<NotificationRecord>> ReadNotificationList(StatementCache& statements,
                                                                     const NotificationQuery& q) {
  Filter f;
  f.Text("app_id = ?", q.app_id);
  if (!q.uid.empty()) f.Text("uid = ?", q.uid);
  if (q.state.has_value()) f.Text("state = ?", NotificationStateName(*q.state));
  if (!q.type.empty()) f.Text("type = ?", q.type);
  if (q.outcome.has_value()) {
    if (*q.outcome == NotificationOutcome::kNone) {
      absl::StrAppend(&f.sql, " AND outcome IS NULL");
    } else {
      f.Text("outcome = ?", NotificationOutcomeName(*q.outcome));
    }
  }
  if (q.received_from_ms > 0) f.Int("received_at >= ?", q.received_from_ms);
  if (q.received_until_ms > 0) f.Int("received_at < ?", q.received_until_ms);
  if (q.before_id > 0) f.Int("id < ?", q.before_id);
  // Without statistics the planner may pick another index (the app's updated_at
  // index) and then sort every matching row for each page; walking an (app_id[, uid], id)
  // index backwards stops after `limit` rows instead. A time range is narrow enough to sort.
  const char* index = "";
  if (!q.uid.empty()) {
    index = " INDEXED BY notifications_app_uid";
  } else if (q.received_from_ms == 0 && q.received_until_ms == 0) {
    index = " INDEXED BY notifications_app";
  }
  const std::string sql = absl::StrCat("SELECT ", kNotificationColumns, " FROM notifications",
                                       index, " WHERE 1", f.sql, " ORDER BY id DESC LIMIT ?");
  CachedStatement select = statements.Get(sql);
  f.Bind(*select);
  select->bind(static_cast<int>(f.binds.size()) + 1, q.limit);
  std::vector<NotificationRecord> out;
  while (select->executeStep()) out.push_back(ReadNotification(*select));
  return out;
}

absl::StatusOr<StatusStats> ReadStatusStats(StatementCache& statements, const std::string& app_id,
                                            int64_t since_ms) {
  StatusStats stats;
  for (NotificationState s :
       {NotificationState::kQueued, NotificationState::kDispatching, NotificationState::kDone}) {
    stats.notifications_by_state[NotificationStateName(s)] = 0;  // every state shows, even at 0
  }
  {
    CachedStatement q = statements.Get(
        "SELECT state, count(*) FROM notifications WHERE app_id = ?1 AND received_at >= ?2 "
        "GROUP BY state");
    q->bind(1, app_id);
    q->bind(2, since_ms);
    while (q->executeStep()) stats.notifications_by_state[Text(*q, 0)] = Int64(*q, 1);
  }
  {
    CachedStatement q = statements.Get(
        "SELECT d.state, d.channel, COALESCE(d.last_reason, ''), count(*) FROM notifications n "
        "JOIN deliveries d ON d.notification_id = n.id "
        "WHERE n.app_id = ?1 AND n.received_at >= ?2 GROUP BY 1, 2, 3");
    q->bind(1, app_id);
    q->bind(2, since_ms);
    while (q->executeStep()) {
      const int64_t n = Int64(*q, 3);
      AddDelivery(Text(*q, 0), n, stats.deliveries_by_state);
      AddDelivery(Text(*q, 1), n, stats.deliveries_by_channel);
      AddDelivery(Text(*q, 2), n, stats.deliveries_by_reason);
    }
  }
  {
    // Through notifications_due (WHERE state != 'done'): only the live part of the queue.
    CachedStatement q = statements.Get(
        "SELECT count(*), min(CASE WHEN state = 'queued' OR lease_until IS NULL "
        "THEN received_at END) FROM notifications WHERE state != 'done' AND app_id = ?1");
    q->bind(1, app_id);
    if (q->executeStep()) {
      stats.queue_depth = Int64(*q, 0);
      stats.oldest_waiting_received_ms = Int64(*q, 1);
    }
  }
  return stats;
}

absl::StatusOr<int64_t> ReadOldestWaitingReceivedMs(StatementCache& statements) {
  // The same "waiting" as ReadStatusStats, through notifications_due (WHERE state != 'done').
  CachedStatement q = statements.Get(
      "SELECT min(CASE WHEN state = 'queued' OR lease_until IS NULL THEN received_at END) "
      "FROM notifications WHERE state != 'done'");
  if (!q->executeStep()) return 0;
  return Int64(*q, 0);
}

absl::StatusOr<std::vector<NotificationChange>> ReadChangesSince(StatementCache& statements,
                                                                 const std::string& app_id,
                                                                 const std::string& uid,
                                                                 ChangeCursor after, int limit) {
  Filter f;
  f.Text("app_id = ?", app_id);
  f.Int("updated_at >= ?", after.updated_at_ms);
  if (!uid.empty()) f.Text("uid = ?", uid);
  const std::string sql =
      absl::StrCat("SELECT ", kNotificationColumns, " FROM notifications WHERE 1", f.sql,
                   " ORDER BY updated_at, id LIMIT ?");
  CachedStatement select = statements.Get(sql);
  f.Bind(*select);
  select->bind(static_cast<int>(f.binds.size()) + 1, limit);
  std::vector<NotificationChange> out;
  while (select->executeStep()) {
    NotificationRecord n = ReadNotification(*select);
    // (updated_at, id) strictly after the cursor; the SQL's >= keeps the index range simple.
    if (n.updated_at_ms == after.updated_at_ms && n.id <= after.id) continue;
    NotificationChange change;
    change.notification = std::move(n);
    out.push_back(std::move(change));
  }
  for (NotificationChange& c : out) {
    CachedStatement d = statements.Get(
        "SELECT id, registration_id, channel, state, attempt_count, next_attempt_at, "
        "provider_message_id, last_http_status, last_reason, target_hint, created_at, updated_at "
        "FROM deliveries WHERE notification_id = ?1 AND updated_at > ?2 ORDER BY id");
    d->bind(1, c.notification.id);
    d->bind(2, after.updated_at_ms);
    while (d->executeStep()) {
      DeliveryRecord r;
      r.id = Int64(*d, 0);
      r.notification_id = c.notification.id;
      r.registration_id = Int64(*d, 1);
      r.channel = ChannelFromName(Text(*d, 2)).value_or(Channel::kLog);
      r.state = DeliveryStateFromName(Text(*d, 3)).value_or(DeliveryState::kPending);
      r.attempt_count = static_cast<int>(Int64(*d, 4));
      r.next_attempt_at_ms = Int64(*d, 5);
      r.provider_message_id = Text(*d, 6);
      r.last_http_status = static_cast<int>(Int64(*d, 7));
      r.last_reason = Text(*d, 8);
      r.target_hint = Text(*d, 9);
      r.created_at_ms = Int64(*d, 10);
      r.updated_at_ms = Int64(*d, 11);
      c.deliveries.push_back(std::move(r));
    }
  }
  return out;
}

absl::StatusOr<ChangeCursor> ReadLatestChange(StatementCache& statements,
                                              const std::string& app_id) {
  CachedStatement q = statements.Get(
      "SELECT updated_at, id FROM notifications WHERE app_id = ?1 "
      "ORDER BY updated_at DESC, id DESC LIMIT 1");
  q->bind(1, app_id);
  ChangeCursor c;
  if (q->executeStep()) {
    c.updated_at_ms = Int64(*q, 0);
    c.id = Int64(*q, 1);
  }
  return c;
}

absl::StatusOr<int> RedriveInTxn(WriteTxn& txn, const RedriveScope& scope, int64_t now_ms,
                                 int limit) {
  struct Row {
    int64_t delivery_id;
    int64_t notification_id;
    std::string notification_state;
  };
  std::vector<Row> rows;
  {
    CachedStatement select =
        txn.Statement(scope.notification_id > 0 ? kFailedOfNotification : kFailedSince);
    if (scope.notification_id > 0) {
      select->bind(1, scope.notification_id);
      select->bind(2, scope.app_id);
    } else {
      select->bind(1, scope.app_id);
      select->bind(2, scope.since_ms);
    }
    // Failed before this redrive began: a delivery it redrove that failed again meanwhile
    // (updated_at >= now_ms) is not taken a second time by a later batch.
    select->bind(3, now_ms);
    select->bind(4, limit);
    while (select->executeStep()) {
      rows.push_back(Row{Int64(*select, 0), Int64(*select, 1), Text(*select, 2)});
    }
  }
  int redriven = 0;
  std::map<int64_t, std::string> notifications;  // id -> state before
  for (const Row& r : rows) {
    CachedStatement update = txn.Statement(kRedriveDelivery);
    update->bind(1, r.delivery_id);
    update->bind(2, now_ms);
    if (update->exec() == 0) continue;
    ++redriven;
    txn.Count(kDeliveriesFamily, DeliveryStateName(DeliveryState::kFailed), -1);
    txn.Count(kDeliveriesFamily, DeliveryStateName(DeliveryState::kPending), 1);
    notifications.emplace(r.notification_id, r.notification_state);
  }
  for (const auto& [id, state] : notifications) {
    CachedStatement update = txn.Statement(kRedriveNotification);
    update->bind(1, id);
    update->bind(2, now_ms);
    update->exec();
    const char* dispatching = NotificationStateName(NotificationState::kDispatching);
    if (state != dispatching) {
      txn.Count(kNotificationsFamily, state, -1);
      txn.Count(kNotificationsFamily, dispatching, 1);
    }
  }
  return redriven;
}

absl::StatusOr<RetentionBatch> DeleteExpiredInTxn(WriteTxn& txn, int64_t notifications_before_ms,
                                                  int64_t registrations_before_ms, int limit) {
  RetentionBatch batch;
  if (notifications_before_ms > 0) {
    std::vector<std::pair<int64_t, std::string>> old;  // id, state
    {
      CachedStatement select = txn.Statement(kOldestNotifications);
      select->bind(1, limit);
      while (select->executeStep()) {
        if (Int64(*select, 1) >= notifications_before_ms) break;
        old.emplace_back(Int64(*select, 0), Text(*select, 2));
      }
    }
    for (const auto& [id, state] : old) {
      {
        CachedStatement states = txn.Statement(kDeliveryStatesOf);
        states->bind(1, id);
        while (states->executeStep()) {
          txn.Count(kDeliveriesFamily, Text(*states, 0), -Int64(*states, 1));
        }
      }
      {
        CachedStatement del = txn.Statement(kDeleteDeliveriesOf);
        del->bind(1, id);
        batch.deliveries_deleted += del->exec();
      }
      CachedStatement del = txn.Statement(kDeleteNotification);
      del->bind(1, id);
      if (del->exec() > 0) {
        ++batch.notifications_deleted;
        txn.Count(kNotificationsFamily, state, -1);
      }
    }
  }
  if (registrations_before_ms > 0) {
    CachedStatement del = txn.Statement(kExpiredRegistrations);
    del->bind(1, registrations_before_ms);
    del->bind(2, limit);
    while (del->executeStep()) {
      ++batch.registrations_deleted;
      txn.Count(kRegistrationsFamily, RegistrationCounterKey(Text(*del, 0), false), -1);
    }
  }
  return batch;
}

}  // namespace pushgate::store
