// The webhook's view of the store: store one accepted notification durably.
#ifndef PUSHGATE_STORE_INGEST_STORE_H_
#define PUSHGATE_STORE_INGEST_STORE_H_

#include "absl/status/status.h"
#include "domain/notification.h"
#include "store/callback.h"
#include "store/types.h"

namespace pushgate::store {

class IngestStore {
 public:
  virtual ~IngestStore() = default;

  // Stores a webhook payload, or finds the earlier one with the same dedupe hash received
  // within the dedupe window. `done` runs on the writer thread after the commit; UNAVAILABLE
  // at once (and no `done`) when the write queue is full.
  virtual absl::Status IngestNotification(NewNotification n, Callback<IngestResult> done) = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_INGEST_STORE_H_
