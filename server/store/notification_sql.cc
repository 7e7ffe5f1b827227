#include "store/notification_sql.h"

#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include "store/store_counters.h"

namespace pushgate::store {
namespace {

// ON CONFLICT DO NOTHING: the index probe that enforces the dedupe key is the same one that
// detects a duplicate, so the common case (a new payload) is one statement and one index
// descent, and a duplicate costs no write at all. The new id comes from sqlite3_changes() and
// sqlite3_last_insert_rowid() rather than RETURNING, which buffers its rows in an ephemeral
// table: measured 1 us of the writer's ~13 us per row.
constexpr char kInsert[] =
    "INSERT INTO notifications (app_id, uid, type, call_action, call_session_id, tag, "
    "conversation_id, sender, dedupe_hash, payload, received_at, state, next_attempt_at, "
    "updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'queued', ?11, ?11) "
    "ON CONFLICT DO NOTHING";

constexpr char kFindHolder[] = "SELECT id, received_at FROM notifications WHERE dedupe_hash = ?1";

constexpr char kReleaseHash[] = "UPDATE notifications SET dedupe_hash = NULL WHERE id = ?1";

void BindOptional(SQLite::Statement& s, int index, const std::string& value) {
  if (value.empty()) {
    s.bind(index);
  } else {
    s.bindNoCopy(index, value);
  }
}

// Returns the new row's id, or 0 when the dedupe hash is taken.
int64_t TryInsert(WriteTxn& txn, const NewNotification& n) {
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
  if (insert->exec() == 0) return 0;  // the dedupe hash is taken
  return sqlite3_last_insert_rowid(txn.db().getHandle());
}

}  // namespace

absl::StatusOr<IngestResult> IngestNotificationInTxn(WriteTxn& txn, const NewNotification& n,
                                                     int64_t dedupe_window_ms) {
  int64_t id = TryInsert(txn, n);
  if (id != 0) {
    txn.Count(kNotificationsFamily, "queued", 1);
    return IngestResult{id, false};
  }
  // The hash is taken (only possible with a non-zero hash). Earlier rows of this same batch
  // are visible here: the batch is one transaction and runs in order.
  int64_t holder = 0;
  int64_t holder_received_at = 0;
  {
    CachedStatement find = txn.Statement(kFindHolder);
    find->bind(1, n.dedupe_hash);
    if (!find->executeStep()) return absl::InternalError("dedupe conflict without a holder");
    holder = find->getColumn(0).getInt64();
    holder_received_at = find->getColumn(1).getInt64();
  }
  // A copy that arrives "earlier" than the stored one (clock steps) counts as within the window.
  if (n.received_at_ms - holder_received_at < dedupe_window_ms) {
    return IngestResult{holder, true};
  }
  // The same payload again after the window: a new notification. Two writes from here on, so
  // they must stand or fall together.
  txn.OpenSavepoint();
  {
    CachedStatement release = txn.Statement(kReleaseHash);
    release->bind(1, holder);
    release->exec();
  }
  id = TryInsert(txn, n);
  if (id == 0) return absl::InternalError("dedupe hash still taken after release");
  txn.Count(kNotificationsFamily, "queued", 1);
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
