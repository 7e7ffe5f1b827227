#include "engine/engine.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "engine/call_expiry.h"
#include "engine/planner.h"
#include "engine/rules.h"
#include "engine/settle.h"
#include "engine/swappable_provider_set.h"
#include "store/delivery_summary.h"
#include "store/receipt_store.h"

namespace pushgate::engine {
namespace {

using Clock = std::chrono::steady_clock;

inline constexpr char kReasonRegistrationInactive[] = "registration_inactive";
inline constexpr char kReasonBadPayload[] = "bad_payload";

// How often a failing claim or record is logged at most, and how soon a refused write (the
// store's queue was full) is offered again.
constexpr int64_t kErrorLogIntervalMs = 60'000;
constexpr auto kResubmitDelay = std::chrono::milliseconds(20);

int64_t SystemNowMs() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace

Engine::Engine(EngineOptions options, store::DeliveryQueue* store,
               std::unique_ptr<ProviderSet> providers, metrics::Registry* metrics)
    : options_(std::move(options)),
      policy_(RetryPolicy::FromConfig(options_.config)),
      now_ms_(options_.now_ms ? options_.now_ms : SystemNowMs),
      store_(store),
      providers_(std::move(providers)),
      metrics_(metrics, [store] { return store->DeliveryCounts(); }) {
  for (const auto& [app_id, rules] : options_.rules) metrics_.KnowApp(app_id);
}

Engine::Engine(EngineOptions options, store::DeliveryQueue* store,
               std::unique_ptr<SwappableProviderSet> providers, metrics::Registry* metrics)
    : Engine(std::move(options), store, std::unique_ptr<ProviderSet>(std::move(providers)),
             metrics) {
  // The set was built as a SwappableProviderSet just above; keep its reload interface.
  swappable_ = static_cast<SwappableProviderSet*>(providers_.get());
}

Engine::~Engine() { Stop(); }

absl::StatusOr<NotificationPreview> Engine::Preview(
    const std::string& app_id, const std::string& uid, const std::string& payload,
    const std::vector<store::Registration>& active) {
  PlanOptions plan;
  plan.call_expiry_seconds = options_.config.call_expiry_seconds;
  return PreviewNotification(app_id, uid, payload, active, RulesOf(app_id), *providers_, plan,
                             Now());
}

const config::RulesConfig& Engine::RulesOf(const std::string& app_id) const {
  static const config::RulesConfig* const kNone = new config::RulesConfig();
  auto it = options_.rules.find(app_id);
  return it == options_.rules.end() ? *kNone : it->second;
}

absl::Status Engine::Start() {
  auto answer = std::make_shared<std::promise<absl::StatusOr<int>>>();
  std::future<absl::StatusOr<int>> released = answer->get_future();
  absl::Status queued = store_->ReleaseLeasesOnStartup(
      Now(), [answer](absl::StatusOr<int> r) { answer->set_value(std::move(r)); });
  if (!queued.ok()) return queued;
  absl::StatusOr<int> count = released.get();
  if (!count.ok()) return count.status();
  if (*count > 0) {
    LogInfo("engine_leases_released", {{"notifications", std::to_string(*count)}});
  }
  running_.store(true);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "engine");  // visible in top -H and perf
    Loop();
  });
  LogInfo("engine_started", {{"max_in_flight", std::to_string(options_.config.max_in_flight)},
                             {"claim_batch", std::to_string(options_.config.claim_batch)}});
  return absl::OkStatus();
}

