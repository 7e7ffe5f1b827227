// Turning SQLite failures into absl::Status. Messages carry SQLite's generic text for the
// result code ("database or disk is full"), never sqlite3_errmsg(): that can quote schema text,
// and nothing that reaches a client may contain SQL or payload.
#ifndef PUSHGATE_STORE_SQLITE_STATUS_H_
#define PUSHGATE_STORE_SQLITE_STATUS_H_

#include <exception>

#include "absl/status/status.h"

namespace pushgate::store {

// True for failures of the database as a whole (disk full, I/O error, locked by someone else,
// page cap reached, ...): retrying later may succeed, and no single request is to blame.
bool IsEnvironmentalSqliteError(int result_code);

// UNAVAILABLE "database unavailable: <generic text for the code>".
absl::Status DatabaseUnavailable(int result_code);

// Maps an exception thrown while running SQL: environmental SQLite errors → UNAVAILABLE,
// other SQLite errors (constraints, misuse) → INTERNAL, anything else → INTERNAL.
absl::Status StatusFromException(const std::exception& e);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_SQLITE_STATUS_H_
