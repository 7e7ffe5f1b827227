// One reusable libcurl easy handle and the state of the request it is carrying: turns an
// Http2Request into easy options and collects the answer into an Http2Response.
// Used only on the client thread.
#ifndef PUSHGATE_PROVIDERS_HTTP2_TRANSFER_H_
#define PUSHGATE_PROVIDERS_HTTP2_TRANSFER_H_

#include <curl/curl.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
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

  // The handle joins `share` (its pool's connection, DNS and TLS session caches) for its
  // whole life. Returns nullptr if libcurl cannot allocate a handle.
  static std::unique_ptr<Transfer> Create(CURLSH* share, Pool* owner);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Takes the request and its callback and sets every easy option. `resolve` belongs to the
  // pool and outlives the transfer. On error the transfer is left idle and the caller still
  // owns nothing: it must fail `done` itself (it gets it back via TakeDone()).
  absl::Status Prepare(Http2Request request, Done done, curl_slist* resolve,
                       const TransferSettings& settings);

  // Builds the response from libcurl's result and makes the handle reusable.
  Http2Response Finish(CURLcode result);
  // Drops the request without reading libcurl's state (shutdown, failed Prepare).
  void Abandon();
  Done TakeDone() { return std::move(done_); }

  CURL* easy() const { return easy_; }
  Pool* owner() const { return owner_; }
  bool active() const { return active_; }
  void set_active(bool active) { active_ = active; }

 private:
  Transfer(CURL* easy, CURLSH* share, Pool* owner) : easy_(easy), share_(share), owner_(owner) {}

  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);
  absl::Status SetOptions(curl_slist* resolve, const TransferSettings& settings);
  absl::Status SetHeaders();
  void Clear();

  CURL* easy_;
  CURLSH* share_;
  Pool* owner_;
  bool active_ = false;
  Http2Request request_;
  Done done_;
  Http2Response response_;
  curl_slist* header_list_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE];
};

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_TRANSFER_H_
