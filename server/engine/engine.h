// The delivery engine: takes due notifications from the store, sends each delivery through its
// channel's provider, and records what came back (DESIGN.md "The path of one notification",
// steps 4–6).
//
// Threads. One dispatcher thread does everything but the I/O: it claims a batch (a store write
// job; the planning happens inside it), parses each payload once, hands every due delivery to
// its provider, and turns answers into outcomes. Answers arrive on the HTTP/2 client's thread
// (or inline, for local verdicts and the log channel); the callback only appends to a queue and
// wakes the dispatcher, so that thread never waits on the store. Outcomes are written as one
// store job per dispatcher turn; their commit is the delivery's durable record.
//
// Flow control. A claim takes up to claim_batch notifications into a local queue of ready
// deliveries (leased, 'sending' in the store); they go to the providers as slots free up, at
// most max_in_flight at once. The next claim is made while the queue still holds work, so the
// claim's commit (an fsync) overlaps with sending instead of stalling it; the queue never
// holds much more than one claim. At most one claim is outstanding at a time.
//
// Wake-ups. A claim runs when Notify() says new work was stored (the webhook's commits, see
// ingest_notifier.h), when the previous claim came back full, when a retry recorded by the
// engine falls due, and otherwise every poll_interval_ms (retries scheduled by a previous
// process, leases that ran out).
//
// Delivery guarantee: at least once. A delivery is 'sending' under its notification's lease
// from the claim until its outcome commits; a crash in between leaves it leased, the next start
// releases every lease (store::DeliveryQueue::ReleaseLeasesOnStartup) and sends it again.
#ifndef PUSHGATE_ENGINE_ENGINE_H_
#define PUSHGATE_ENGINE_ENGINE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/push_id.h"
#include "config/config.h"
#include "engine/engine_metrics.h"
#include "engine/preview.h"
#include "engine/provider_set.h"
#include "engine/retry_policy.h"
#include "engine/swappable_provider_set.h"
#include "metrics/registry.h"
#include "providers/notification_content.h"
#include "providers/provider.h"
#include "store/delivery_queue.h"

namespace pushgate::engine {

struct EngineOptions {
  config::EngineConfig config;
  // Wall clock, ms since the epoch (received_at and every stored time use it). Empty: system.
  std::function<int64_t()> now_ms;
  // How long Stop() lets deliveries in flight finish before it gives up on them (they stay
  // leased and are sent again after the restart).
  absl::Duration stop_grace = absl::Seconds(5);
  // Each app's rules (engine/rules.h), by app id; an app not listed has none.
  std::map<std::string, config::RulesConfig> rules;
  // Makes each device push's push id (common/push_id.h); null: pushes carry none.
  std::shared_ptr<const PushIdCodec> push_ids;
};

// Counters for tests and benchmarks (metrics carry the same for operators).
struct EngineStats {
  uint64_t claims = 0;
  uint64_t claimed_notifications = 0;
  uint64_t sent = 0;      // handed to a provider
  uint64_t answered = 0;  // provider answers (or local verdicts) received
  uint64_t recorded = 0;  // outcomes committed
  uint64_t record_failures = 0;
  int in_flight = 0;
};

class Engine {
 public:
  // `store` must outlive the engine; the engine owns `providers` and shuts them down in Stop().
  Engine(EngineOptions options, store::DeliveryQueue* store, std::unique_ptr<ProviderSet> providers,
         metrics::Registry* metrics);
  // As above, with providers that ReloadProviders can replace.
  Engine(EngineOptions options, store::DeliveryQueue* store,
         std::unique_ptr<SwappableProviderSet> providers, metrics::Registry* metrics);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Releases the leases a previous process left (waiting for that write), then starts the
  // dispatcher. Errors: what the store answered.
  absl::Status Start();

  // New work may be due: claim soon. Cheap and callable from any thread (the store's writer
  // calls it after each ingest commit).
  void Notify();

  // Stops claiming, lets deliveries in flight finish for up to stop_grace, records their
  // outcomes (waiting for the commit), shuts the providers down and returns. Call before the
  // store shuts down. Idempotent.
  void Stop();

  bool running() const { return running_.load(std::memory_order_relaxed); }

  // Rebuilds the providers from a reloaded config (APNs keys, FCM service accounts, ...) and
  // makes them serve every send from now on; sends in flight finish on the old ones, which
  // are shut down once they cannot have any left. Errors (the new set cannot be built): the
  // old providers stay. FAILED_PRECONDITION for an engine built with fixed providers.
  absl::Status ReloadProviders(const config::Config& config);
  // Deliveries.PreviewNotification (engine/preview.h) with this engine's rules and providers;
  // any thread. `active`: the recipient's active registrations.
  absl::StatusOr<NotificationPreview> Preview(const std::string& app_id, const std::string& uid,
                                              const std::string& payload,
                                              const std::vector<store::Registration>& active);
  EngineStats Stats() const;