void Engine::Notify() {
  // Coalesced: while a hint is pending nobody needs to take the lock again.
  if (hint_.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard<std::mutex> lock(mu_);
  wake_.notify_one();
}

void Engine::Stop() {
  std::call_once(stop_once_, [this] {
    running_.store(false);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    // What is still in flight after the grace period fails with "shutdown" here; its answers
    // land in answers_ and are dropped: those deliveries stay leased and go out again after
    // the restart.
    if (providers_) providers_->Shutdown();
    LogInfo("engine_stopped");
  });
}

EngineStats Engine::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Engine::Loop() {
  const auto poll = std::chrono::milliseconds(options_.config.poll_interval_ms);
  const int claim_batch = std::max(1, options_.config.claim_batch);
  const auto ready_size = [this] {
    return static_cast<int>(ready_.size() + hooks_waiting_.size());
  };
  Clock::time_point next_poll = Clock::now();  // look for work left by a previous run at once
  std::optional<Clock::time_point> stop_deadline;
  for (;;) {
    // The answers' queue and this turn's swap places; both keep their capacity, so the
    // callbacks on the HTTP/2 client's thread rarely grow a vector (each growth copied every
    // answer queued so far).
    std::vector<Answer>& answers = answers_taken_;  // empty: cleared once settled
    std::optional<ClaimResult> claimed;
    bool stopping = false;
    bool claim_outstanding = false;
    int64_t retry_due_at_ms = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto can_claim = [&] {
        return !stopping_ && !claim_outstanding_ && ready_size() < claim_batch;
      };
      const Clock::time_point now = Clock::now();
      // Without room to claim, only an answer or the claim's result can change anything, and
      // both wake us: no deadline then (beyond a periodic look while stopping).
      Clock::time_point deadline = now + std::chrono::seconds(1);
      if (can_claim()) {
        deadline = next_poll;
        if (retry_due_at_ms_ != 0) {
          deadline = std::min(deadline, now + std::chrono::milliseconds(retry_due_at_ms_ - Now()));
        }
      }
      if (!outcomes_.empty()) deadline = std::min(deadline, now + kResubmitDelay);
      if (stopping_) deadline = std::min(deadline, now + std::chrono::milliseconds(50));
      wake_.wait_until(lock, deadline, [&] {
        return stopping_ || !answers_.empty() || claimed_.has_value() ||
               (hint_.load(std::memory_order_acquire) && can_claim());
      });
      answers.swap(answers_);
      claimed.swap(claimed_);
      stopping = stopping_;
      claim_outstanding = claim_outstanding_;
      retry_due_at_ms = retry_due_at_ms_;
    }

    for (Answer& a : answers) Settle(a);
    answers.clear();  // the contents they hold go now, not a turn later
    if (claimed) {
      if (claimed->ok()) {
        last_claim_full_ = static_cast<int>((*claimed)->size()) >= last_claim_limit_;
        // While stopping, a claim that was already running keeps its leases; the next start
        // releases them.
        if (!stopping) Enqueue(*std::move(*claimed));
      } else {
        last_claim_full_ = false;
        if (Now() - last_claim_error_logged_ms_ >= kErrorLogIntervalMs) {
          last_claim_error_logged_ms_ = Now();
          LogWarn("engine_claim_failed", {{"error", claimed->status().message()}});
        }
      }
    }
    if (!stopping) Pump();
    FlushOutcomes();
    metrics_.InFlight(in_flight_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.in_flight = in_flight_;
      stats_.sent += sent_this_turn_;
    }
    sent_this_turn_ = 0;

    if (stopping) {
      const Clock::time_point now = Clock::now();
      if (!stop_deadline) stop_deadline = now + absl::ToChronoMilliseconds(options_.stop_grace);
      if ((in_flight_ == 0 && outcomes_.empty()) || now >= *stop_deadline) break;
      continue;
    }

    const Clock::time_point now = Clock::now();
    const bool retry_due = retry_due_at_ms != 0 && retry_due_at_ms <= Now();
    if (!claim_outstanding && ready_size() < claim_batch &&
        (last_claim_full_ || retry_due || now >= next_poll ||
         hint_.exchange(false, std::memory_order_acq_rel))) {
      if (retry_due) {
        std::lock_guard<std::mutex> lock(mu_);
        if (retry_due_at_ms_ <= Now()) retry_due_at_ms_ = 0;
      }
      SubmitClaim(claim_batch);
      next_poll = now + poll;
    }
  }

  // Last outcomes in, and every store job we started answered, before the store may go.
  for (int tries = 0; !outcomes_.empty() && tries < 100; ++tries) {
    FlushOutcomes();
    if (!outcomes_.empty()) std::this_thread::sleep_for(kResubmitDelay);
  }
  std::unique_lock<std::mutex> lock(mu_);
  wake_.wait(lock, [&] { return record_jobs_outstanding_ == 0 && !claim_outstanding_; });
}

