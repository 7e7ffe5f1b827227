#include "providers/http2_connection_gate.h"

#include <algorithm>

namespace pushgate::providers::http2_internal {

ConnectionGate::Admission ConnectionGate::Admit(const std::function<bool()>& connections_quiet) {
  if (opener_ != nullptr) return Admission::kHold;
  if (!confirmed_) {
    if (unreachable_) return Admission::kGo;
    return in_flight_ > 0 ? Admission::kHold : Admission::kStep;
  }
  if (in_flight_ == 0 && !connections_quiet()) {
    // Something arrived on an idle connection (a GOAWAY, a close): the next request will likely
    // need a new connection, so it goes alone.
    confirmed_ = false;
    capacity_ = 0;
    return Admission::kStep;
  }
  return in_flight_ < capacity_ ? Admission::kGo : Admission::kStep;
}

void ConnectionGate::OnStepped(const void* request, bool opened_connection) {
  if (!confirmed_) probe_ = request;
  if (opened_connection) {
    opener_ = request;
  } else if (confirmed_) {
    capacity_ = std::max(capacity_, in_flight_);
  }
}

bool ConnectionGate::OnFinished(const void* request, bool answered) {
  if (in_flight_ > 0) --in_flight_;
  bool release = false;
  const bool was_probe = request == probe_;
  if (was_probe) probe_ = nullptr;
  if (request == opener_) {
    opener_ = nullptr;
    release = true;
  }
  if (answered) {
    if (!confirmed_) release = true;
    confirmed_ = true;
    unreachable_ = false;
    capacity_ = std::max<size_t>(capacity_, 1);
    return release;
  }
  if (!confirmed_) {
    if (was_probe) {
      // The probe failed: let the rest go (they fail or succeed on their own).
      unreachable_ = true;
      return true;
    }
    // Requests left from a connection that died: once they are all out, the next one probes.
    return release || in_flight_ == 0;
  }
  // A transport error on a confirmed pool: its connection may be gone. What is still in flight
  // keeps the others alive as far as we know; learn the capacity again from there.
  capacity_ = std::min(capacity_, in_flight_);
  if (capacity_ == 0) confirmed_ = false;
  return release || in_flight_ == 0;
}

void ConnectionGate::OnConnectionClosed(size_t still_open) {
  capacity_ = std::min(capacity_, in_flight_);
  if (still_open == 0) {
    confirmed_ = false;
    capacity_ = 0;
  }
}

}  // namespace pushgate::providers::http2_internal
