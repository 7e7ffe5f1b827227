// One connection pool of the HTTP/2 client: the libcurl share that holds its connections,
// DNS entries (including RESOLVE overrides) and TLS sessions, its reusable transfers, its open
// connections (from libcurl's socket callbacks), and the connection gate that sends the first
// request on each new connection alone. Used only on the client thread.
//
// Why a CURLSH per pool: libcurl reuses a connection for any transfer to the same host and
// port whose TLS settings match, so two APNs teams using token auth (same host, same CA, no
// client certificate) would otherwise share a connection, which APNs forbids (one connection =
// one team). A transfer whose share holds CURL_LOCK_DATA_CONNECT uses the share's connection
// cache instead of the multi's, so giving each pool its own share keeps pools apart while one
// multi handle (and so one curl_multi_poll) still drives them all. Sharing the DNS cache per
// pool keeps one pool's RESOLVE overrides away from the others. Connection limits
// (CURLMOPT_MAX_HOST_CONNECTIONS) are counted per connection cache, i.e. per pool.
#ifndef PUSHGATE_PROVIDERS_HTTP2_POOL_H_
#define PUSHGATE_PROVIDERS_HTTP2_POOL_H_

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "providers/http2_client.h"
#include "providers/http2_connection_gate.h"
#include "providers/http2_transfer.h"

namespace pushgate::providers::http2_internal {

struct Job {
  Http2Request request;
  Transfer::Done done;
};

class Pool {
 public:
  // The key under which a request's pool is found: its name and TLS settings, so that even a
  // caller reusing a pool name with other credentials never gets a connection made with others.
  static std::string KeyFor(const Http2Request& request);
  static absl::StatusOr<std::unique_ptr<Pool>> Create(const Http2Request& first,
                                                      const TransferSettings& settings);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  const std::string& name() const { return name_; }

  // An idle transfer of this pool, or a new one.
  absl::StatusOr<Transfer*> Acquire();
  void Release(Transfer* transfer);
  // Every transfer this pool holds (shutdown walks the active ones).
  const std::vector<std::unique_ptr<Transfer>>& transfers() const { return transfers_; }

  // Housekeeping, run periodically by the client. An idle easy handle keeps ~20 KB (libcurl's
  // receive buffer included), so a pool keeps only as many as it had in use at its busiest
  // since the previous call (at least kMinTransfers) and frees the rest, oldest first.
  void TrimIdleTransfers();
  // True when the pool has nothing held or in flight and started no request since `cutoff`;
  // the client then drops it, which closes its connections.
  bool IdleSince(std::chrono::steady_clock::time_point cutoff) const;
  static constexpr size_t kMinTransfers = 4;

  // The connection gate (http2_connection_gate.h): whether the next request may go now, be
  // sent alone and followed by a libcurl step, or wait.
  ConnectionGate::Admission Admit();
  void Hold(Job job) { held_.push_back(std::move(job)); }
  void OnStarted() { gate_.OnStarted(); }
  // Connections opened so far; compare before and after a step.
  uint64_t connections_opened() const { return connections_opened_; }
  void OnStepped(const Transfer* transfer, uint64_t opened_before) {
    gate_.OnStepped(transfer, connections_opened_ > opened_before);
  }
  // Returns the held requests, in order, when this completion lets them be admitted again.
  std::deque<Job> OnFinished(const Transfer* transfer, bool answered);
  std::deque<Job> TakeHeld() { return std::exchange(held_, {}); }
  size_t open_connections() const { return sockets_.size(); }
  // TCP_CORK on (or off, which sends what was held) for the pool's connections. libcurl 7.88
  // writes every HTTP/2 frame of every stream with its own send(); corked for the length of a
  // pass, a pass's frames leave in full segments instead of one segment each.
  void CorkConnections(bool cork);
  bool confirmed() const { return gate_.confirmed(); }

  // libcurl's socket callbacks (CURLOPT_OPENSOCKETFUNCTION / CLOSESOCKETFUNCTION, the pool as
  // their data): how the pool learns when a connection is opened or closed.
  static curl_socket_t OpenSocket(void* pool, curlsocktype purpose, struct curl_sockaddr* address);
  static int CloseSocket(void* pool, curl_socket_t socket);

 private:
  Pool(std::string name, TlsSettings tls, TransferSettings settings, CURLSH* share,
       curl_slist* resolve)
      : name_(std::move(name)),
        tls_(std::move(tls)),
        settings_(settings),
        share_(share),
        resolve_(resolve) {}

  std::string name_;
  TlsSettings tls_;
  TransferSettings settings_;
  CURLSH* share_;
  curl_slist* resolve_;
  std::vector<std::unique_ptr<Transfer>> transfers_;
  std::vector<Transfer*> idle_;  // most recently released last
  size_t peak_in_use_ = 0;       // since the last TrimIdleTransfers
  std::chrono::steady_clock::time_point last_used_ = std::chrono::steady_clock::now();
  ConnectionGate gate_;
  std::deque<Job> held_;
  std::set<curl_socket_t> sockets_;  // the pool's open connections
  uint64_t connections_opened_ = 0;
};

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_POOL_H_
