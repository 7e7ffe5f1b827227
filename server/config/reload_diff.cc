#include "config/reload_diff.h"

#include <tuple>

#include "absl/strings/str_cat.h"

namespace pushgate::config {
namespace {

auto Tie(const HttpConfig& h) {
  return std::tie(h.address, h.threads, h.webhook_path, h.max_body_bytes, h.max_header_bytes,
                  h.read_timeout_ms, h.idle_timeout_ms);
}
auto Tie(const GrpcTls& t) {
  return std::tie(t.cert_file, t.key_file, t.client_ca_file, t.require_client_cert,
                  t.refresh_seconds);
}
auto Tie(const StoreConfig& s) {
  return std::tie(s.synchronous, s.write_queue_capacity, s.max_batch, s.dedupe_window_seconds,
                  s.max_db_bytes, s.read_connections, s.cache_size_kib);
}
auto Tie(const EngineConfig& e) {
  return std::tie(e.enabled, e.lease_seconds, e.max_attempts, e.initial_backoff_ms,
                  e.max_backoff_seconds, e.max_age_seconds, e.call_expiry_seconds, e.claim_batch,
                  e.max_in_flight, e.poll_interval_ms, e.request_timeout_ms);
}
auto Tie(const RetentionConfig& r) {
  return std::tie(r.notifications_days, r.inactive_registrations_days, r.interval_seconds,
                  r.batch_rows, r.pause_ms);
}
auto Tie(const PushOverrides& o) {
  return std::tie(o.apns_sound, o.apns_category, o.fcm_sound, o.android_channel_id, o.webpush_icon);
}

bool SameRules(const RulesConfig& a, const RulesConfig& b) {
  if (std::tie(a.drop_kinds, a.privacy, a.privacy_title, a.privacy_body, a.extra_data) !=
          std::tie(b.drop_kinds, b.privacy, b.privacy_title, b.privacy_body, b.extra_data) ||
      a.overrides.size() != b.overrides.size()) {
    return false;
  }
  for (auto ia = a.overrides.begin(), ib = b.overrides.begin(); ia != a.overrides.end();
       ++ia, ++ib) {
    if (ia->first != ib->first || Tie(ia->second) != Tie(ib->second)) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> SettingsNeedingRestart(const Config& running, const Config& loaded) {
  std::vector<std::string> out;
  auto check = [&out](bool same, std::string name) {
    if (!same) out.push_back(std::move(name));
  };
  check(running.data_dir == loaded.data_dir, "data_dir");
  check(Tie(running.http) == Tie(loaded.http), "http (listener settings)");
  check(running.http.tls.enabled() == loaded.http.tls.enabled(), "http.tls (on/off)");
  check(running.grpc.address == loaded.grpc.address &&
            running.grpc.max_message_bytes == loaded.grpc.max_message_bytes &&
            running.grpc.plaintext == loaded.grpc.plaintext,
        "grpc (listener settings)");
  // The certificate files' contents are re-read on their own; their paths are bound at start.
  check(Tie(running.grpc.tls) == Tie(loaded.grpc.tls), "grpc.tls");
  // The admin listener and its credentials are bound at start.
  auto admin_tie = [](const AdminConfig& a) {
    return std::make_tuple(a.address, a.enabled(), a.enabled() ? a.basic_auth->username : "",
                           a.enabled() ? a.basic_auth->password.value : "", a.tls.cert_file,
                           a.tls.key_file);
  };
  check(admin_tie(running.admin) == admin_tie(loaded.admin), "admin");
  check(Tie(running.store) == Tie(loaded.store), "store");
  check(running.registry.max_registrations_per_user == loaded.registry.max_registrations_per_user,
        "registry");
  check(Tie(running.engine) == Tie(loaded.engine), "engine");
  check(Tie(running.retention) == Tie(loaded.retention), "retention");
  // The engine's per-app rules are built into it at start (its providers are rebuilt).
  for (const App& app : loaded.apps) {
    const App* before = running.FindApp(app.app_id);
    if (before != nullptr && !SameRules(before->rules, app.rules)) {
      out.push_back(absl::StrCat("apps[", app.app_id, "].rules"));
    }
  }
  return out;
}

}  // namespace pushgate::config
