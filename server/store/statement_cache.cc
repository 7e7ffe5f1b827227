#include "store/statement_cache.h"

#include <SQLiteCpp/Exception.h>

#include <utility>

namespace pushgate::store {

CachedStatement::CachedStatement(SQLite::Statement* statement, bool* in_use,
                                 std::unique_ptr<SQLite::Statement> owned)
    : statement_(statement), in_use_(in_use), owned_(std::move(owned)) {}

CachedStatement::CachedStatement(CachedStatement&& other) noexcept
    : statement_(other.statement_), in_use_(other.in_use_), owned_(std::move(other.owned_)) {
  other.statement_ = nullptr;
  other.in_use_ = nullptr;
}

CachedStatement::~CachedStatement() {
  if (statement_ == nullptr) return;
  // tryReset: reset() would throw the last step's error again, and a destructor must not.
  statement_->tryReset();
  try {
    statement_->clearBindings();  // sqlite3_clear_bindings cannot fail; this is belt and braces
  } catch (const SQLite::Exception&) {
  }
  if (in_use_ != nullptr) *in_use_ = false;
}

CachedStatement StatementCache::Get(std::string_view sql) {
  // Debian's abseil has its own string_view type (built as C++14), hence the conversion.
  auto it = entries_.find(absl::string_view(sql.data(), sql.size()));
  if (it == entries_.end()) {
    auto entry = std::make_unique<Entry>();
    entry->statement = std::make_unique<SQLite::Statement>(db_, std::string(sql));
    it = entries_.emplace(std::string(sql), std::move(entry)).first;
  }
  Entry& entry = *it->second;
  if (entry.in_use) {
    auto one_off = std::make_unique<SQLite::Statement>(db_, std::string(sql));
    SQLite::Statement* raw = one_off.get();
    return CachedStatement(raw, nullptr, std::move(one_off));
  }
  entry.in_use = true;
  return CachedStatement(entry.statement.get(), &entry.in_use, nullptr);
}

}  // namespace pushgate::store
