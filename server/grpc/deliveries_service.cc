#include "grpc/deliveries_service.h"

#include <algorithm>
#include <deque>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "grpc/call_context.h"
#include "grpc/paging.h"
#include "grpc/registration_validation.h"
#include "grpc/registry_mapping.h"
#include "grpc/status_convert.h"
#include "webhook/envelope.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

// Auth first, then the answer every RPC without data yet gives.
absl::Status Answer(const ApiKeyAuthenticator& auth, grpc::CallbackServerContext& context,
                    std::string_view app_id, Access access) {
  absl::StatusOr<Principal> principal = AuthenticateCall(auth, context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = ValidateAppId(app_id); !s.ok()) return s;
  if (absl::Status s = Authorize(*principal, app_id, access); !s.ok()) return s;
  return absl::UnimplementedError("arrives with the delivery engine");
}

// The front half, in the order the other services use: an unauthenticated caller learns
// nothing about its request; an authenticated one learns what is malformed before whether its
// key covers the app.
absl::StatusOr<int64_t> AdmitGetNotification(const ApiKeyAuthenticator& auth,
                                             grpc::CallbackServerContext& context,
                                             const pb::GetNotificationRequest& request) {
  absl::StatusOr<Principal> principal = AuthenticateCall(auth, context);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = ValidateAppId(request.app_id()); !s.ok()) return s;
  int64_t id = 0;
  if (request.id().empty() || !absl::SimpleAtoi(request.id(), &id) || id <= 0) {
    return absl::InvalidArgumentError(
        "id: must be a notification id (the decimal number the webhook answered)");
  }
  if (absl::Status s = Authorize(*principal, request.app_id(), Access::kDeliveriesRead); !s.ok()) {
    return s;
  }
  return id;
}

// ---- store values -> protos -----------------------------------------------------------------

pb::Channel ToProtoChannel(domain::Channel c) {
  switch (c) {
    case domain::Channel::kApns:
      return pb::CHANNEL_APNS;
    case domain::Channel::kApnsVoip:
      return pb::CHANNEL_APNS_VOIP;
    case domain::Channel::kFcm:
      return pb::CHANNEL_FCM;
    case domain::Channel::kWebPush:
      return pb::CHANNEL_WEBPUSH;
    case domain::Channel::kWebhook:
      return pb::CHANNEL_WEBHOOK;
    case domain::Channel::kLog:
      return pb::CHANNEL_LOG;
  }
  return pb::CHANNEL_UNSPECIFIED;
}

pb::DeliveryState ToProtoDeliveryState(domain::DeliveryState s) {
  switch (s) {
    case domain::DeliveryState::kPending:
      return pb::DELIVERY_STATE_PENDING;
    case domain::DeliveryState::kSending:
      return pb::DELIVERY_STATE_SENDING;
    case domain::DeliveryState::kDelivered:
      return pb::DELIVERY_STATE_DELIVERED;
    case domain::DeliveryState::kRetryWait:
      return pb::DELIVERY_STATE_RETRY_WAIT;
    case domain::DeliveryState::kFailed:
      return pb::DELIVERY_STATE_FAILED;
    case domain::DeliveryState::kSkipped:
      return pb::DELIVERY_STATE_SKIPPED;
  }
  return pb::DELIVERY_STATE_UNSPECIFIED;
}

pb::NotificationState ToProtoNotificationState(domain::NotificationState s) {
  switch (s) {
    case domain::NotificationState::kQueued:
      return pb::NOTIFICATION_STATE_QUEUED;
    case domain::NotificationState::kDispatching:
      return pb::NOTIFICATION_STATE_DISPATCHING;
    case domain::NotificationState::kDone:
      return pb::NOTIFICATION_STATE_DONE;
  }
  return pb::NOTIFICATION_STATE_UNSPECIFIED;
}

