// "host:port" as written in config::HttpConfig::address.
#ifndef PUSHGATE_HTTP_LISTEN_ADDRESS_H_
#define PUSHGATE_HTTP_LISTEN_ADDRESS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pushgate::http {

struct HostPort {
  std::string host;  // brackets removed from IPv6 literals; "" means every interface
  uint16_t port = 0;
};

// Accepts "127.0.0.1:8080", "[::1]:8080", "localhost:0", ":8080". INVALID_ARGUMENT otherwise.
absl::StatusOr<HostPort> ParseHostPort(std::string_view address);

}  // namespace pushgate::http

#endif  // PUSHGATE_HTTP_LISTEN_ADDRESS_H_