void Engine::SubmitClaim(int limit) {
  store::ClaimRequest request;
  request.now_ms = Now();
  request.lease_ms = static_cast<int64_t>(options_.config.lease_seconds) * 1000;
  request.limit = std::max(1, limit);
  PlanOptions plan;
  plan.call_expiry_seconds = options_.config.call_expiry_seconds;
  // Runs on the store's writer thread; ChannelsOf only reads what was built at start.
  ProviderSet* providers = providers_.get();
  request.planner = [providers, plan](const domain::NotificationRecord& n,
                                      const std::vector<domain::Registration>& active,
                                      int64_t now_ms) {
    return PlanDeliveries(n, active, providers->ChannelsOf(n.app_id), plan, now_ms);
  };
  last_claim_limit_ = request.limit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    claim_outstanding_ = true;
    ++stats_.claims;
  }
  absl::Status queued = store_->ClaimDue(std::move(request), [this](ClaimResult result) {
    std::lock_guard<std::mutex> lock(mu_);
    if (result.ok()) stats_.claimed_notifications += result->size();
    claimed_ = std::move(result);
    claim_outstanding_ = false;
    wake_.notify_one();
  });
  if (!queued.ok()) {
    // The store's queue is full (the webhook is busy) or it shut down: try at the next poll.
    std::lock_guard<std::mutex> lock(mu_);
    claim_outstanding_ = false;
    last_claim_full_ = false;
  }
}

void Engine::Enqueue(std::vector<store::ClaimedNotification> claimed) {
  for (store::ClaimedNotification& n : claimed) {
    if (n.to_send.empty()) continue;
    auto info = std::make_shared<Claimed>();
    info->record = std::move(n.notification);
    info->ringing_call = IsRingingCall(info->record.type, info->record.call_action);
    info->delivery_count = n.delivery_count;
    absl::StatusOr<providers::NotificationContent> parsed =
        providers::ParseStoredPayload(n.payload);
    bool dropped = false;
    if (parsed.ok()) {
      parsed->notification_id = info->record.id;
      parsed->received_at_ms = info->record.received_at_ms;
      parsed->raw_payload = std::move(n.payload);
      // The one place the app's rules apply: every provider builds from the ruled content, so
      // nothing a rule removed can reach a provider.
      RuledContent ruled = ApplyRules(RulesOf(info->record.app_id), *std::move(parsed));
      dropped = ruled.dropped;
      info->content =
          std::make_shared<const providers::NotificationContent>(std::move(ruled.content));
    }
    for (store::ClaimedDelivery& d : n.to_send) {
      // Still held from an earlier claim whose lease ran out: its answer will settle it;
      // sending again would only duplicate the push.
      if (!held_.insert(d.delivery.id).second) continue;
      if (dropped) {
        SettleLocally(d.delivery.id, *info, domain::DeliveryState::kSkipped, kReasonDroppedByRule);
        continue;
      }
      if (!info->content) {
        // Validated at ingest, so this means a bug or a damaged row: nothing to send, ever.
        SettleLocally(d.delivery.id, *info, domain::DeliveryState::kFailed, kReasonBadPayload);
        continue;
      }
      ready_.push_back(Ready{info, std::move(d)});
    }
  }
}

void Engine::Pump() {
  const int max_in_flight = std::max(1, options_.config.max_in_flight);
  const int hook_cap = HookInFlightCap(max_in_flight);
  while (in_flight_ < max_in_flight) {
    const bool hook_room = hook_in_flight_ < hook_cap;
    Ready ready;
    if (hook_room && !hooks_waiting_.empty()) {
      ready = std::move(hooks_waiting_.front());
      hooks_waiting_.pop_front();
    } else if (!ready_.empty()) {
      ready = std::move(ready_.front());
      ready_.pop_front();
      if (!hook_room && !ready.delivery.delivery.hook.empty()) {
        hooks_waiting_.push_back(std::move(ready));
        continue;
      }
    } else {
      break;
    }
    SendOne(ready);
  }
}

