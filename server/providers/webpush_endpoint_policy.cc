#include "providers/webpush_endpoint_policy.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace pushgate::providers {
namespace {

bool InV4(uint32_t a, uint32_t net, int prefix) {
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return (a & mask) == (net & mask);
}

constexpr uint32_t V4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

AddressKind ClassifyV4(uint32_t a) {
  if (InV4(a, V4(0, 0, 0, 0), 8)) return AddressKind::kUnspecified;
  if (InV4(a, V4(127, 0, 0, 0), 8)) return AddressKind::kLoopback;
  if (InV4(a, V4(10, 0, 0, 0), 8) || InV4(a, V4(172, 16, 0, 0), 12) ||
      InV4(a, V4(192, 168, 0, 0), 16)) {
    return AddressKind::kPrivate;
  }
  if (InV4(a, V4(100, 64, 0, 0), 10)) return AddressKind::kCgnat;
  if (InV4(a, V4(169, 254, 0, 0), 16)) return AddressKind::kLinkLocal;
  if (InV4(a, V4(224, 0, 0, 0), 4)) return AddressKind::kMulticast;
  if (InV4(a, V4(240, 0, 0, 0), 4) ||      // future use and broadcast
      InV4(a, V4(192, 0, 0, 0), 24) ||     // IETF protocol assignments
      InV4(a, V4(192, 0, 2, 0), 24) ||     // documentation
      InV4(a, V4(198, 51, 100, 0), 24) ||  // documentation
      InV4(a, V4(203, 0, 113, 0), 24) ||   // documentation
      InV4(a, V4(198, 18, 0, 0), 15) ||    // benchmarking
      InV4(a, V4(192, 88, 99, 0), 24)) {   // deprecated 6to4 relay anycast
    return AddressKind::kReserved;
  }
  return AddressKind::kPublic;
}

uint32_t V4At(const uint8_t* b) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
}

bool StartsWithBytes(const uint8_t* b, std::initializer_list<uint8_t> prefix) {
  return std::memcmp(b, prefix.begin(), prefix.size()) == 0;
}

AddressKind ClassifyV6(const uint8_t* b) {
  static constexpr std::array<uint8_t, 16> kZero{};
  std::array<uint8_t, 16> loopback{};
  loopback[15] = 1;
  if (std::memcmp(b, kZero.data(), 16) == 0) return AddressKind::kUnspecified;
  if (std::memcmp(b, loopback.data(), 16) == 0) return AddressKind::kLoopback;
  // Addresses that carry an IPv4 address reach that address: judge it instead.
  if (std::memcmp(b, kZero.data(), 10) == 0 && b[10] == 0xff && b[11] == 0xff) {
    return ClassifyV4(V4At(b + 12));  // ::ffff:a.b.c.d (IPv4-mapped)
  }
  if (StartsWithBytes(b, {0x00, 0x64, 0xff, 0x9b}) && std::memcmp(b + 4, kZero.data(), 8) == 0) {
    return ClassifyV4(V4At(b + 12));  // 64:ff9b::/96 (NAT64)
  }
  if (StartsWithBytes(b, {0x20, 0x02})) return ClassifyV4(V4At(b + 2));       // 2002::/16 (6to4)
  if ((b[0] & 0xfe) == 0xfc) return AddressKind::kPrivate;                    // fc00::/7 (ULA)
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressKind::kLinkLocal;  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressKind::kPrivate;    // fec0::/10
  if (b[0] == 0xff) return AddressKind::kMulticast;
  if (StartsWithBytes(b, {0x20, 0x01, 0x0d, 0xb8})) return AddressKind::kReserved;  // docs
  if ((b[0] & 0xe0) != 0x20) return AddressKind::kReserved;  // outside global unicast 2000::/3
  return AddressKind::kPublic;
}

// The endpoint is a capability URL (whoever has it can push to the browser): errors name the
// problem, never the URL.
absl::Status Invalid(const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("Web Push endpoint ", why));
}

}  // namespace

