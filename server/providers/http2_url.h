// Pure parsing for the HTTP/2 client: a request URL split into what a connection needs (scheme,
// host, port) and what a stream needs (authority, path), and the `resolve` overrides
// ("host:port:addr[,addr]", as curl's --resolve) that pin a host name to addresses.
#ifndef PUSHGATE_PROVIDERS_HTTP2_URL_H_
#define PUSHGATE_PROVIDERS_HTTP2_URL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pushgate::providers::http2_internal {

struct RequestUrl {
  bool tls = true;   // https (false: plain http)
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 443;
  std::string authority;  // host[:port] as written: the :authority / Host value
  std::string path;       // path and query; "/" when the URL has none
};

// Errors: INVALID_ARGUMENT naming what is wrong (scheme, host, port, control characters).
absl::StatusOr<RequestUrl> ParseRequestUrl(absl::string_view url);

// The addresses `resolve` pins host:port to (the first matching entry), or none.
std::vector<std::string> ResolveOverride(const std::vector<std::string>& resolve,
                                         absl::string_view host, uint16_t port);

}  // namespace pushgate::providers::http2_internal

#endif  // PUSHGATE_PROVIDERS_HTTP2_URL_H_
