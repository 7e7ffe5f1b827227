#include "store/recent_dedupe_keys.h"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "store/sqlite_status.h"

namespace pushgate::store {

std::optional<RecentDedupeKeys::Holder> RecentDedupeKeys::Find(int64_t hash) const {
  auto it = holders_.find(hash);
  if (it == holders_.end()) return std::nullopt;
  return it->second;
}

void RecentDedupeKeys::Remember(int64_t hash, int64_t id, int64_t received_at_ms) {
  ForgetOlderThan(received_at_ms - window_ms_);
  holders_[hash] = Holder{id, received_at_ms};
  arrivals_.push_back(Arrival{received_at_ms, hash});
}

void RecentDedupeKeys::ForgetOlderThan(int64_t cutoff_ms) {
  while (!arrivals_.empty() && arrivals_.front().received_at_ms <= cutoff_ms) {
    const Arrival& oldest = arrivals_.front();
    auto it = holders_.find(oldest.hash);
    // A newer row may have taken the key over since: that one stays.
    if (it != holders_.end() && it->second.received_at_ms == oldest.received_at_ms) {
      holders_.erase(it);
    }
    arrivals_.pop_front();
  }
}

absl::Status LoadRecentDedupeKeys(SQLite::Database& db, RecentDedupeKeys& keys) {
  try {
    // Ascending received_at: a later holder of the same key replaces an earlier one, as it did
    // when the rows were stored. Both the maximum and the range are searches of
    // notifications_recent alone (EXPLAIN QUERY PLAN), never of the table.
    SQLite::Statement rows(
        db,
        "SELECT dedupe_hash, id, received_at FROM notifications INDEXED BY notifications_recent "
        "WHERE dedupe_hash IS NOT NULL AND received_at > "
        "(SELECT max(received_at) FROM notifications WHERE dedupe_hash IS NOT NULL) - ?1 "
        "ORDER BY received_at");
    rows.bind(1, keys.window_ms());
    while (rows.executeStep()) {
      keys.Remember(rows.getColumn(0).getInt64(), rows.getColumn(1).getInt64(),
                    rows.getColumn(2).getInt64());
    }
  } catch (const SQLite::Exception& e) {
    return StatusFromException(e);
  }
  return absl::OkStatus();
}

}  // namespace pushgate::store
