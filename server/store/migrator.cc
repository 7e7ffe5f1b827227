#include "store/migrator.h"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "store/sqlite_status.h"

namespace pushgate::store {
namespace {

absl::Status CheckWellFormed(const std::vector<const Migration*>& sorted) {
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i]->version <= 0) {
      return absl::InternalError(absl::StrCat("migration ", sorted[i]->name, " has no version"));
    }
    if (i > 0 && sorted[i]->version == sorted[i - 1]->version) {
      return absl::InternalError(absl::StrCat("migrations ", sorted[i - 1]->name, " and ",
                                              sorted[i]->name, " share a version"));
    }
  }
  return absl::OkStatus();
}

// One migration and its version bump, all or nothing.
absl::Status ApplyOne(SQLite::Database& db, const Migration& migration) {
  // IMMEDIATE: take the write lock up front so a concurrent writer makes us fail before any
  // statement ran, with a clear "locked" rather than half-way.
  const int begin = db.tryExec("BEGIN IMMEDIATE");
  if (begin != SQLITE_OK) return DatabaseUnavailable(begin);
  try {
    db.exec(migration.sql);
    db.exec(absl::StrCat("PRAGMA user_version = ", migration.version));
    db.exec("COMMIT");
  } catch (const SQLite::Exception& e) {
    if (!sqlite3_get_autocommit(db.getHandle())) db.tryExec("ROLLBACK");
    if (IsEnvironmentalSqliteError(e.getErrorCode())) return DatabaseUnavailable(e.getErrorCode());
    // The message is SQLite's own (e.g. `near "TABLEX": syntax error`): it is about our schema,
    // never about user data, and the operator needs it to fix the file.
    return absl::InternalError(
        absl::StrCat("migration ", migration.name, " failed and was rolled back: ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> SchemaVersion(SQLite::Database& db) {
  try {
    SQLite::Statement query(db, "PRAGMA user_version");
    if (!query.executeStep()) return absl::InternalError("PRAGMA user_version returned no row");
    return query.getColumn(0).getInt();
  } catch (const SQLite::Exception& e) {
    return StatusFromException(e);
  }
}

absl::StatusOr<int> ApplyMigrations(SQLite::Database& db,
                                    const std::vector<Migration>& migrations) {
  std::vector<const Migration*> sorted;
  sorted.reserve(migrations.size());
  for (const Migration& m : migrations) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  if (absl::Status s = CheckWellFormed(sorted); !s.ok()) return s;
  const int newest_known = sorted.empty() ? 0 : sorted.back()->version;

  absl::StatusOr<int> current = SchemaVersion(db);
  if (!current.ok()) return current.status();
  if (*current > newest_known) {
    return absl::FailedPreconditionError(absl::StrCat(
        "database schema version ", *current, " is newer than this pushgate supports (",
        newest_known, "); upgrade pushgate or use another data_dir"));
  }

  int version = *current;
  for (const Migration* m : sorted) {
    if (m->version <= version) continue;
    if (absl::Status s = ApplyOne(db, *m); !s.ok()) return s;
    LogInfo("store_migration_applied",
            {{"migration", m->name}, {"version", std::to_string(m->version)}});
    version = m->version;
  }
  return version;
}

}  // namespace pushgate::store
