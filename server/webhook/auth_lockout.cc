#include "webhook/auth_lockout.h"

#include "webhook/string_views.h"

namespace pushgate::webhook {

void AuthLockout::SetLimits(const config::WebhookAuthLimits& limits) {
  std::lock_guard<std::mutex> lock(mu_);
  limits_ = limits;
}

int64_t AuthLockout::LockedForSeconds(std::string_view source, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sources_.find(ToAbsl(source));
  if (it == sources_.end() || it->second.locked_until <= now) return 0;
  const auto left = it->second.locked_until - now;
  // Rounded up: a client that waits exactly Retry-After must find the lockout over.
  return std::chrono::ceil<std::chrono::seconds>(left).count();
}

AuthLockout::Failure AuthLockout::RecordFailure(std::string_view source, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sources_.find(ToAbsl(source));
  if (it == sources_.end()) {
    if (sources_.size() >= static_cast<size_t>(limits_.max_tracked_sources)) MakeRoom(now);
    it = sources_.emplace(std::string(source), Source{0, now, Clock::time_point(), now}).first;
  }
  Source& s = it->second;
  s.last_seen = now;
  if (now - s.window_start > std::chrono::seconds(limits_.failure_window_seconds)) {
    s.failures = 0;
    s.window_start = now;
  }
  ++s.failures;
  Failure out;
  if (s.failures >= limits_.lockout_after_failures && s.locked_until <= now) {
    s.locked_until = now + std::chrono::seconds(limits_.lockout_seconds);
    // A fresh count after the lockout: the source gets its slow start again, not an instant
    // relock on its first mistake.
    s.failures = 0;
    s.window_start = s.locked_until;
    out.locked_now = true;
    out.lockout_seconds = limits_.lockout_seconds;
  } else if (s.failures >= limits_.slow_after_failures) {
    out.delay = std::chrono::milliseconds(limits_.slow_delay_ms);
  }
  return out;
}

void AuthLockout::MakeRoom(Clock::time_point now) {
  const auto window = std::chrono::seconds(limits_.failure_window_seconds);
  auto stalest = sources_.end();
  auto stalest_locked = sources_.end();
  for (auto it = sources_.begin(); it != sources_.end(); ++it) {
    const Source& s = it->second;
    const bool locked = s.locked_until > now;
    if (!locked && now - s.window_start > window) {
      // Forgotten anyway: its failures have aged out and it is not locked.
      sources_.erase(it);
      return;
    }
    auto& pick = locked ? stalest_locked : stalest;
    if (pick == sources_.end() || s.last_seen < pick->second.last_seen) pick = it;
  }
  if (stalest != sources_.end()) {
    sources_.erase(stalest);
  } else if (stalest_locked != sources_.end()) {
    sources_.erase(stalest_locked);
  }
}

size_t AuthLockout::tracked_sources() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sources_.size();
}

size_t AuthLockout::locked_sources(Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [source, s] : sources_) n += s.locked_until > now ? 1 : 0;
  return n;
}

}  // namespace pushgate::webhook
