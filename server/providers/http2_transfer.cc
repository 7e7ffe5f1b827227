#include "providers/http2_transfer.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "providers/http2_alpn.h"
#include "providers/http2_errors.h"
#include "providers/http2_pool.h"

namespace pushgate::providers::http2_internal {
namespace {

// TCP keep-alive keeps NAT/firewall state for long-lived provider connections and finds dead
// peers while the connection idles between bursts.
constexpr long kKeepIdleSeconds = 60;
constexpr long kKeepIntervalSeconds = 30;

bool HasControlChars(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
           c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
  });
}

long TimeoutMs(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return 0;  // libcurl: no limit
  int64_t ms = absl::ToInt64Milliseconds(timeout);
  ms = std::clamp<int64_t>(ms, 1, std::numeric_limits<long>::max());
  return static_cast<long>(ms);
}

}  // namespace

// Accumulates the first libcurl option error.
class OptionErrors {
 public:
  void Check(CURLcode rc, const char* what) {
    if (rc != CURLE_OK && status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(what, ": ", curl_easy_strerror(rc)));
    }
  }
  absl::Status status() const { return status_; }

 private:
  absl::Status status_;
};

absl::StatusOr<std::unique_ptr<Transfer>> Transfer::Create(CURLSH* share, Pool* owner,
                                                           const TlsSettings& tls,
                                                           curl_slist* resolve,
                                                           const TransferSettings& settings) {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return absl::ResourceExhaustedError("curl_easy_init failed");
  std::unique_ptr<Transfer> transfer(new Transfer(easy, share, owner, tls, resolve, settings));
  if (absl::Status s = transfer->SetFixedOptions(); !s.ok()) return s;
  return transfer;
}

Transfer::~Transfer() {
  curl_slist_free_all(header_list_);
  curl_easy_cleanup(easy_);
}

absl::Status Transfer::SetFixedOptions() {
  OptionErrors errors;
  CURL* e = easy_;
  CURLSH* share = share_;
  const TlsSettings& tls = tls_;
  curl_slist* resolve = resolve_;
  const TransferSettings& settings = settings_;
  // The pool's caches: connections, DNS (incl. RESOLVE entries) and TLS sessions.
  errors.Check(curl_easy_setopt(e, CURLOPT_SHARE, share), "share");
  errors.Check(curl_easy_setopt(e, CURLOPT_PRIVATE, this), "private");
  errors.Check(curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http"), "protocols");
  errors.Check(curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS)),
               "http version");
  // Wait for a connection that is still being set up to tell whether it multiplexes instead of
  // opening a new connection per stream.
  errors.Check(curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L), "pipewait");
  errors.Check(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L), "nosignal");
  errors.Check(curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, settings.connect_timeout_ms),
               "connect timeout");
  errors.Check(curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L), "keepalive");
  errors.Check(curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, kKeepIdleSeconds), "keepidle");
  errors.Check(curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, kKeepIntervalSeconds), "keepintvl");
  errors.Check(curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, settings.max_idle_age_s), "maxage");
  errors.Check(curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer_), "errorbuffer");
  errors.Check(curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader), "header fn");
  errors.Check(curl_easy_setopt(e, CURLOPT_HEADERDATA, this), "header data");
  errors.Check(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::OnBody), "write fn");
  errors.Check(curl_easy_setopt(e, CURLOPT_WRITEDATA, this), "write data");
  errors.Check(curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, &alpn_check_), "ssl ctx data");
  // The pool learns about its connections through these (see http2_connection_gate.h).
  errors.Check(curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Pool::OpenSocket), "open fn");
  errors.Check(curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, owner_), "open data");
  errors.Check(curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &Pool::CloseSocket), "close fn");
  errors.Check(curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, owner_), "close data");
  if (!tls.ca_file.empty()) {
    errors.Check(curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str()), "ca");
  }
  if (!tls.client_cert_file.empty()) {
    errors.Check(curl_easy_setopt(e, CURLOPT_SSLCERT, tls.client_cert_file.c_str()), "cert");
    errors.Check(curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM"), "cert type");
  }
  if (!tls.client_key_file.empty()) {
    errors.Check(curl_easy_setopt(e, CURLOPT_SSLKEY, tls.client_key_file.c_str()), "key");
    errors.Check(curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM"), "key type");
  }
  // Parsed into the share's DNS cache (as permanent entries) when the next transfer starts.
  if (resolve != nullptr) errors.Check(curl_easy_setopt(e, CURLOPT_RESOLVE, resolve), "resolve");
  return errors.status();
}

absl::Status Transfer::Prepare(Http2Request request, Done done) {
  request_ = std::move(request);
  done_ = std::move(done);
  response_ = Http2Response();
  error_buffer_[0] = '\0';
  alpn_check_.refused = false;
  absl::Status status = SetRequestOptions();
  if (!status.ok()) Clear();
  active_ = status.ok();
  return status;
}

absl::Status Transfer::SetRequestOptions() {
  if (!IsToken(request_.method)) return absl::InvalidArgumentError("bad method");
  if (HasControlChars(request_.url)) return absl::InvalidArgumentError("bad url");
  if (absl::Status s = BuildHeaderList(); !s.ok()) return s;

  OptionErrors errors;
  CURL* e = easy_;
  errors.Check(curl_easy_setopt(e, CURLOPT_URL, request_.url.c_str()), "url");
  errors.Check(curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list_), "headers");
  errors.Check(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, TimeoutMs(request_.timeout)), "timeout");
  if (request_.require_http2) {
    errors.Check(curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &RequireH2AlpnSslCtx), "ssl ctx");
  }

  const std::string& method = request_.method;
  if (method == "GET" && request_.body.empty()) {
    errors.Check(curl_easy_setopt(e, CURLOPT_HTTPGET, 1L), "get");
  } else if (method == "HEAD") {
    errors.Check(curl_easy_setopt(e, CURLOPT_NOBODY, 1L), "head");
  } else {
    // POSTFIELDS does not copy: the body stays in request_ until Finish.
    errors.Check(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                                  static_cast<curl_off_t>(request_.body.size())),
                 "body size");
    errors.Check(curl_easy_setopt(e, CURLOPT_POSTFIELDS, request_.body.data()), "body");
    if (method != "POST") {
      errors.Check(curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method.c_str()), "method");
    }
  }
  return errors.status();
}