void Engine::SendOne(Ready& ready) {
  const Claimed& n = *ready.notification;
  const store::ClaimedDelivery& d = ready.delivery;
  const int64_t id = d.delivery.id;
  const int64_t now = Now();
  const bool to_hook = !d.delivery.hook.empty();
  // Checked when it leaves, not when it was claimed: a call may stop ringing while its
  // delivery waits for a slot. A forward hook is no device to ring: it gets the event late.
  const bool ringing = n.ringing_call && !to_hook;
  if (ringing && CallExpired(n.record.type, n.record.call_action, n.record.received_at_ms,
                             options_.config.call_expiry_seconds, now)) {
    SettleLocally(id, n, domain::DeliveryState::kSkipped, store::kReasonExpired);
    return;
  }
  if (!to_hook && !d.registration.active) {
    SettleLocally(id, n, domain::DeliveryState::kSkipped, kReasonRegistrationInactive);
    return;
  }
  providers::Provider* provider = providers_->Find(n.record.app_id, d.delivery.channel);
  if (provider == nullptr) {
    SettleLocally(id, n, domain::DeliveryState::kSkipped, kReasonNoProvider);
    return;
  }
  Send send;
  send.delivery_id = id;
  send.notification_id = n.record.id;
  send.registration_id = d.registration.id;
  send.channel = d.delivery.channel;
  send.app_id = n.record.app_id;
  send.attempt_number = d.delivery.attempt_count + 1;
  send.log_number = d.delivery.attempts_logged + 1;
  send.platform = store::ReceiptPlatform(send.channel, d.registration.input.fcm_os);
  send.started_at_ms = now;
  send.received_at_ms = n.record.received_at_ms;
  send.ringing_call = ringing;
  send.sibling_count = n.delivery_count;
  send.content = n.content;

  providers::SendRequest request;
  request.app_id = n.record.app_id;
  request.content = n.content.get();
  // The ready delivery ends here: its registration and hook move into the request instead of
  // being copied (a registration is a dozen strings).
  request.registration = std::move(ready.delivery.registration);
  // The same attempt sent again after a crash carries the same id (APNs: the same apns-id).
  // A device push carries its push id, which is also its apns-id: unique across attempts and
  // installations, and the same again for a resend after a crash.
  if (options_.push_ids != nullptr && !send.platform.empty()) {
    request.push_id = options_.push_ids->Make(id, send.log_number);
    request.attempt_id = request.push_id;
  } else {
    request.attempt_id = absl::StrCat(id, "-", send.log_number);
  }
  request.delivery_id = id;
  request.attempt_number = send.log_number;
  request.hook = std::move(ready.delivery.delivery.hook);

  ++in_flight_;
  if (send.channel == domain::Channel::kWebhook) ++hook_in_flight_;
  // Published with the turn's other counters: a lock per send only contended with the
  // answers arriving on the HTTP/2 client's thread.
  ++sent_this_turn_;
  provider->Send(request, [this, send = std::move(send)](providers::SendResult result) mutable {
    Answer answer{std::move(send), std::move(result), Now()};
    std::lock_guard<std::mutex> lock(mu_);
    const bool was_empty = answers_.empty();
    answers_.push_back(std::move(answer));
    ++stats_.answered;
    // The dispatcher takes the whole queue when it wakes; one wake-up per batch is enough.
    if (was_empty) wake_.notify_one();
  });
}

void Engine::SettleLocally(int64_t delivery_id, const Claimed& notification,
                           domain::DeliveryState state, const std::string& reason) {
  held_.erase(delivery_id);
  store::DeliveryOutcome o;
  o.delivery_id = delivery_id;
  o.notification_id = notification.record.id;
  o.sibling_count = notification.delivery_count;
  o.state = state;
  o.reason = reason;
  outcomes_.push_back(std::move(o));
}

void Engine::Settle(Answer& a) {
  const Send& s = a.send;
  --in_flight_;
  if (s.channel == domain::Channel::kWebhook) --hook_in_flight_;
  held_.erase(s.delivery_id);
  metrics_.Answered(s.channel, a.result.outcome,
                    static_cast<double>(a.ended_at_ms - s.started_at_ms) / 1000.0);

  SettleInput in;
  in.result = std::move(a.result);
  const providers::SendResult& result = in.result;
  in.channel = s.channel;
  in.attempt_number = s.attempt_number;
  in.started_at_ms = s.started_at_ms;
  in.now_ms = a.ended_at_ms;
  in.received_at_ms = s.received_at_ms;
  in.ringing_call = s.ringing_call;
  in.call_expiry_seconds = options_.config.call_expiry_seconds;
  in.random01 = absl::Uniform<double>(random_, 0.0, 1.0);
  const SettleDecision d = engine::Settle(policy_, in);

  if (d.config_error) {
    metrics_.ConfigError(s.app_id, s.channel);
    WarnConfigError(s, result.reason);
  }
  if (d.state == domain::DeliveryState::kDelivered) {
    metrics_.Delivered(s.channel, static_cast<double>(a.ended_at_ms - s.received_at_ms) / 1000.0);
    if (!s.platform.empty()) metrics_.DeliveredToDevice(s.channel, s.platform);
  }

  store::DeliveryOutcome o;
  o.delivery_id = s.delivery_id;
  o.notification_id = s.notification_id;
  o.state = d.state;
  o.next_attempt_at_ms = d.next_attempt_at_ms;
  domain::AttemptRecord attempt;
  attempt.number = s.log_number;
  attempt.started_at_ms = s.started_at_ms;
  attempt.ended_at_ms = a.ended_at_ms;
  attempt.http_status = result.http_status;
  attempt.reason = result.reason;
  attempt.provider_message_id = result.provider_message_id;
  o.attempt = std::move(attempt);
  o.reason = d.reason;
  o.http_status = result.http_status;
  o.provider_message_id = std::move(in.result.provider_message_id);
  o.retire_registration = d.retire_registration;
  o.registration_id = s.registration_id;
  o.retire_detail = d.retire_detail;
  o.retire_unless_updated_since_ms = d.retire_unless_updated_since_ms;
  o.sibling_count = s.sibling_count;
  outcomes_.push_back(std::move(o));
}

