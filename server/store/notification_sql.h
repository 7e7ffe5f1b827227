// The notification queue's SQL: storing a webhook payload with deduplication.
#ifndef PUSHGATE_STORE_NOTIFICATION_SQL_H_
#define PUSHGATE_STORE_NOTIFICATION_SQL_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "store/recent_dedupe_keys.h"
#include "store/types.h"
#include "store/write_txn.h"

namespace pushgate::store {

// Inserts the notification as 'queued', due at once, unless `recent` knows a row holding the
// same dedupe hash received less than its window before this one: then that row's id,
// duplicate=true (nothing written). Past the window the same payload is a new notification and
// takes the key over. `recent` belongs to the writer thread; every ingest goes through it.
// A dedupe_hash of 0 means "no key" (stored NULL, never deduplicated): a real SHA-256 prefix is
// 0 with probability 2^-64, and callers that have no payload hash must not collide on 0.
// One statement: run it as a JobShape::kSingleStatement job.
absl::StatusOr<IngestResult> IngestNotificationInTxn(WriteTxn& txn, const NewNotification& n,
                                                     RecentDedupeKeys& recent);

// Inserts a notification with a page-sized payload and undoes it at once (its own savepoint).
// A page-sized row cannot fit in what is left of a leaf page, so this needs at least one free
// or new page and throws what a real ingest would get now (disk full, page cap reached). For
// health probes.
void ProbeNotificationSpaceInTxn(WriteTxn& txn);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_NOTIFICATION_SQL_H_