absl::StatusOr<WebPushEndpoint> ParseWebPushEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(std::string(url.substr(0, kScheme.size())), "https://")) {
    return Invalid("must be an https:// URL");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return Invalid("contains spaces or control characters");
    }
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t end = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) {
    return Invalid("must not contain user info");
  }
  WebPushEndpoint e;
  e.url = std::string(url);
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("has an unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Invalid("has text after the IPv6 address");
      port_text = after.substr(1);
      has_port = true;
    }
    in6_addr a6;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) {
      return Invalid("has an invalid IPv6 address");
    }
    e.host_is_address = true;
  } else {
    const size_t colon = authority.rfind(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    in_addr a4;
    e.host_is_address = inet_pton(AF_INET, std::string(host).c_str(), &a4) == 1;
  }
  if (host.empty()) return Invalid("has no host");
  if (!e.host_is_address) {
    for (char c : host) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return Invalid("has an invalid host name");
      }
    }
  }
  e.host = absl::AsciiStrToLower(std::string(host));
  if (has_port) {
    int port = 0;
    if (!absl::SimpleAtoi(std::string(port_text), &port) || port < 1 || port > 65535) {
      return Invalid("has an invalid port");
    }
    e.port = port;
  }
  const std::string bracketed =
      e.host.find(':') != std::string::npos ? absl::StrCat("[", e.host, "]") : e.host;
  e.origin = e.port == 443 ? absl::StrCat("https://", bracketed)
                           : absl::StrCat("https://", bracketed, ":", e.port);
  return e;
}

const char* AddressKindName(AddressKind kind) {
  switch (kind) {
    case AddressKind::kPublic:
      return "public";
    case AddressKind::kLoopback:
      return "loopback";
    case AddressKind::kPrivate:
      return "private";
    case AddressKind::kCgnat:
      return "CGNAT";
    case AddressKind::kLinkLocal:
      return "link-local";
    case AddressKind::kUnspecified:
      return "unspecified";
    case AddressKind::kMulticast:
      return "multicast";
    case AddressKind::kReserved:
      return "reserved";
  }
  return "unknown";
}

std::optional<AddressKind> ClassifyAddress(std::string_view address) {
  const std::string text(address);
  in_addr a4;
  if (inet_pton(AF_INET, text.c_str(), &a4) == 1) return ClassifyV4(ntohl(a4.s_addr));
  in6_addr a6;
  if (inet_pton(AF_INET6, text.c_str(), &a6) == 1) return ClassifyV6(a6.s6_addr);
  return std::nullopt;
}

bool AddressAllowed(AddressKind kind, const WebPushEndpointPolicy& policy) {
  switch (kind) {
    case AddressKind::kPublic:
      return true;
    case AddressKind::kLoopback:
      return policy.allow_loopback;
    case AddressKind::kPrivate:
    case AddressKind::kCgnat:
      return policy.allow_private;
    default:
      return false;
  }
}

absl::StatusOr<std::string> ChooseEndpointAddress(const WebPushEndpoint& endpoint,
                                                  const std::vector<std::string>& addresses,
                                                  const WebPushEndpointPolicy& policy) {
  if (addresses.empty()) {
    return absl::UnavailableError(absl::StrCat("endpoint host ", endpoint.host, " has no address"));
  }
  std::string refusal;
  for (const std::string& a : addresses) {
    const std::optional<AddressKind> kind = ClassifyAddress(a);
    if (kind && AddressAllowed(*kind, policy)) return a;
    if (refusal.empty()) {
      refusal = kind ? absl::StrCat(AddressKindName(*kind), " address ", a)
                     : absl::StrCat("unreadable address '", a, "'");
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat("endpoint host ", endpoint.host, " resolves to ", refusal, " (not allowed)"));
}

std::string ResolvePin(const WebPushEndpoint& endpoint, const std::string& address) {
  const bool v6 = address.find(':') != std::string::npos;
  return absl::StrCat(endpoint.host, ":", endpoint.port, ":", v6 ? "[" : "", address,
                      v6 ? "]" : "");
}

absl::StatusOr<std::vector<std::string>> ResolveWithGetaddrinfo(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string service = absl::StrCat(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve endpoint host ", host, ": ", gai_strerror(rc)));
  }
  std::vector<std::string> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* src = nullptr;
    if (ai->ai_family == AF_INET) {
      src = &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr;
    } else if (ai->ai_family == AF_INET6) {
      src = &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr;
    } else {
      continue;
    }
    if (inet_ntop(ai->ai_family, src, buf, sizeof(buf)) == nullptr) continue;
    std::string text(buf);
    bool seen = false;
    for (const std::string& o : out) seen = seen || o == text;
    if (!seen) out.push_back(std::move(text));
  }
  freeaddrinfo(list);
  return out;
}

std::optional<std::vector<std::string>> ResolveOverride(const std::vector<std::string>& resolve,
                                                        const std::string& host, int port) {
  const std::string prefix = absl::StrCat(host, ":", port, ":");
  for (const std::string& entry : resolve) {
    if (!absl::StartsWithIgnoreCase(entry, prefix)) continue;
    std::vector<std::string> out;
    const std::vector<std::string> parts = absl::StrSplit(entry.substr(prefix.size()), ',');
    for (std::string a : parts) {
      if (a.size() >= 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
      if (!a.empty()) out.push_back(std::move(a));
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace pushgate::providers
