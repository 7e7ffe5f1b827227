#include "admin/status_source.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"

namespace pushgate::admin {
namespace {

constexpr int64_t kWindowMs = 3'600'000;
constexpr int kRecentNotifications = 20;
constexpr size_t kMaxUidBytes = 256;
constexpr size_t kTopReasons = 8;

Counts ToCounts(const std::map<std::string, int64_t>& m) { return Counts(m.begin(), m.end()); }

std::string Health(const std::map<std::string, uint64_t>& errors,
                   std::initializer_list<const char*> channels) {
  uint64_t refused = 0;
  for (const char* c : channels) {
    auto it = errors.find(c);
    if (it != errors.end()) refused += it->second;
  }
  if (refused == 0) return "not checked";
  return absl::StrCat("not checked; ", refused,
                      " pushes refused for our credentials or configuration since start");
}

DeliveryView ToView(const store::DeliveryRecord& d) {
  DeliveryView v;
  v.channel = store::ChannelName(d.channel);
  v.target = d.hook.empty() ? d.target_hint : d.hook;
  v.state = store::DeliveryStateName(d.state);
  v.reason = d.last_reason;
  v.attempts = d.attempt_count;
  v.last_http_status = d.last_http_status;
  v.updated_at_ms = d.updated_at_ms;
  return v;
}

}  // namespace

std::vector<ChannelView> ConfiguredChannels(const config::App& app,
                                            const std::map<std::string, uint64_t>& errors) {
  std::vector<ChannelView> out;
  if (app.apns.has_value()) {
    const config::ApnsConfig& a = *app.apns;
    std::string how = a.p8_key.value.empty() ? std::string("certificate")
                                             : absl::StrCat("token key ", a.key_id, ", team ",
                                                            a.team_id, " (", a.p8_key.source, ")");
    if (!a.bundle_id.empty()) absl::StrAppend(&how, ", topic ", a.bundle_id);
    out.push_back({"apns", how, Health(errors, {"apns", "apns_voip"})});
  }
  if (app.fcm.has_value()) {
    out.push_back({"fcm", absl::StrCat("service account (", app.fcm->service_account.source, ")"),
                   Health(errors, {"fcm"})});
  }
  if (app.webpush.has_value()) {
    out.push_back({"webpush",
                   absl::StrCat("VAPID key (", app.webpush->vapid_private_key.source, "), subject ",
                                app.webpush->subject),
                   Health(errors, {"webpush"})});
  }
  for (const config::ForwardHook& hook : app.forward_hooks) {
    // The URL stays out: its path is often the receiver's own secret.
    out.push_back({absl::StrCat("webhook:", hook.name),
                   hook.hmac.has_value() ? "forward hook, signed" : "forward hook, unsigned",
                   Health(errors, {"webhook"})});
  }
  if (app.log_channel) out.push_back({"log", "the server's log (demo)", "no credentials needed"});
  return out;
}

Counts TopReasons(const std::map<std::string, int64_t>& by_reason, size_t limit) {
  Counts out;
  for (const auto& [reason, n] : by_reason) {
    if (!reason.empty() && n > 0) out.emplace_back(reason, n);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<AppView> StatusSource::ReadApps(int64_t now_ms) const {
  // pushgate_provider_config_errors_total{app,channel}: app → channel → count.
  std::map<std::string, std::map<std::string, uint64_t>> config_errors;
  for (const auto& [labels, n] : metrics_->CounterValues("pushgate_provider_config_errors_total")) {
    if (labels.size() == 2) config_errors[labels[0]][labels[1]] += n;
  }
  std::vector<AppView> apps;
  for (const config::App& app : config_->apps) {
    AppView view;
    view.app_id = app.app_id;
    view.channels = ConfiguredChannels(app, config_errors[app.app_id]);
    absl::StatusOr<store::StatusStats> stats =
        store_->Stats(app.app_id, now_ms - kWindowMs, now_ms);
    if (!stats.ok()) {
      view.error = std::string(stats.status().message());
    } else {
      view.queue_depth = stats->queue_depth;
      view.oldest_waiting_received_ms = stats->oldest_waiting_received_ms;
      view.notifications_by_state = ToCounts(stats->notifications_by_state);
      view.deliveries_by_state = ToCounts(stats->deliveries_by_state);
      view.deliveries_by_channel = ToCounts(stats->deliveries_by_channel);
      view.top_failure_reasons = TopReasons(stats->deliveries_by_reason, kTopReasons);
    }
    apps.push_back(std::move(view));
  }
  return apps;
}

std::vector<std::string> StatusSource::AppIds() const {
  std::vector<std::string> ids;
  for (const config::App& app : config_->apps) ids.push_back(app.app_id);
  return ids;
}

UserSearchView StatusSource::SearchUser(const std::string& app_id, const std::string& uid) const {
  UserSearchView view;
  view.app_ids = AppIds();
  view.app_id = app_id.empty() && !view.app_ids.empty() ? view.app_ids.front() : app_id;
  view.uid = uid;
  view.searched = true;
  if (uid.empty()) {
    view.error = "Enter a uid to search for.";
    return view;
  }
  if (uid.size() > kMaxUidBytes) {
    view.error = absl::StrCat("A uid is at most ", kMaxUidBytes, " bytes.");
    return view;
  }
  if (config_->FindApp(view.app_id) == nullptr) {
    view.error = absl::StrCat("No app \"", view.app_id, "\" is configured.");
    return view;
  }
  store::NotificationQuery query;
  query.app_id = view.app_id;
  query.uid = uid;
  query.limit = kRecentNotifications;
  absl::StatusOr<std::vector<store::NotificationRecord>> rows = store_->ListNotifications(query);
  if (!rows.ok()) {
    view.error = absl::StrCat("Cannot read notifications: ", rows.status().message());
    return view;
  }
  for (const store::NotificationRecord& row : *rows) {
    NotificationView n;
    n.id = row.id;
    n.type = row.type;
    n.call_action = row.call_action;
    n.sender = row.sender;
    n.state = store::NotificationStateName(row.state);
    n.outcome = store::NotificationOutcomeName(row.outcome);
    n.received_at_ms = row.received_at_ms;
    absl::StatusOr<std::optional<store::NotificationDetail>> detail =
        store_->GetNotification(view.app_id, row.id);
    if (detail.ok() && detail->has_value()) {
      for (const store::DeliveryRecord& d : (*detail)->deliveries)
        n.deliveries.push_back(ToView(d));
    }
    view.notifications.push_back(std::move(n));
  }
  return view;
}

}  // namespace pushgate::admin