pb::NotificationOutcome ToProtoOutcome(domain::NotificationOutcome o) {
  switch (o) {
    case domain::NotificationOutcome::kNone:
      return pb::NOTIFICATION_OUTCOME_UNSPECIFIED;
    case domain::NotificationOutcome::kDelivered:
      return pb::NOTIFICATION_OUTCOME_DELIVERED;
    case domain::NotificationOutcome::kPartiallyDelivered:
      return pb::NOTIFICATION_OUTCOME_PARTIALLY_DELIVERED;
    case domain::NotificationOutcome::kFailed:
      return pb::NOTIFICATION_OUTCOME_FAILED;
    case domain::NotificationOutcome::kNoTargets:
      return pb::NOTIFICATION_OUTCOME_NO_TARGETS;
    case domain::NotificationOutcome::kFiltered:
      return pb::NOTIFICATION_OUTCOME_FILTERED;
    case domain::NotificationOutcome::kExpired:
      return pb::NOTIFICATION_OUTCOME_EXPIRED;
  }
  return pb::NOTIFICATION_OUTCOME_UNSPECIFIED;
}

pb::NotificationType ToProtoType(const std::string& type) {
  if (type == "chat") return pb::NOTIFICATION_TYPE_CHAT;
  if (type == "call") return pb::NOTIFICATION_TYPE_CALL;
  return pb::NOTIFICATION_TYPE_UNSPECIFIED;
}

// A device delivery's attempt shows the push id it carried (computed, never stored).
void ToProtoAttempt(const store::AttemptRecord& in, const store::DeliveryRecord& delivery,
                    const PushIdCodec* push_ids, pb::Attempt* out) {
  out->set_number(in.number);
  if (push_ids != nullptr && !store::ReceiptPlatform(delivery.channel, "").empty()) {
    out->set_push_id(push_ids->Make(delivery.id, in.number));
  }
  if (in.started_at_ms > 0) ToProtoTimestamp(in.started_at_ms, out->mutable_start_time());
  if (in.ended_at_ms > 0) ToProtoTimestamp(in.ended_at_ms, out->mutable_end_time());
  out->set_http_status(in.http_status);
  out->set_reason(in.reason);
  out->set_provider_message_id(in.provider_message_id);
}

void ToProtoDelivery(const store::DeliveryRecord& in, pb::Delivery* out,
                     const PushIdCodec* push_ids = nullptr) {
  out->set_id(absl::StrCat(in.id));
  // A forward-hook delivery has no registration (target_hint names the hook).
  if (in.registration_id != 0) out->set_registration_id(absl::StrCat(in.registration_id));
  out->set_channel(ToProtoChannel(in.channel));
  out->set_state(ToProtoDeliveryState(in.state));
  out->set_attempt_count(in.attempt_count);
  // Only a delivery that waits has a next attempt; for the others the column is bookkeeping.
  if (in.state == domain::DeliveryState::kRetryWait ||
      in.state == domain::DeliveryState::kPending) {
    ToProtoTimestamp(in.next_attempt_at_ms, out->mutable_next_attempt_time());
  }
  out->set_provider_message_id(in.provider_message_id);
  out->set_last_http_status(in.last_http_status);
  out->set_last_reason(in.last_reason);
  ToProtoTimestamp(in.created_at_ms, out->mutable_create_time());
  ToProtoTimestamp(in.updated_at_ms, out->mutable_update_time());
  out->mutable_attempts()->Reserve(static_cast<int>(in.attempts.size()));
  for (const store::AttemptRecord& a : in.attempts) {
    ToProtoAttempt(a, in, push_ids, out->add_attempts());
  }
  out->set_target_hint(in.target_hint);
  if (in.received_at_ms > 0) ToProtoTimestamp(in.received_at_ms, out->mutable_received_time());
  if (in.received_device_at_ms > 0) {
    ToProtoTimestamp(in.received_device_at_ms, out->mutable_received_device_time());
  }
  if (in.opened_at_ms > 0) ToProtoTimestamp(in.opened_at_ms, out->mutable_opened_time());
  if (in.opened_device_at_ms > 0) {
    ToProtoTimestamp(in.opened_device_at_ms, out->mutable_opened_device_time());
  }
}

// The notification's own fields, without deliveries (what ListNotifications shows).
void ToProtoNotificationFields(const domain::NotificationRecord& n, pb::Notification* out) {
  out->set_id(absl::StrCat(n.id));
  out->set_app_id(n.app_id);
  out->set_uid(n.uid);
  out->set_type(ToProtoType(n.type));
  out->set_call_action(n.call_action);
  out->set_call_session_id(n.call_session_id);
  out->set_tag(n.tag);
  out->set_conversation_id(n.conversation_id);
  out->set_sender(n.sender);
  out->set_state(ToProtoNotificationState(n.state));
  out->set_outcome(ToProtoOutcome(n.outcome));
  ToProtoTimestamp(n.received_at_ms, out->mutable_receive_time());
  ToProtoTimestamp(n.updated_at_ms, out->mutable_update_time());
}

