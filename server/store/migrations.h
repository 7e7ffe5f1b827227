// Schema migrations: migrations/NNNN_name.sql, embedded at build time, applied in order at
// start-up inside one transaction each; the version is recorded in `PRAGMA user_version`.
#ifndef PUSHGATE_STORE_MIGRATIONS_H_
#define PUSHGATE_STORE_MIGRATIONS_H_

#include <string>
#include <vector>

namespace pushgate::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

// From migrations/*.sql (generated: cmake/write_migrations.cmake).
const std::vector<Migration>& EmbeddedMigrations();

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_MIGRATIONS_H_
