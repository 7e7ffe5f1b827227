// A Store that tells the engine about new work: it forwards every call to the real store and,
// when a webhook ingest commits a new (not duplicate) notification, calls a hook — the engine's
// Notify() — on the store's writer thread right after the webhook's own callback. The webhook
// module takes a store::Store*, so main.cpp hands it this wrapper and neither module needs to
// know the other. Without it the engine would find new notifications only at its poll
// interval, which alone would put poll_interval_ms into every push's latency.
#ifndef PUSHGATE_ENGINE_INGEST_NOTIFIER_H_
#define PUSHGATE_ENGINE_INGEST_NOTIFIER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace pushgate::engine {

class IngestNotifyingStore final : public store::Store {
 public:
  // `inner` must outlive this. `on_ingest` must be cheap and thread-safe.
  IngestNotifyingStore(store::Store* inner, std::function<void()> on_ingest)
      : inner_(inner), on_ingest_(std::move(on_ingest)) {}

  absl::Status IngestNotification(domain::NewNotification n,
                                  store::Callback<store::IngestResult> done) override;

  // Everything else is the inner store's.
  absl::Status RegisterToken(domain::RegistrationInput input, int64_t now_ms,
                             store::Callback<store::RegisterResult> done) override {
    return inner_->RegisterToken(std::move(input), now_ms, std::move(done));
  }
  absl::Status UnregisterToken(std::string app_id, std::string token,
                               std::optional<domain::Platform> platform, int64_t now_ms,
                               store::Callback<int> done) override {
    return inner_->UnregisterToken(std::move(app_id), std::move(token), platform, now_ms,
                                   std::move(done));
  }
  absl::Status UnregisterSession(std::string app_id, std::string uid, std::string session_id,
                                 int64_t now_ms, store::Callback<int> done) override {
    return inner_->UnregisterSession(std::move(app_id), std::move(uid), std::move(session_id),
                                     now_ms, std::move(done));
  }
  absl::Status UnregisterUser(std::string app_id, std::string uid, int64_t now_ms,
                              store::Callback<int> done) override {
    return inner_->UnregisterUser(std::move(app_id), std::move(uid), now_ms, std::move(done));
  }
  absl::StatusOr<std::vector<domain::Registration>> ListTokens(
      const store::ListTokensQuery& q) override {
    return inner_->ListTokens(q);
  }
  absl::Status CheckWritable() override { return inner_->CheckWritable(); }
  store::StoreStats Stats() override { return inner_->Stats(); }
  void Shutdown() override { inner_->Shutdown(); }

 private:
  store::Store* const inner_;
  const std::function<void()> on_ingest_;
};

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_INGEST_NOTIFIER_H_
