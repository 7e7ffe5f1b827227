// An IngestStore that tells the engine about new work: it forwards each ingest to the real
// store and, when it commits a new (not duplicate) notification, calls a hook — the engine's
// Notify() — on the store's writer thread right after the webhook's own callback. The webhook
// module takes a store::IngestStore*, so main.cpp hands it this wrapper and neither module
// needs to know the other. Without it the engine would find new notifications only at its poll
// interval, which alone would put poll_interval_ms into every push's latency.
#ifndef PUSHGATE_ENGINE_INGEST_NOTIFIER_H_
#define PUSHGATE_ENGINE_INGEST_NOTIFIER_H_

#include <functional>
#include <utility>

#include "store/ingest_store.h"

namespace pushgate::engine {

class IngestNotifyingStore final : public store::IngestStore {
 public:
  // `inner` must outlive this. `on_ingest` must be cheap and thread-safe.
  IngestNotifyingStore(store::IngestStore* inner, std::function<void()> on_ingest)
      : inner_(inner), on_ingest_(std::move(on_ingest)) {}

  absl::Status IngestNotification(domain::NewNotification n,
                                  store::Callback<store::IngestResult> done) override;

 private:
  store::IngestStore* const inner_;
  const std::function<void()> on_ingest_;
};

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_INGEST_NOTIFIER_H_
