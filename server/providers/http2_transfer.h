// One reusable libcurl easy handle of a pool and the state of the request it is carrying:
// turns an Http2Request into easy options and collects the answer into an Http2Response.
// Used only on the client thread.
//
// A transfer belongs to one pool for life; what the pool fixes (share, TLS files, RESOLVE
// entries, the client's timeouts, callbacks) is applied by SetFixedOptions, what varies per
// request (URL, headers, body, method, timeout, the ALPN check) by Prepare.
//
// The handle is curl_easy_reset after every transfer although that costs ~4% more CPU than
// overwriting options: libcurl 7.88 counts REFUSED_STREAM / dead-connection retries per easy
// handle and only curl_easy_reset clears the count (upstream fixed this in 2025), so a reused
// handle would otherwise fail with "Connection died, tried 5 times" after five retries spread
// over its whole life.
#ifndef PUSHGATE_PROVIDERS_HTTP2_TRANSFER_H_
#define PUSHGATE_PROVIDERS_HTTP2_TRANSFER_H_

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "providers/http2_alpn.h"
#include "providers/http2_client.h"

namespace pushgate::providers::http2_internal {

class Pool;

// Per-client settings every transfer applies.
struct TransferSettings {
  long connect_timeout_ms = 10000;
  // Idle connections older than this are not reused (CURLOPT_MAXAGE_CONN).
  long max_idle_age_s = 3300;
};

class Transfer {
 public:
  using Done = std::function<void(Http2Response)>;

  // A handle in `share` (its pool's connection, DNS and TLS session caches) with the pool's
  // TLS files and RESOLVE list (`resolve` is the pool's and outlives the transfer).
  static absl::StatusOr<std::unique_ptr<Transfer>> Create(CURLSH* share, Pool* owner,
                                                          const TlsSettings& tls,
                                                          curl_slist* resolve,
                                                          const TransferSettings& settings);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Takes the request and its callback and sets the per-request options. On error the
  // transfer is left idle and the caller gets the callback back with TakeDone().
  absl::Status Prepare(Http2Request request, Done done);

  // Builds the response from libcurl's result and makes the handle reusable.
  Http2Response Finish(CURLcode result);
  // Drops the request without reading libcurl's state (shutdown, failed Prepare).
  void Abandon();
  Done TakeDone() { return std::move(done_); }

  CURL* easy() const { return easy_; }
  Pool* owner() const { return owner_; }
  bool active() const { return active_; }

 private:
  Transfer(CURL* easy, CURLSH* share, Pool* owner, const TlsSettings& tls, curl_slist* resolve,
           const TransferSettings& settings)
      : easy_(easy),
        share_(share),
        owner_(owner),
        tls_(tls),
        resolve_(resolve),
        settings_(settings) {}

  absl::Status SetFixedOptions();
  absl::Status SetRequestOptions();
  absl::Status BuildHeaderList();
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);
  void Clear();

  CURL* easy_;
  CURLSH* share_;
  Pool* owner_;
  const TlsSettings& tls_;  // the pool's, which outlives its transfers
  curl_slist* resolve_;
  const TransferSettings settings_;
  bool active_ = false;
  Http2Request request_;
  Done done_;
  Http2Response response_;
  curl_slist* header_list_ = nullptr;
  AlpnCheck alpn_check_;
  char error_buffer_[CURL_ERROR_SIZE];
};

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_TRANSFER_H_
