// Brute-force brake for the webhook's Basic Auth, per source address: after
// slow_after_failures failed attempts within failure_window_seconds each further 401 is
// delayed; at lockout_after_failures the source is locked out for lockout_seconds, and every
// request from it (right credentials included) is answered 429 with Retry-After. A success
// neither ends a lockout nor erases failures: they age out with the window. Other sources
// are unaffected.
//
// Pure policy over (source, time): the handler passes the clock in. Memory is bounded: at
// max_tracked_sources the stalest source that is not locked out makes room (a locked one only
// when every tracked source is locked).
#ifndef PUSHGATE_WEBHOOK_AUTH_LOCKOUT_H_
#define PUSHGATE_WEBHOOK_AUTH_LOCKOUT_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "config/config.h"

namespace pushgate::webhook {

class AuthLockout {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AuthLockout(const config::WebhookAuthLimits& limits) : limits_(limits) {}

  // New limits (SIGHUP) apply from the next call; sources already locked keep their end time.
  void SetLimits(const config::WebhookAuthLimits& limits);

  // Seconds until `source`'s lockout ends (at least 1), or 0 when it is not locked out.
  int64_t LockedForSeconds(std::string_view source, Clock::time_point now);

  struct Failure {
    std::chrono::milliseconds delay{0};  // hold the 401 this long
    bool locked_now = false;             // this failure started a lockout...
    int lockout_seconds = 0;             // ...of this length
  };
  Failure RecordFailure(std::string_view source, Clock::time_point now);

  size_t tracked_sources() const;
  size_t locked_sources(Clock::time_point now) const;

 private:
  struct Source {
    int failures = 0;
    Clock::time_point window_start;
    Clock::time_point locked_until;  // in the past when not locked
    Clock::time_point last_seen;
  };
  void MakeRoom(Clock::time_point now);

  mutable std::mutex mu_;
  config::WebhookAuthLimits limits_;
  absl::flat_hash_map<std::string, Source> sources_;
};

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_AUTH_LOCKOUT_H_
