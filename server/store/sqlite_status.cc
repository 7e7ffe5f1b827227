#include "store/sqlite_status.h"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace pushgate::store {

bool IsEnvironmentalSqliteError(int result_code) {
  switch (result_code & 0xff) {
    case SQLITE_FULL:    // disk full, or PRAGMA max_page_count reached
    case SQLITE_IOERR:   // includes fsync failures
    case SQLITE_BUSY:    // another process holds the write lock past busy_timeout
    case SQLITE_LOCKED:  // shared-cache lock (should not happen; treat as transient)
    case SQLITE_NOMEM:
    case SQLITE_READONLY:  // file became read-only under us
    case SQLITE_CANTOPEN:  // the WAL or journal could not be opened
    case SQLITE_PROTOCOL:  // WAL lock protocol race
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_INTERRUPT:
      return true;
    default:
      return false;
  }
}

absl::Status DatabaseUnavailable(int result_code) {
  return absl::UnavailableError(
      absl::StrCat("database unavailable: ", sqlite3_errstr(result_code & 0xff)));
}

absl::Status StatusFromException(const std::exception& e) {
  if (const auto* sqlite_error = dynamic_cast<const SQLite::Exception*>(&e)) {
    const int code = sqlite_error->getErrorCode();
    if (IsEnvironmentalSqliteError(code)) return DatabaseUnavailable(code);
    if (code > 0)
      return absl::InternalError(absl::StrCat("database error: ", sqlite3_errstr(code)));
  }
  return absl::InternalError("database error");
}

}  // namespace pushgate::store
