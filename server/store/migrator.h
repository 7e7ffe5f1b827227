// Brings a database's schema up to the newest migration this binary carries. The version lives
// in `PRAGMA user_version`; each migration runs in its own transaction together with the
// version bump, so a failing migration leaves the database exactly at the previous version.
#ifndef PUSHGATE_STORE_MIGRATOR_H_
#define PUSHGATE_STORE_MIGRATOR_H_

#include <SQLiteCpp/Database.h>

#include <vector>

#include "absl/status/statusor.h"
#include "store/migrations.h"

namespace pushgate::store {

// The database's current schema version (0 for a new file).
absl::StatusOr<int> SchemaVersion(SQLite::Database& db);

// Applies, in version order, every migration newer than the database's version and returns
// the version reached. Errors:
//   FAILED_PRECONDITION  the database is newer than the newest migration given (a newer
//                        pushgate wrote it; running old code on it could corrupt it);
//   INTERNAL             the migration list is malformed, or a migration failed (rolled back;
//                        the message names the migration);
//   UNAVAILABLE          the database is locked or unwritable.
absl::StatusOr<int> ApplyMigrations(SQLite::Database& db, const std::vector<Migration>& migrations);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_MIGRATOR_H_
