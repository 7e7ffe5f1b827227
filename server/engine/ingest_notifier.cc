#include "engine/ingest_notifier.h"

#include <utility>

namespace pushgate::engine {

absl::Status IngestNotifyingStore::IngestNotification(domain::NewNotification n,
                                                      store::Callback<store::IngestResult> done) {
  return inner_->IngestNotification(std::move(n), [done = std::move(done), hook = on_ingest_](
                                                      absl::StatusOr<store::IngestResult> result) {
    const bool fresh = result.ok() && !result->duplicate;
    done(std::move(result));  // the webhook's answer first: it is on the request's path
    if (fresh && hook) hook();
  });
}

}  // namespace pushgate::engine
