// The dedupe keys of the notifications received within the dedupe window, in memory, owned by
// the writer thread. It replaces a UNIQUE index on the random 64-bit dedupe hash: inserting a
// random key into a B-tree dirties a random page per row (store_bench: about one WAL page per
// row, half the writer's throughput), while this set costs a hash probe.
//
// It is a hint, never the truth: an entry may name a row that no longer holds the key (its
// batch rolled back and the rowid was reused, an operator deleted it), so a hit is confirmed
// against the row before it counts (see notification_sql.cc). A miss is trusted, which is why
// the set is rebuilt at start-up from every row inside the window (LoadRecentDedupeKeys).
#ifndef PUSHGATE_STORE_RECENT_DEDUPE_KEYS_H_
#define PUSHGATE_STORE_RECENT_DEDUPE_KEYS_H_

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <deque>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace pushgate::store {

class RecentDedupeKeys {
 public:
  struct Holder {
    int64_t id = 0;
    int64_t received_at_ms = 0;
  };

  explicit RecentDedupeKeys(int64_t window_ms) : window_ms_(window_ms) {}

  int64_t window_ms() const { return window_ms_; }

  // The newest row remembered for `hash`, if any.
  std::optional<Holder> Find(int64_t hash) const;

  // `id` now holds `hash` (it replaces an older holder). Rows must be remembered in the order
  // they were received; anything received a full window before this row is forgotten, as no
  // later copy can be a duplicate of it.
  void Remember(int64_t hash, int64_t id, int64_t received_at_ms);

  size_t size() const { return holders_.size(); }

 private:
  void ForgetOlderThan(int64_t cutoff_ms);

  const int64_t window_ms_;
  absl::flat_hash_map<int64_t, Holder> holders_;
  struct Arrival {
    int64_t received_at_ms;
    int64_t hash;
  };
  // Every remembered key in arrival order, so expiry needs no scan of the map.
  std::deque<Arrival> arrivals_;
};

// Fills `keys` from the rows received within one window of the newest row (not of the wall
// clock: a restart after a long stop or a stepped clock still finds the last window's keys).
// Reads only the notifications_recent index.
absl::Status LoadRecentDedupeKeys(SQLite::Database& db, RecentDedupeKeys& keys);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_RECENT_DEDUPE_KEYS_H_
