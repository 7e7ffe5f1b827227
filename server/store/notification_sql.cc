#include "store/notification_sql.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <optional>

#include "store/store_counters.h"

namespace pushgate::store {
namespace {

constexpr char kInsert[] =
    "INSERT INTO notifications (app_id, uid, type, call_action, call_session_id, tag, "
    "conversation_id, sender, dedupe_hash, payload, received_at, state, next_attempt_at, "
    "updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'queued', ?11, ?11)";

// The in-memory set is a hint (see recent_dedupe_keys.h): the row it names must still exist and
// still carry the key. A rowid lookup, and only for a payload seen within the window.
constexpr char kHoldsKey[] = "SELECT 1 FROM notifications WHERE id = ?1 AND dedupe_hash = ?2";

void BindOptional(SQLite::Statement& s, int index, const std::string& value) {
  if (value.empty()) {
    s.bind(index);
  } else {
    s.bindNoCopy(index, value);
  }
}

int64_t Insert(WriteTxn& txn, const NewNotification& n) {
  CachedStatement insert = txn.Statement(kInsert);
  // bindNoCopy: `n` outlives the statement's use, and copying a kilobyte of payload per row
  // into SQLite's binding is measurable on this path. The cached statement's bindings are
  // cleared when `insert` goes out of scope.
  insert->bindNoCopy(1, n.app_id);
  insert->bindNoCopy(2, n.uid);
  insert->bindNoCopy(3, n.type);
  BindOptional(*insert, 4, n.call_action);
  BindOptional(*insert, 5, n.call_session_id);
  BindOptional(*insert, 6, n.tag);
  BindOptional(*insert, 7, n.conversation_id);
  BindOptional(*insert, 8, n.sender);
  if (n.dedupe_hash == 0) {
    insert->bind(9);
  } else {
    insert->bind(9, n.dedupe_hash);
  }
  insert->bindNoCopy(10, n.payload);
  insert->bind(11, n.received_at_ms);
  insert->exec();
  // sqlite3_last_insert_rowid() rather than RETURNING, which buffers its rows in an ephemeral
  // table: measured 1 us of the writer's ~13 us per row.
  return sqlite3_last_insert_rowid(txn.db().getHandle());
}

bool StillHoldsKey(WriteTxn& txn, int64_t id, int64_t hash) {
  CachedStatement holds = txn.Statement(kHoldsKey);
  holds->bind(1, id);
  holds->bind(2, hash);
  return holds->executeStep();
}

}  // namespace

absl::StatusOr<IngestResult> IngestNotificationInTxn(WriteTxn& txn, const NewNotification& n,
                                                     RecentDedupeKeys& recent) {
  if (n.dedupe_hash != 0) {
    // Earlier rows of this same batch are in the set too: the batch runs in order.
    std::optional<RecentDedupeKeys::Holder> holder = recent.Find(n.dedupe_hash);
    // A copy that arrives "earlier" than the stored one (clock steps) counts as within the
    // window.
    if (holder.has_value() && n.received_at_ms - holder->received_at_ms < recent.window_ms() &&
        StillHoldsKey(txn, holder->id, n.dedupe_hash)) {
      return IngestResult{holder->id, true};
    }
  }
  const int64_t id = Insert(txn, n);
  txn.Count(kNotificationsFamily, "queued", 1);
  // Remembered before the batch commits: if it rolls back instead, StillHoldsKey catches it.
  if (n.dedupe_hash != 0) recent.Remember(n.dedupe_hash, id, n.received_at_ms);
  return IngestResult{id, false};
}

void ProbeNotificationSpaceInTxn(WriteTxn& txn) {
  SQLite::Database& db = txn.db();
  db.exec("SAVEPOINT probe");
  try {
    db.exec(
        "INSERT INTO notifications (app_id, uid, type, payload, received_at, next_attempt_at, "
        "updated_at) VALUES ('', '', 'chat', "
        "printf('%.*c', (SELECT page_size FROM pragma_page_size), 'x'), 0, 0, 0)");
  } catch (...) {
    db.tryExec("ROLLBACK TO probe");
    db.tryExec("RELEASE probe");
    throw;
  }
  db.exec("ROLLBACK TO probe");
  db.exec("RELEASE probe");
}

}  // namespace pushgate::store
