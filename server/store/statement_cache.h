// Prepared statements kept per connection, so that a hot statement is compiled once and then
// only re-bound and re-run (compiling the ingest INSERT costs more than running it).
#ifndef PUSHGATE_STORE_STATEMENT_CACHE_H_
#define PUSHGATE_STORE_STATEMENT_CACHE_H_

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace pushgate::store {

// A statement borrowed from the cache. When it goes out of scope the statement is reset and its
// bindings cleared, so no borrowed text outlives the call and the next user starts clean.
class CachedStatement {
 public:
  CachedStatement(CachedStatement&& other) noexcept;
  CachedStatement& operator=(CachedStatement&&) = delete;
  CachedStatement(const CachedStatement&) = delete;
  ~CachedStatement();

  SQLite::Statement& operator*() { return *statement_; }
  SQLite::Statement* operator->() { return statement_; }

 private:
  friend class StatementCache;
  CachedStatement(SQLite::Statement* statement, bool* in_use,
                  std::unique_ptr<SQLite::Statement> owned);

  SQLite::Statement* statement_;
  bool* in_use_;                              // the cache's flag; null for a one-off statement
  std::unique_ptr<SQLite::Statement> owned_;  // set when the cached one was already borrowed
};

// Not thread-safe: it belongs to one connection, which one thread uses at a time.
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}

  // The statement for `sql`, compiled on first use. If the same SQL is still borrowed (a nested
  // use), a one-off statement is compiled instead of corrupting the borrowed one.
  // Throws SQLite::Exception when the SQL does not compile.
  CachedStatement Get(std::string_view sql);

  SQLite::Database& db() { return db_; }

 private:
  struct Entry {
    std::unique_ptr<SQLite::Statement> statement;
    bool in_use = false;
  };
  SQLite::Database& db_;
  // Entries by pointer: a borrowed statement points at its entry's flag, and a rehash caused by
  // a nested Get of new SQL must not move it.
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_STATEMENT_CACHE_H_
