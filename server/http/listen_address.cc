#include "http/listen_address.h"

#include "absl/status/status.h"

namespace pushgate::http {
namespace {

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(std::string("http.address: ") + std::string(why) +
                                    " (expected host:port, e.g. 127.0.0.1:8080 or [::1]:8080)");
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return Invalid("no port");
  std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return Invalid("unbalanced brackets");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Invalid("IPv6 addresses need brackets");
  }
  if (port.empty() || port.size() > 5) return Invalid("bad port");
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return Invalid("bad port");
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return Invalid("port out of range");
  return HostPort{std::string(host), static_cast<uint16_t>(value)};
}

}  // namespace pushgate::http