 private:
  // One delivery handed to a provider.
  struct Send {
    int64_t delivery_id = 0;
    int64_t notification_id = 0;
    int64_t registration_id = 0;
    domain::Channel channel = domain::Channel::kLog;
    std::string app_id;
    int attempt_number = 1;  // since the last redrive: counted against max_attempts
    int log_number = 1;      // in the delivery's attempt log, across redrives
    std::string platform;    // ios, android, web (store::ReceiptPlatform); "" for no device
    int64_t started_at_ms = 0;
    int64_t received_at_ms = 0;
    bool ringing_call = false;
    int sibling_count = 0;  // the notification's deliveries (DeliveryOutcome::sibling_count)
    std::shared_ptr<const providers::NotificationContent> content;  // alive until answered
  };
  struct Answer {
    Send send;
    providers::SendResult result;
    int64_t ended_at_ms = 0;
  };
  using ClaimResult = absl::StatusOr<std::vector<store::ClaimedNotification>>;

  // A claimed notification as its deliveries need it while they wait and are sent.
  struct Claimed {
    domain::NotificationRecord record;
    std::shared_ptr<const providers::NotificationContent> content;
    bool ringing_call = false;
    int delivery_count = 0;  // ClaimedNotification::delivery_count
  };
  struct Ready {
    std::shared_ptr<const Claimed> notification;
    store::ClaimedDelivery delivery;
  };

  const config::RulesConfig& RulesOf(const std::string& app_id) const;
  void Loop();
  void SubmitClaim(int limit);
  // Claimed deliveries join the ready queue (payloads parsed once per notification).
  void Enqueue(std::vector<store::ClaimedNotification> claimed);
  // Hands ready deliveries to their providers while slots are free.
  void Pump();
  void SendOne(Ready& ready);
  // A delivery decided without asking a provider (skipped, or failed locally).
  void SettleLocally(int64_t delivery_id, const Claimed& notification, domain::DeliveryState state,
                     const std::string& reason);
  void Settle(Answer& answer);
  void FlushOutcomes();
  void WarnConfigError(const Send& send, const std::string& reason);
  int64_t Now() const { return now_ms_(); }

  const EngineOptions options_;
  const RetryPolicy policy_;
  const std::function<int64_t()> now_ms_;
  store::DeliveryQueue* const store_;
  std::unique_ptr<ProviderSet> providers_;
  SwappableProviderSet* swappable_ = nullptr;  // providers_ when they can be replaced
  EngineMetrics metrics_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<bool> hint_{false};
  std::once_flag stop_once_;

  // Shared with the callbacks (provider answers, store jobs).
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<Answer> answers_;         // guarded by mu_
  std::optional<ClaimResult> claimed_;  // guarded by mu_
  bool claim_outstanding_ = false;      // guarded by mu_
  int record_jobs_outstanding_ = 0;     // guarded by mu_
  int64_t retry_due_at_ms_ = 0;         // guarded by mu_: earliest recorded retry, 0 none
  bool stopping_ = false;               // guarded by mu_
  EngineStats stats_;                   // guarded by mu_

  // Dispatcher thread only.
  int in_flight_ = 0;
  uint64_t sent_this_turn_ = 0;        // added to stats_.sent once per turn
  std::vector<Answer> answers_taken_;  // a turn's answers, swapped with answers_
  std::deque<Ready> ready_;
  // Forward hooks are the app's own receivers, often slow HTTP/1.1 servers: they may hold at
  // most HookInFlightCap() of the max_in_flight slots, so a slow hook cannot starve device
  // pushes. Hook deliveries over the cap wait here, in order, and go first when a slot frees.
  int hook_in_flight_ = 0;
  std::deque<Ready> hooks_waiting_;
  // Deliveries this process holds (ready or with a provider): a later claim of the same
  // notification (its lease ran out meanwhile) must not send them a second time.
  absl::flat_hash_set<int64_t> held_;
  std::vector<store::DeliveryOutcome> outcomes_;  // settled, not yet handed to the store
  bool last_claim_full_ = false;
  int last_claim_limit_ = 1;
  int64_t last_claim_error_logged_ms_ = 0;
  absl::BitGen random_;
  std::map<std::string, int64_t> config_error_logged_at_;  // "app/channel/reason" → ms
};

// How many of `max_in_flight` slots forward-hook deliveries may hold at once: a quarter, at
// least one.
int HookInFlightCap(int max_in_flight);

// The engine for `config`: providers from config.apps (BuildProviderSet), started. With
// `push_ids`, every device push carries its push id (device receipts).
absl::StatusOr<std::unique_ptr<Engine>> StartEngine(
    const config::Config& config, store::DeliveryQueue* store, metrics::Registry* metrics,
    std::shared_ptr<const PushIdCodec> push_ids = nullptr);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_ENGINE_H_
