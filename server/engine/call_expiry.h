// A ringing call is worth nothing once the caller gave up: an incoming-call push that could not
// leave within call_expiry_seconds of its arrival is never sent (a phone ringing for a call
// that ended is worse than no ring). Pure.
#ifndef PUSHGATE_ENGINE_CALL_EXPIRY_H_
#define PUSHGATE_ENGINE_CALL_EXPIRY_H_

#include <cstdint>
#include <string>

namespace pushgate::engine {

// type "call" with callAction "initiated": the only notification that rings.
bool IsRingingCall(const std::string& type, const std::string& call_action);

// The last moment a ringing call may still be sent (received_at + expiry).
int64_t CallDeadlineMs(int64_t received_at_ms, int call_expiry_seconds);

// True when `now_ms` (or a retry planned for then) is past the deadline of a ringing call;
// always false for anything else.
bool CallExpired(const std::string& type, const std::string& call_action, int64_t received_at_ms,
                 int call_expiry_seconds, int64_t now_ms);

}  // namespace pushgate::engine

#endif  // PUSHGATE_ENGINE_CALL_EXPIRY_H_
