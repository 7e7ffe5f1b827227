#include "engine/call_expiry.h"

namespace pushgate::engine {

bool IsRingingCall(const std::string& type, const std::string& call_action) {
  return type == "call" && call_action == "initiated";
}

int64_t CallDeadlineMs(int64_t received_at_ms, int call_expiry_seconds) {
  return received_at_ms + static_cast<int64_t>(call_expiry_seconds) * 1000;
}

bool CallExpired(const std::string& type, const std::string& call_action, int64_t received_at_ms,
                 int call_expiry_seconds, int64_t now_ms) {
  return IsRingingCall(type, call_action) &&
         now_ms > CallDeadlineMs(received_at_ms, call_expiry_seconds);
}

}  // namespace pushgate::engine
