#include "providers/http2_pool.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "absl/status/status.h"
#include "common/log.h"

namespace pushgate::providers::http2_internal {

std::string Pool::KeyFor(const Http2Request& request) {
  const TlsSettings& tls = request.tls;
  std::string key;
  key.reserve(request.pool.size() + tls.ca_file.size() + tls.client_cert_file.size() +
              tls.client_key_file.size() + 8);
  // '\0' cannot occur in a file name, so the parts cannot run into each other.
  key.append(request.pool).push_back('\0');
  key.append(tls.ca_file).push_back('\0');
  key.append(tls.client_cert_file).push_back('\0');
  key.append(tls.client_key_file).push_back('\0');
  for (const std::string& entry : tls.resolve) key.append(entry).push_back('\0');
  return key;
}

absl::StatusOr<std::unique_ptr<Pool>> Pool::Create(const Http2Request& first,
                                                   const TransferSettings& settings) {
  CURLSH* share = curl_share_init();
  if (share == nullptr) return absl::ResourceExhaustedError("curl_share_init failed");
  for (curl_lock_data data :
       {CURL_LOCK_DATA_CONNECT, CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_SSL_SESSION}) {
    if (curl_share_setopt(share, CURLSHOPT_SHARE, data) != CURLSHE_OK) {
      curl_share_cleanup(share);
      return absl::InternalError("curl_share_setopt failed");
    }
  }
  curl_slist* resolve = nullptr;
  for (const std::string& entry : first.tls.resolve) {
    curl_slist* grown = curl_slist_append(resolve, entry.c_str());
    if (grown == nullptr) {
      curl_slist_free_all(resolve);
      curl_share_cleanup(share);
      return absl::ResourceExhaustedError("resolve list");
    }
    resolve = grown;
  }
  return std::unique_ptr<Pool>(new Pool(first.pool, first.tls, settings, share, resolve));
}

Pool::~Pool() {
  // Easy handles hold a reference on the share; it refuses to go while any remain.
  idle_.clear();
  transfers_.clear();
  if (curl_share_cleanup(share_) != CURLSHE_OK) {
    LogError("http2_pool_share_leak", {{"pool", name_}});
  }
  curl_slist_free_all(resolve_);
}

absl::StatusOr<Transfer*> Pool::Acquire() {
  last_used_ = std::chrono::steady_clock::now();
  Transfer* acquired;
  if (!idle_.empty()) {
    acquired = idle_.back();
    idle_.pop_back();
  } else {
    absl::StatusOr<std::unique_ptr<Transfer>> created =
        Transfer::Create(share_, this, tls_, resolve_, settings_);
    if (!created.ok()) return created.status();
    transfers_.push_back(*std::move(created));
    acquired = transfers_.back().get();
  }
  peak_in_use_ = std::max(peak_in_use_, transfers_.size() - idle_.size());
  return acquired;
}

void Pool::TrimIdleTransfers() {
  const size_t in_use = transfers_.size() - idle_.size();
  const size_t keep_total = std::max(peak_in_use_, kMinTransfers);
  const size_t keep_idle = keep_total > in_use ? keep_total - in_use : 0;
  peak_in_use_ = in_use;
  if (idle_.size() <= keep_idle) return;
  const size_t drop_count = idle_.size() - keep_idle;
  std::unordered_set<const Transfer*> drop(idle_.begin(), idle_.begin() + drop_count);
  idle_.erase(idle_.begin(), idle_.begin() + drop_count);
  transfers_.erase(std::remove_if(transfers_.begin(), transfers_.end(),
                                  [&drop](const std::unique_ptr<Transfer>& transfer) {
                                    return drop.count(transfer.get()) > 0;
                                  }),
                   transfers_.end());
}

bool Pool::IdleSince(std::chrono::steady_clock::time_point cutoff) const {
  return gate_.in_flight() == 0 && held_.empty() && idle_.size() == transfers_.size() &&
         last_used_ < cutoff;
}

void Pool::Release(Transfer* transfer) { idle_.push_back(transfer); }

ConnectionGate::Admission Pool::Admit() {
  return gate_.Admit([this] {
    // Idle HTTP/2 connections have nothing to say: unread bytes are a GOAWAY (or a PING), and
    // a hang-up is the peer closing. Either way the next request should go alone.
    if (sockets_.empty()) return false;
    for (curl_socket_t s : sockets_) {
      pollfd p{s, POLLIN | POLLRDHUP, 0};
      if (poll(&p, 1, 0) != 0) return false;
    }
    return true;
  });
}

std::deque<Job> Pool::OnFinished(const Transfer* transfer, bool answered) {
  if (!gate_.OnFinished(transfer, answered)) return {};
  return std::exchange(held_, {});
}

void Pool::CorkConnections(bool cork) {
  const int value = cork ? 1 : 0;
  // Best effort: a socket that refuses (not TCP, already closed by the peer) just sends as is.
  for (curl_socket_t s : sockets_)
    (void)setsockopt(s, IPPROTO_TCP, TCP_CORK, &value, sizeof(value));
}

curl_socket_t Pool::OpenSocket(void* data, curlsocktype purpose, struct curl_sockaddr* address) {
  (void)purpose;
  const curl_socket_t s =
      socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (s == CURL_SOCKET_BAD) return s;
  auto* pool = static_cast<Pool*>(data);
  pool->sockets_.insert(s);
  ++pool->connections_opened_;
  return s;
}

int Pool::CloseSocket(void* data, curl_socket_t s) {
  auto* pool = static_cast<Pool*>(data);
  if (pool->sockets_.erase(s) > 0) pool->gate_.OnConnectionClosed(pool->sockets_.size());
  return close(s);
}

}  // namespace pushgate::providers::http2_internal
