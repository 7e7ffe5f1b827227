-- Indexes the store writer paid for on every row, replaced by cheaper means.
--
-- Deduplication moves from a UNIQUE index on the random 64-bit dedupe_hash to a set of recent
-- keys kept in memory by the store writer (server/store/recent_dedupe_keys.h). Inserting a
-- random key into a B-tree dirties a random leaf page for every row: store_bench measured about
-- one extra WAL page per row and half the writer's throughput for it. The set is rebuilt at
-- start-up from this index, which grows at its right edge like the rowid (received_at follows
-- arrival), so keeping it costs the writer little.
DROP INDEX notifications_dedupe;
CREATE INDEX notifications_recent ON notifications (received_at, dedupe_hash)
  WHERE dedupe_hash IS NOT NULL;

-- Every claim and settle moved each notification's entry in this index (queued → dispatching →
-- done) for one reader: the start-up count by state, which now counts the live rows through
-- notifications_due and takes 'done' as the rest (server/store/initial_counts.cc).
DROP INDEX notifications_state;