void ToProtoNotification(const store::NotificationDetail& in, pb::Notification* out,
                         const PushIdCodec* push_ids) {
  ToProtoNotificationFields(in.notification, out);
  out->mutable_deliveries()->Reserve(static_cast<int>(in.deliveries.size()));
  for (const store::DeliveryRecord& d : in.deliveries) {
    ToProtoDelivery(d, out->add_deliveries(), push_ids);
  }
}

void AddReceiptRates(const std::vector<store::ReceiptRateRow>& rows,
                     pb::GetStatsResponse* response) {
  for (const store::ReceiptRateRow& row : rows) {
    pb::ReceiptRate* r = response->add_receipt_rates();
    r->set_channel(store::ChannelName(row.channel));
    r->set_platform(row.platform);
    r->set_delivered(row.delivered);
    r->set_received(row.received);
    r->set_opened(row.opened);
    if (row.delivered > 0) {
      r->set_received_rate(static_cast<double>(row.received) / static_cast<double>(row.delivered));
      r->set_opened_rate(static_cast<double>(row.opened) / static_cast<double>(row.delivered));
    }
  }
}

// ---- protos -> store values ----------------------------------------------------------------

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

std::optional<domain::NotificationState> FromProtoState(pb::NotificationState s) {
  switch (s) {
    case pb::NOTIFICATION_STATE_QUEUED:
      return domain::NotificationState::kQueued;
    case pb::NOTIFICATION_STATE_DISPATCHING:
      return domain::NotificationState::kDispatching;
    case pb::NOTIFICATION_STATE_DONE:
      return domain::NotificationState::kDone;
    default:
      return std::nullopt;
  }
}

std::optional<domain::NotificationOutcome> FromProtoOutcome(pb::NotificationOutcome o) {
  switch (o) {
    case pb::NOTIFICATION_OUTCOME_DELIVERED:
      return domain::NotificationOutcome::kDelivered;
    case pb::NOTIFICATION_OUTCOME_PARTIALLY_DELIVERED:
      return domain::NotificationOutcome::kPartiallyDelivered;
    case pb::NOTIFICATION_OUTCOME_FAILED:
      return domain::NotificationOutcome::kFailed;
    case pb::NOTIFICATION_OUTCOME_NO_TARGETS:
      return domain::NotificationOutcome::kNoTargets;
    case pb::NOTIFICATION_OUTCOME_FILTERED:
      return domain::NotificationOutcome::kFiltered;
    case pb::NOTIFICATION_OUTCOME_EXPIRED:
      return domain::NotificationOutcome::kExpired;
    default:
      return std::nullopt;
  }
}

// Seconds and nanos as protobuf defines them (0001-01-01 .. 9999-12-31); ms since the epoch.
absl::StatusOr<int64_t> TimestampMs(absl::string_view field, const google::protobuf::Timestamp& t) {
  constexpr int64_t kMinSeconds = -62135596800;
  constexpr int64_t kMaxSeconds = 253402300799;
  if (t.seconds() < kMinSeconds || t.seconds() > kMaxSeconds || t.nanos() < 0 ||
      t.nanos() > 999'999'999) {
    return Invalid(field, "not a valid timestamp");
  }
  if (t.seconds() < 0) return Invalid(field, "before 1970");
  return t.seconds() * 1000 + t.nanos() / 1'000'000;
}

