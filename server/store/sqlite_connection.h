// Opening SQLite connections with the settings each role needs. All of pushgate's connections
// to one database are opened here, so the pragmas that must agree (synchronous, WAL) cannot
// drift apart.
#ifndef PUSHGATE_STORE_SQLITE_CONNECTION_H_
#define PUSHGATE_STORE_SQLITE_CONNECTION_H_

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace pushgate::store {

enum class ConnectionRole {
  kWriter,        // the only connection that writes rows; creates the file and sets WAL
  kCheckpointer,  // copies the WAL back into the database file, off the writer's path
  kReader,        // read-only queries beside the writer
};

struct ConnectionSettings {
  std::string path;
  bool synchronous_full = true;  // FULL: a commit survives power loss; NORMAL: a crash only
  int busy_timeout_ms = 500;
  // The writer's page cache. Not larger by default: SQLite 3.40 (Debian 12) walks the whole
  // cache at every commit whose B-tree balancing swapped two pages' numbers (it parks one at
  // the locking page's number, far past the end of the file), and the writer's index splits do
  // that a hundred times a second under load: 12 % of the writer's CPU in a drain at 64 MiB,
  // 3 % at 16 MiB (docs/BENCHMARKS.md "Store writer: the page cache walk").
  int64_t cache_size_kib = 16'384;
  int64_t max_db_bytes = 0;  // writer only; 0 = unlimited
};

// Creates the file with mode 0600 when it does not exist yet (SQLite would use 0644, and the
// database holds device tokens), so the WAL and shm files SQLite derives from it are 0600 too.
absl::Status CreateDatabaseFileIfMissing(const std::string& path);

// Process-wide SQLite settings, applied before the first connection opens.
void ConfigureSqliteLibraryOnce();

absl::StatusOr<std::unique_ptr<SQLite::Database>> OpenConnection(const ConnectionSettings& settings,
                                                                 ConnectionRole role);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_SQLITE_CONNECTION_H_