absl::Status Transfer::BuildHeaderList() {
  bool has_content_type = false;
  for (const auto& [name, value] : request_.headers) {
    if (!IsToken(name) || HasControlChars(value)) {
      return absl::InvalidArgumentError("bad header");
    }
    if (absl::EqualsIgnoreCase(name, "content-type")) has_content_type = true;
    // "name;" is libcurl's way to send a header with an empty value.
    std::string line = value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value);
    curl_slist* grown = curl_slist_append(header_list_, line.c_str());
    if (grown == nullptr) return absl::ResourceExhaustedError("header list");
    header_list_ = grown;
  }
  // "Name:" removes a header libcurl would add: its form-encoded Content-Type default would
  // mislabel JSON bodies, and Expect: 100-continue would stall HTTP/1.1 uploads by a round trip.
  std::vector<const char*> removals = {"Expect:"};
  if (!has_content_type) removals.push_back("Content-Type:");
  for (const char* removal : removals) {
    curl_slist* grown = curl_slist_append(header_list_, removal);
    if (grown == nullptr) return absl::ResourceExhaustedError("header list");
    header_list_ = grown;
  }
  return absl::OkStatus();
}

size_t Transfer::OnHeader(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<Transfer*>(self);
  const size_t length = size * count;
  absl::string_view line(data, length);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new status line: anything collected so far belonged to an interim (1xx) answer.
    transfer->response_.headers.clear();
    return length;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos || colon == 0) return length;
  std::string name(line.substr(0, colon));
  absl::AsciiStrToLower(&name);
  absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  transfer->response_.headers.emplace_back(std::move(name), std::string(value));
  return length;
}

size_t Transfer::OnBody(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<Transfer*>(self);
  std::string& body = transfer->response_.body;
  const size_t bytes = size * count;
  // The rest is consumed, not refused: refusing would abort the transfer and lose the status.
  body.append(
      data, std::min(bytes, kMaxResponseBodyBytes - std::min(body.size(), kMaxResponseBodyBytes)));
  return bytes;
}

Http2Response Transfer::Finish(CURLcode result) {
  Http2Response response;
  if (result == CURLE_OK) {
    long version = 0;
    curl_easy_getinfo(easy_, CURLINFO_HTTP_VERSION, &version);
    if (request_.require_http2 && version != CURL_HTTP_VERSION_2_0) {
      // Reached only when the handshake check could not run (resumed TLS session, plain http).
      response.transport_error = kErrNotHttp2;
    } else {
      long status = 0;
      curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
      response = std::move(response_);
      response.status = static_cast<int>(status);
    }
  } else {
    CurlFailure failure = DescribeCurlFailure(result, error_buffer_, alpn_check_.refused);
    response.transport_error = std::move(failure.text);
    response.timed_out = failure.timed_out;
  }
  Clear();
  return response;
}

void Transfer::Abandon() { Clear(); }

void Transfer::Clear() {
  // See the header: the reset also clears libcurl's per-handle retry count. The fixed options
  // cannot fail here: they were all accepted when the transfer was created.
  curl_easy_reset(easy_);
  (void)SetFixedOptions();
  curl_slist_free_all(header_list_);
  header_list_ = nullptr;
  request_ = Http2Request();
  response_ = Http2Response();
  active_ = false;
}

}  // namespace pushgate::providers::http2_internal