constexpr int kDefaultListPageSize = 50;
constexpr int kMaxListPageSize = 1000;
constexpr int64_t kDefaultStatsWindowSeconds = 3600;
constexpr int64_t kMaxStatsWindowSeconds = 366LL * 24 * 3600;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// A server-streaming call that ends at once with a status and writes nothing.
class FinishedWriter final : public grpc::ServerWriteReactor<pb::NotificationEvent> {
 public:
  explicit FinishedWriter(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// Auth, then the request's own checks, then whether the key covers the app (see
// AdmitGetNotification for why in this order).
absl::Status Admit(const ApiKeyAuthenticator& auth, grpc::CallbackServerContext& context,
                   const absl::Status& validation, std::string_view app_id, Access access) {
  absl::StatusOr<Principal> principal = AuthenticateCall(auth, context);
  if (!principal.ok()) return principal.status();
  if (!validation.ok()) return validation;
  return Authorize(*principal, app_id, access);
}

void AddCounts(const std::map<std::string, int64_t>& counts,
               google::protobuf::RepeatedPtrField<pb::CountByKey>* out) {
  for (const auto& [key, count] : counts) {
    pb::CountByKey* c = out->Add();
    c->set_key(key);
    c->set_count(count);
  }
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

}  // namespace

// ---- validation -----------------------------------------------------------------------------

absl::StatusOr<store::NotificationQuery> ValidateListNotificationsRequest(
    const pb::ListNotificationsRequest& request) {
  if (absl::Status s = ValidateAppId(request.app_id()); !s.ok()) return s;
  store::NotificationQuery q;
  q.app_id = request.app_id();
  if (request.uid().size() > 256) return Invalid("uid", "longer than 256 bytes");
  q.uid = request.uid();
  if (request.state() != pb::NOTIFICATION_STATE_UNSPECIFIED) {
    q.state = FromProtoState(request.state());
    if (!q.state) return Invalid("state", "unknown value");
  }
  switch (request.type()) {
    case pb::NOTIFICATION_TYPE_UNSPECIFIED:
      break;
    case pb::NOTIFICATION_TYPE_CHAT:
      q.type = "chat";
      break;
    case pb::NOTIFICATION_TYPE_CALL:
      q.type = "call";
      break;
    default:
      return Invalid("type", "unknown value");
  }
  if (request.outcome() != pb::NOTIFICATION_OUTCOME_UNSPECIFIED) {
    q.outcome = FromProtoOutcome(request.outcome());
    if (!q.outcome) return Invalid("outcome", "unknown value");
  }
  if (request.has_start_time()) {
    absl::StatusOr<int64_t> ms = TimestampMs("start_time", request.start_time());
    if (!ms.ok()) return ms.status();
    q.received_from_ms = *ms;
  }
  if (request.has_end_time()) {
    absl::StatusOr<int64_t> ms = TimestampMs("end_time", request.end_time());
    if (!ms.ok()) return ms.status();
    if (*ms <= 0) return Invalid("end_time", "must be after 1970-01-01");
    q.received_until_ms = *ms;
  }
  if (q.received_until_ms > 0 && q.received_from_ms >= q.received_until_ms) {
    return Invalid("end_time", "must be after start_time");
  }
  if (request.page_size() < 0) return Invalid("page_size", "must not be negative");
  // AIP-158, as ListTokens: 0 means the default, larger sizes are lowered to the maximum.
  q.limit = request.page_size() == 0 ? kDefaultListPageSize
                                     : std::min(request.page_size(), kMaxListPageSize);
  if (!request.page_token().empty()) {
    std::optional<int64_t> before = DecodePageToken(request.page_token());
    if (!before) {
      return Invalid("page_token", "not a token from a previous ListNotifications response");
    }
    q.before_id = *before;
  }
  return q;
}

absl::StatusOr<int64_t> ValidateGetStatsRequest(const pb::GetStatsRequest& request,
                                                int64_t now_ms) {
  if (absl::Status s = ValidateAppId(request.app_id()); !s.ok()) return s;
  if (request.window_seconds() < 0) return Invalid("window_seconds", "must not be negative");
  if (request.window_seconds() > kMaxStatsWindowSeconds) {
    return Invalid("window_seconds", absl::StrCat("at most ", kMaxStatsWindowSeconds));
  }
  const int64_t window =
      request.window_seconds() == 0 ? kDefaultStatsWindowSeconds : request.window_seconds();
  return now_ms - window * 1000;
}

absl::StatusOr<store::RedriveScope> ValidateRetryNotificationRequest(
    const pb::RetryNotificationRequest& request) {
  if (absl::Status s = ValidateAppId(request.app_id()); !s.ok()) return s;
  store::RedriveScope scope;
  scope.app_id = request.app_id();
  switch (request.scope_case()) {
    case pb::RetryNotificationRequest::kId:
      if (!absl::SimpleAtoi(request.id(), &scope.notification_id) || scope.notification_id <= 0) {
        return Invalid("id", "must be a notification id (the decimal number the webhook answered)");
      }
      break;
    case pb::RetryNotificationRequest::kSince: {
      absl::StatusOr<int64_t> ms = TimestampMs("since", request.since());
      if (!ms.ok()) return ms.status();
      scope.since_ms = *ms;
      break;
    }
    default:
      return Invalid("id", "set either id or since");
  }
  return scope;
}

// ---- WatchNotifications ---------------------------------------------------------------------

// One watch stream. Events are queued by the service's poller and written one at a time (the
// callback API allows one outstanding write). The reactor is registered with the service from
// construction to OnDone; the service polls it only while holding watchers_mu_, and OnDone
// unregisters under that same mutex, so the poller never touches a deleted reactor.
class WatchReactor final : public grpc::ServerWriteReactor<pb::NotificationEvent> {
 public:
  WatchReactor(DeliveriesService* service, std::string app_id, std::string uid,
               store::ChangeCursor start)
      : service_(service),
        app_id_(std::move(app_id)),
        uid_(std::move(uid)),
        start_(start),
        newest_ms_(start.updated_at_ms) {
    service_->AddWatcher(this);
  }

  // Called by the poller thread (with the service's watchers_mu_ held).
  void Poll(store::StatusStore& status, int queue_limit) {
    constexpr int kChangesPerPage = 200;
    constexpr int kMaxPagesPerPoll = 10;
    // A row is stamped with its writer's clock before its batch commits, so it can become
    // visible with an updated_at a little below changes already streamed. Each poll therefore
    // re-reads a window behind the newest change seen and skips what it already sent.
    constexpr int64_t kLookbackMs = 2000;
    store::ChangeCursor after{std::max<int64_t>(0, newest_ms_ - kLookbackMs), 0};
    std::vector<store::NotificationChange> fresh;
    for (int page = 0; page < kMaxPagesPerPoll; ++page) {
      absl::StatusOr<std::vector<store::NotificationChange>> changes =
          status.ChangesSince(app_id_, uid_, after, kChangesPerPage);
      if (!changes.ok()) break;  // a busy reader pool: try again next interval
      for (store::NotificationChange& c : *changes) {
        after = {c.notification.updated_at_ms, c.notification.id};
        fresh.push_back(std::move(c));
      }
      if (static_cast<int>(changes->size()) < kChangesPerPage) break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    for (const store::NotificationChange& c : fresh) {
      const domain::NotificationRecord& n = c.notification;
      if (n.updated_at_ms < start_.updated_at_ms ||
          (n.updated_at_ms == start_.updated_at_ms && n.id <= start_.id)) {
        continue;  // changed before the watch began: that is history (ListNotifications)
      }
      for (const domain::DeliveryRecord& d : c.deliveries) {
        if (!sent_deliveries_.insert({d.updated_at_ms, d.id}).second) continue;
        pb::NotificationEvent* e = Enqueue(n, queue_limit);
        if (e == nullptr) return FinishBehindLocked(queue_limit);
        ToProtoDelivery(d, e->mutable_delivery());
        ToProtoTimestamp(d.updated_at_ms, e->mutable_event_time());
      }
      if (sent_notifications_.insert({n.updated_at_ms, n.id}).second &&
          Enqueue(n, queue_limit) == nullptr) {
        return FinishBehindLocked(queue_limit);
      }
      newest_ms_ = std::max(newest_ms_, n.updated_at_ms);
    }
    // What fell out of the window can no longer come back from the query.
    const int64_t floor = newest_ms_ - kLookbackMs;
    for (auto* seen : {&sent_notifications_, &sent_deliveries_}) {
      while (!seen->empty() && seen->begin()->first < floor) seen->erase(seen->begin());
    }
    WriteNextLocked();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {  // the client went away; OnCancel follows or has run
      FinishLocked();
      return;
    }
    WriteNextLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    FinishLocked();
  }

  void OnDone() override {
    service_->RemoveWatcher(this);
    delete this;
  }

 private:
  // Null when the watcher already has `queue_limit` events waiting: it is too slow to follow,
  // and a stream that silently skipped events would show transitions that never happened.
  pb::NotificationEvent* Enqueue(const store::NotificationRecord& n, int queue_limit) {
    if (static_cast<int>(queue_.size()) >= queue_limit) return nullptr;
    pb::NotificationEvent& e = queue_.emplace_back();
    ToProtoTimestamp(n.updated_at_ms, e.mutable_event_time());
    e.set_notification_id(absl::StrCat(n.id));
    e.set_uid(n.uid);
    e.set_state(ToProtoNotificationState(n.state));
    e.set_outcome(ToProtoOutcome(n.outcome));
    return &e;
  }

  // Ends the stream of a watcher that fell behind, with a status that says so; what it missed
  // is in ListNotifications / GetNotification.
  void FinishBehindLocked(int queue_limit) {
    if (finished_) return;
    finished_ = true;
    queue_.clear();
    LogInfo("watch_ended_behind", {{"app_id", app_id_}, {"limit", absl::StrCat(queue_limit)}});
    Finish(ToGrpcStatus(absl::ResourceExhaustedError(absl::StrCat(
        "watcher fell behind: more than ", queue_limit,
        " events waiting; watch again, and read what was missed with ListNotifications"))));
  }

  void WriteNextLocked() {
    if (writing_ || finished_ || queue_.empty()) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  }

  void FinishLocked() {
    if (finished_) return;
    finished_ = true;
    queue_.clear();
    // A write in flight completes (ok=false after a cancel) before OnDone; Finish may be
    // called meanwhile.
    Finish(grpc::Status::OK);
  }

  DeliveriesService* const service_;
  const std::string app_id_;
  const std::string uid_;
  const store::ChangeCursor start_;  // the app's newest change when the watch began
  // Only the poller touches these.
  int64_t newest_ms_;  // the newest updated_at streamed (or start_'s)
  std::set<std::pair<int64_t, int64_t>> sent_notifications_;  // (updated_at, id) in the window
  std::set<std::pair<int64_t, int64_t>> sent_deliveries_;     // (updated_at, id) in the window

  std::mutex mu_;
  std::deque<pb::NotificationEvent> queue_;  // guarded by mu_
  pb::NotificationEvent current_;            // the event being written
  bool writing_ = false;                     // guarded by mu_
  bool finished_ = false;                    // guarded by mu_
};

// ---- the service ----------------------------------------------------------------------------

DeliveriesService::DeliveriesService(const ApiKeyAuthenticator* auth, store::StatusStore* status,
                                     DeliveriesServiceOptions options)
    : auth_(auth), status_(status), options_(options) {}

DeliveriesService::~DeliveriesService() {
  {
    std::lock_guard<std::mutex> lock(watchers_mu_);
    stopping_ = true;
  }
  poll_wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

int DeliveriesService::active_watchers() {
  std::lock_guard<std::mutex> lock(watchers_mu_);
  return static_cast<int>(watchers_.size());
}

void DeliveriesService::AddWatcher(WatchReactor* w) {
  std::lock_guard<std::mutex> lock(watchers_mu_);
  watchers_.insert(w);
  if (!poller_.joinable() && !stopping_) poller_ = std::thread([this] { PollLoop(); });
}

void DeliveriesService::RemoveWatcher(WatchReactor* w) {
  std::lock_guard<std::mutex> lock(watchers_mu_);
  watchers_.erase(w);
}

void DeliveriesService::PollLoop() {
  std::unique_lock<std::mutex> lock(watchers_mu_);
  while (!stopping_) {
    poll_wake_.wait_for(lock, std::chrono::milliseconds(options_.watch_poll_ms));
    if (stopping_) break;
    for (WatchReactor* w : watchers_) w->Poll(*status_, options_.watch_queue_limit);
  }
}

grpc::ServerUnaryReactor* DeliveriesService::GetNotification(
    grpc::CallbackServerContext* context, const pb::GetNotificationRequest* request,
    pb::Notification* response) {
  if (status_ == nullptr) {
    return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
  }
  absl::StatusOr<int64_t> id = AdmitGetNotification(*auth_, *context, *request);
  if (!id.ok()) return FinishNow(context, id.status());
  // A read on a pooled read-only connection: short, and it never waits for the writer.
  absl::StatusOr<std::optional<store::NotificationDetail>> detail =
      status_->GetNotification(request->app_id(), *id);
  if (!detail.ok()) return FinishNow(context, PublicStoreError(detail.status(), "GetNotification"));
  // Another app's notification is as unknown to this caller as one that never existed.
  if (!detail->has_value()) {
    return FinishNow(context, absl::NotFoundError(absl::StrCat("no notification ", request->id(),
                                                               " in app ", request->app_id())));
  }
  ToProtoNotification(**detail, response, options_.push_ids);
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* DeliveriesService::ListNotifications(
    grpc::CallbackServerContext* context, const pb::ListNotificationsRequest* request,
    pb::ListNotificationsResponse* response) {
  constexpr std::string_view kRpc = "ListNotifications";
  if (status_ == nullptr) {
    return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
  }
  absl::StatusOr<store::NotificationQuery> query = ValidateListNotificationsRequest(*request);
  if (absl::Status s =
          Admit(*auth_, *context, query.status(), request->app_id(), Access::kDeliveriesRead);
      !s.ok()) {
    return FinishNow(context, s);
  }
  const int page_size = query->limit;
  query->limit = FetchLimitForPage(page_size);
  absl::StatusOr<std::vector<domain::NotificationRecord>> rows = status_->ListNotifications(*query);
  if (!rows.ok()) return FinishNow(context, PublicStoreError(rows.status(), kRpc));
  response->set_next_page_token(
      FillPage(*rows, page_size, [response](const domain::NotificationRecord& row) {
        ToProtoNotificationFields(row, response->add_notifications());
      }));
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerWriteReactor<pb::NotificationEvent>* DeliveriesService::WatchNotifications(
    grpc::CallbackServerContext* context, const pb::WatchNotificationsRequest* request) {
  if (status_ == nullptr) {
    return new FinishedWriter(Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
  }
  absl::Status valid = ValidateAppId(request->app_id());
  if (valid.ok() && request->uid().size() > 256) valid = Invalid("uid", "longer than 256 bytes");
  if (absl::Status s = Admit(*auth_, *context, valid, request->app_id(), Access::kDeliveriesRead);
      !s.ok()) {
    return new FinishedWriter(s);
  }
  // Only what changes from now on: a watcher wants live events, not history (that is List).
  absl::StatusOr<store::ChangeCursor> start = status_->LatestChange(request->app_id());
  if (!start.ok()) {
    return new FinishedWriter(PublicStoreError(start.status(), "WatchNotifications"));
  }
  return new WatchReactor(this, request->app_id(), request->uid(), *start);
}

grpc::ServerUnaryReactor* DeliveriesService::GetStats(grpc::CallbackServerContext* context,
                                                      const pb::GetStatsRequest* request,
                                                      pb::GetStatsResponse* response) {
  constexpr std::string_view kRpc = "GetStats";
  if (status_ == nullptr) {
    return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
  }
  const int64_t now = NowMs();
  absl::StatusOr<int64_t> since = ValidateGetStatsRequest(*request, now);
  if (absl::Status s =
          Admit(*auth_, *context, since.status(), request->app_id(), Access::kDeliveriesRead);
      !s.ok()) {
    return FinishNow(context, s);
  }
  absl::StatusOr<store::StatusStats> stats = status_->Stats(request->app_id(), *since, now);
  if (!stats.ok()) return FinishNow(context, PublicStoreError(stats.status(), kRpc));
  AddCounts(stats->notifications_by_state, response->mutable_notifications_by_state());
  AddCounts(stats->deliveries_by_state, response->mutable_deliveries_by_state());
  AddCounts(stats->deliveries_by_channel, response->mutable_deliveries_by_channel());
  AddCounts(stats->deliveries_by_reason, response->mutable_deliveries_by_reason());
  if (options_.receipts != nullptr) {
    absl::StatusOr<std::vector<store::ReceiptRateRow>> rates =
        options_.receipts->ReceiptRates(request->app_id(), *since);
    if (!rates.ok()) return FinishNow(context, PublicStoreError(rates.status(), kRpc));
    AddReceiptRates(*rates, response);
  }
  response->set_queue_depth(stats->queue_depth);
  if (stats->oldest_waiting_received_ms > 0) {
    response->set_oldest_waiting_age_seconds(
        std::max<int64_t>(0, (now - stats->oldest_waiting_received_ms) / 1000));
  }
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerUnaryReactor* DeliveriesService::RetryNotification(
    grpc::CallbackServerContext* context, const pb::RetryNotificationRequest* request,
    pb::RetryNotificationResponse* response) {
  constexpr std::string_view kRpc = "RetryNotification";
  if (status_ == nullptr) {
    return FinishNow(context,
                     Answer(*auth_, *context, request->app_id(), Access::kDeliveriesWrite));
  }
  absl::StatusOr<store::RedriveScope> scope = ValidateRetryNotificationRequest(*request);
  if (absl::Status s =
          Admit(*auth_, *context, scope.status(), request->app_id(), Access::kDeliveriesWrite);
      !s.ok()) {
    return FinishNow(context, s);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Finished on the writer thread: a redrive is a rare operator action, unlike the registry's
  // writes that the reply thread exists for.
  absl::Status submitted = status_->Redrive(
      *std::move(scope), NowMs(), [reactor, response, kRpc](absl::StatusOr<int> redriven) {
        if (!redriven.ok()) {
          reactor->Finish(ToGrpcStatus(PublicStoreError(redriven.status(), kRpc)));
          return;
        }
        response->set_redriven_count(*redriven);
        reactor->Finish(grpc::Status::OK);
      });
  if (!submitted.ok()) reactor->Finish(ToGrpcStatus(PublicStoreError(submitted, kRpc)));
  return reactor;
}

grpc::ServerUnaryReactor* DeliveriesService::PreviewNotification(
    grpc::CallbackServerContext* context, const pb::PreviewNotificationRequest* request,
    pb::PreviewNotificationResponse* response) {
  constexpr std::string_view kRpc = "PreviewNotification";
  if (options_.registry == nullptr || !options_.preview) {
    return FinishNow(context, Answer(*auth_, *context, request->app_id(), Access::kDeliveriesRead));
  }
  // The body as the webhook would take it; the recipient is the body's unless given.
  absl::Status valid = ValidateAppId(request->app_id());
  std::string uid = request->uid();
  if (valid.ok() && request->payload_json().empty()) valid = Invalid("payload_json", "required");
  if (valid.ok()) {
    absl::StatusOr<webhook::Envelope> envelope = webhook::ParseEnvelope(request->payload_json());
    if (!envelope.ok()) {
      valid = Invalid("payload_json", envelope.status().message());
    } else if (envelope->app_id != request->app_id()) {
      valid = Invalid("payload_json", "its appId is not app_id");
    } else if (uid.empty()) {
      uid = envelope->uid;
    }
  }
  if (valid.ok() && uid.size() > 256) valid = Invalid("uid", "longer than 256 bytes");
  if (absl::Status s = Admit(*auth_, *context, valid, request->app_id(), Access::kDeliveriesRead);
      !s.ok()) {
    return FinishNow(context, s);
  }
  store::ListTokensQuery query;
  query.app_id = request->app_id();
  query.uid = uid;
  query.active_only = true;
  query.limit = 1000;
  absl::StatusOr<std::vector<store::Registration>> active = options_.registry->ListTokens(query);
  if (!active.ok()) return FinishNow(context, PublicStoreError(active.status(), kRpc));
  absl::StatusOr<engine::NotificationPreview> preview =
      options_.preview(request->app_id(), uid, request->payload_json(), *active);
  if (!preview.ok()) {
    const absl::Status& s = preview.status();
    return FinishNow(context, absl::IsInvalidArgument(s) ? Invalid("payload_json", s.message())
                                                         : PublicStoreError(s, kRpc));
  }
  response->set_uid(uid);
  response->set_kind(preview->kind);
  for (const std::string& rule : preview->rules_applied) response->add_rules_applied(rule);
  for (const engine::DeliveryPreview& d : preview->deliveries) {
    pb::PreviewedRequest* r = response->add_requests();
    if (d.registration_id != 0) r->set_registration_id(absl::StrCat(d.registration_id));
    r->set_hook(d.hook);
    r->set_channel(ToProtoChannel(d.channel));
    r->set_target_hint(d.target_hint);
    r->set_skipped_reason(d.skipped_reason);
    r->set_method(d.request.method);
    r->set_url(d.request.url);
    for (const auto& [name, value] : d.request.headers) {
      pb::HttpHeader* h = r->add_headers();
      h->set_name(name);
      h->set_value(value);
    }
    r->set_body(d.request.body);
    r->set_note(d.request.note);
  }
  return FinishNow(context, absl::OkStatus());
}

}  // namespace pushgate::grpc_api
