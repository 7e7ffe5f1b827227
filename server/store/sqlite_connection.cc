#include "store/sqlite_connection.h"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "store/sqlite_status.h"

namespace pushgate::store {
namespace {

// Readers keep a smaller cache: they see mostly the hot pages, and there are several of them.
constexpr int64_t kReaderCacheKib = 8 * 1024;

int64_t PageSize(SQLite::Database& db) {
  SQLite::Statement query(db, "PRAGMA page_size");
  query.executeStep();
  return query.getColumn(0).getInt64();
}

void ApplyWriterPragmas(SQLite::Database& db, const ConnectionSettings& settings) {
  // WAL: readers never block the writer and a commit is one sequential append (+ fsync).
  SQLite::Statement journal(db, "PRAGMA journal_mode = WAL");
  journal.executeStep();
  if (journal.getColumn(0).getString() != "wal") {
    throw SQLite::Exception("the database refused journal_mode=WAL", SQLITE_CANTOPEN);
  }
  // Checkpoints run on their own connection (wal_checkpointer.h): a commit never pays for one.
  db.exec("PRAGMA wal_autocheckpoint = 0");
  // When the WAL starts over, SQLite truncates the file to this size. Truncating below the
  // size the WAL regrows to under load makes every restart re-allocate the file's blocks
  // (measured: ext4 block allocation in the writer's profile), so the limit sits above what
  // the checkpointer lets the WAL reach; an idle store truncates it to zero anyway.
  db.exec("PRAGMA journal_size_limit = 536870912");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA temp_store = MEMORY");
  if (settings.max_db_bytes > 0) {
    // SQLite answers SQLITE_FULL past this page count, exactly as on a full disk, and never
    // lowers it below the pages already in use.
    const int64_t pages = std::max<int64_t>(1, settings.max_db_bytes / PageSize(db));
    db.exec(absl::StrCat("PRAGMA max_page_count = ", pages));
  }
}

// SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50... ms between tries, so
// a lock held for 30 ms costs the waiter up to 53 ms. The writer waits on the checkpointer's
// brief RESTART/TRUNCATE holds, and every millisecond of that is webhook latency: poll every
// millisecond instead, for the same total timeout (carried in the handler's pointer argument).
int PollEveryMillisecond(void* timeout_ms, int tries) {
  if (tries >= static_cast<int>(reinterpret_cast<intptr_t>(timeout_ms))) return 0;  // give up
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

}  // namespace

absl::Status CreateDatabaseFileIfMissing(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return absl::OkStatus();
  }
  if (errno == EEXIST) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("cannot create database file ", path, ": ", std::strerror(errno)));
}

void ConfigureSqliteLibraryOnce() {
  static const bool configured = [] {
    // SQLite's allocation statistics take a process-wide mutex on every malloc and free; the
    // writer allocates per row, and nothing here reads the statistics. Only possible before
    // SQLite initializes; if something initialized it first, this is a harmless no-op.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

absl::StatusOr<std::unique_ptr<SQLite::Database>> OpenConnection(const ConnectionSettings& settings,
                                                                 ConnectionRole role) {
  ConfigureSqliteLibraryOnce();
  // NOMUTEX: each connection is used by one thread at a time (the writer's thread, the
  // checkpointer's, or whoever leased a reader), so SQLite's per-call mutex is pure cost.
  const int flags =
      (role == ConnectionRole::kReader ? SQLite::OPEN_READONLY
                                       : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) |
      SQLite::OPEN_NOMUTEX;
  try {
    auto db = std::make_unique<SQLite::Database>(settings.path, flags);
    sqlite3_busy_handler(db->getHandle(), &PollEveryMillisecond,
                         reinterpret_cast<void*>(static_cast<intptr_t>(settings.busy_timeout_ms)));
    db->exec(settings.synchronous_full ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL");
    const int64_t cache_kib = role == ConnectionRole::kReader
                                  ? std::min(kReaderCacheKib, settings.cache_size_kib)
                              : role == ConnectionRole::kCheckpointer ? 2048
                                                                      : settings.cache_size_kib;
    // Negative: the size in KiB rather than in pages.
    db->exec(absl::StrCat("PRAGMA cache_size = -", cache_kib));
    switch (role) {
      case ConnectionRole::kWriter:
        ApplyWriterPragmas(*db, settings);
        break;
      case ConnectionRole::kCheckpointer:
        db->exec("PRAGMA wal_autocheckpoint = 0");
        break;
      case ConnectionRole::kReader:
        db->exec("PRAGMA query_only = ON");
        break;
    }
    return db;
  } catch (const SQLite::Exception& e) {
    if (IsEnvironmentalSqliteError(e.getErrorCode())) {
      return absl::UnavailableError(absl::StrCat("cannot open database ", settings.path, ": ",
                                                 sqlite3_errstr(e.getErrorCode() & 0xff)));
    }
    return absl::InternalError(
        absl::StrCat("cannot open database ", settings.path, ": ", e.what()));
  }
}

}  // namespace pushgate::store
