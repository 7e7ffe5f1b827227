// When a pool's next request may go out, so that every new HTTP/2 connection carries one
// stream until its first answer (APNs allows one stream on a new connection until a request
// succeeds, and any server's SETTINGS are unknown until then). libcurl sends streams on a new
// connection as soon as it knows the connection speaks HTTP/2, before the server's SETTINGS
// arrive: streams past the server's limit are refused, and libcurl retries them by closing
// connections and opening new ones (connection churn, and more open connections than the pool's
// cap while the closed ones wind down). Pure state machine: the pool feeds it events.
//
// The pool knows when libcurl opens a connection only while libcurl does it (the open-socket
// callback, inside curl_multi_perform), i.e. after the request that caused it was added. So a
// request that might make libcurl open a connection is added alone and followed at once by a
// curl_multi_perform ("a step"); if a connection was opened for it, that request is the
// connection's opener and everything else of the pool waits for its answer. A request cannot
// open a connection while the pool has fewer requests in flight than it has already carried
// without opening one (`capacity`), so those are added without a step: after the ramp-up,
// batches go out as before.
//
//   no answer yet on any connection  first request alone (the probe), the rest held;
//                                    a probe without an answer (unreachable) lets the rest go
//   opener pending                   everything held until the opener has an outcome
//   idle, and a connection has unread data or was closed by the peer (GOAWAY while idle)
//                                    the next request is a probe again
//   transport error                  the connection may be gone: capacity is learnt anew
#ifndef PUSHGATE_PROVIDERS_HTTP2_CONNECTION_GATE_H_
#define PUSHGATE_PROVIDERS_HTTP2_CONNECTION_GATE_H_

#include <cstddef>
#include <functional>

namespace pushgate::providers::http2_internal {

class ConnectionGate {
 public:
  enum class Admission {
    kHold,  // keep the request until released
    kStep,  // add it alone and run libcurl once, then OnStepped
    kGo,    // add it with the others
  };

  // Whether the next request may go. `connections_quiet` is asked only when nothing is in
  // flight: true when the pool has open connections and none has unread data or a hang-up.
  Admission Admit(const std::function<bool()>& connections_quiet);

  void OnStarted() { ++in_flight_; }
  // After a step: `opened_connection` tells whether libcurl opened a connection for it.
  void OnStepped(const void* request, bool opened_connection);
  // A request finished; `answered`: an HTTP answer arrived (any status). True when the held
  // requests should be released (they are admitted again, in order).
  bool OnFinished(const void* request, bool answered);
  // libcurl closed one of the pool's connections; `still_open` remain.
  void OnConnectionClosed(size_t still_open);

  size_t in_flight() const { return in_flight_; }
  size_t capacity() const { return capacity_; }
  bool confirmed() const { return confirmed_; }

 private:
  size_t in_flight_ = 0;
  // Requests in flight at once that the pool's connections have taken without a new one.
  size_t capacity_ = 0;
  // Some connection of the pool has carried an answer and is believed alive.
  bool confirmed_ = false;
  // The probe ended without an answer: the endpoint is unreachable, holding would only
  // serialise the pool's requests behind connect timeouts.
  bool unreachable_ = false;
  const void* opener_ = nullptr;  // its new connection awaits its first answer
  const void* probe_ = nullptr;   // the request sent alone while no connection is confirmed
};

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_CONNECTION_GATE_H_