void Engine::FlushOutcomes() {
  if (outcomes_.empty()) return;
  const size_t count = outcomes_.size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++record_jobs_outstanding_;
  }
  // A copy goes to the store: when its queue is full the job is refused (and dropped), and
  // these outcomes are offered again shortly.
  absl::Status queued = store_->RecordOutcomes(
      outcomes_, Now(), [this, count](absl::StatusOr<store::RecordResult> r) {
        if (!r.ok()) {
          // The deliveries stay 'sending' under their lease: sent again once it runs out.
          LogError("engine_record_failed",
                   {{"outcomes", std::to_string(count)}, {"error", r.status().message()}});
        } else if (r->retired_registrations > 0) {
          LogInfo("engine_registrations_retired",
                  {{"count", std::to_string(r->retired_registrations)}});
        }
        std::lock_guard<std::mutex> lock(mu_);
        --record_jobs_outstanding_;
        if (r.ok()) {
          stats_.recorded += static_cast<uint64_t>(r->settled);
          if (r->earliest_retry_at_ms != 0 &&
              (retry_due_at_ms_ == 0 || r->earliest_retry_at_ms < retry_due_at_ms_)) {
            retry_due_at_ms_ = r->earliest_retry_at_ms;
          }
        } else {
          stats_.record_failures += count;
        }
        // Only Stop() waits for record jobs: the dispatcher's wait ignores them (a new retry
        // time counts from its next turn), so waking it for every commit only cost it a
        // futex round trip per record job.
        if (stopping_) wake_.notify_one();
      });
  if (queued.ok()) {
    outcomes_.clear();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  --record_jobs_outstanding_;
}

void Engine::WarnConfigError(const Send& send, const std::string& reason) {
  // One line per app, channel and reason per minute: enough to alert, not a flood.
  const std::string key =
      absl::StrCat(send.app_id, "/", domain::ChannelName(send.channel), "/", reason);
  const int64_t now = Now();
  auto [it, inserted] = config_error_logged_at_.try_emplace(key, now);
  if (!inserted) {
    if (now - it->second < kErrorLogIntervalMs) return;
    it->second = now;
  }
  LogWarn(
      "provider_config_error",
      {{"app", send.app_id}, {"channel", domain::ChannelName(send.channel)}, {"reason", reason}});
}

int HookInFlightCap(int max_in_flight) { return std::max(1, max_in_flight / 4); }

absl::Status Engine::ReloadProviders(const config::Config& config) {
  if (swappable_ == nullptr) {
    return absl::FailedPreconditionError("engine: providers are fixed (not built by StartEngine)");
  }
  absl::StatusOr<std::unique_ptr<ProviderSet>> next = BuildProviderSet(config);
  if (!next.ok()) return next.status();
  swappable_->Swap(*std::move(next));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Engine>> StartEngine(const config::Config& config,
                                                    store::DeliveryQueue* store,
                                                    metrics::Registry* metrics,
                                                    std::shared_ptr<const PushIdCodec> push_ids) {
  absl::StatusOr<std::unique_ptr<ProviderSet>> providers = BuildProviderSet(config);
  if (!providers.ok()) return providers.status();
  EngineOptions options;
  options.config = config.engine;
  options.push_ids = std::move(push_ids);
  for (const config::App& app : config.apps) options.rules[app.app_id] = app.rules;
  // A set replaced by a reload is kept until every send it started must have ended.
  const auto drain =
      std::chrono::milliseconds(config.engine.request_timeout_ms) * 2 + std::chrono::seconds(5);
  auto engine = std::make_unique<Engine>(
      std::move(options), store,
      std::make_unique<SwappableProviderSet>(*std::move(providers), drain), metrics);
  if (absl::Status s = engine->Start(); !s.ok()) return s;
  return engine;
}

}  // namespace pushgate::engine
