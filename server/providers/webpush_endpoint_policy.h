// Which Web Push endpoints the gateway sends to. The endpoint URL comes from a browser via the
// registration API, so it is untrusted: without a policy anyone who can register a token could
// make the gateway POST to its own network (SSRF). Rules: https only, no user info, and the
// address connected to must be public unless the options allow loopback or private ranges.
// The address that was checked is the one pinned for the request (ResolvePin), so a DNS answer
// that changes between the check and the connect cannot slip a private address in.
#ifndef PUSHGATE_PROVIDERS_WEBPUSH_ENDPOINT_POLICY_H_
#define PUSHGATE_PROVIDERS_WEBPUSH_ENDPOINT_POLICY_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pushgate::providers {

struct WebPushEndpoint {
  std::string url;   // as given
  std::string host;  // lower-case; an IPv6 literal without its brackets
  int port = 443;
  std::string origin;            // https://host[:port], the VAPID audience (default port omitted)
  bool host_is_address = false;  // an IP literal: nothing to resolve
};

// Errors: INVALID_ARGUMENT naming what is wrong (not https, user info, no host, bad port).
absl::StatusOr<WebPushEndpoint> ParseWebPushEndpoint(std::string_view url);

enum class AddressKind {
  kPublic,
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
  kCgnat,        // 100.64.0.0/10 (shared address space: a carrier's private network)
  kLinkLocal,    // 169.254/16 (cloud metadata services live here), fe80::/10
  kUnspecified,  // 0.0.0.0/8, ::
  kMulticast,    // 224/4, ff00::/8
  kReserved,     // documentation, benchmarking, 240/4, and IPv6 outside 2000::/3
};
const char* AddressKindName(AddressKind kind);

// nullopt when `address` is not a numeric IPv4 or IPv6 address. IPv4-mapped, NAT64 and 6to4
// IPv6 addresses are judged by the IPv4 address they carry.
std::optional<AddressKind> ClassifyAddress(std::string_view address);

struct WebPushEndpointPolicy {
  bool allow_loopback = false;  // tests and local development
  // Private ranges and CGNAT: a push service inside the operator's own network. Link-local,
  // unspecified, multicast and reserved addresses are never allowed.
  bool allow_private = false;
};

bool AddressAllowed(AddressKind kind, const WebPushEndpointPolicy& policy);

// Of the addresses `endpoint.host` resolved to, the first the policy allows, to be pinned.
// Errors: PERMISSION_DENIED "endpoint host <h> resolves to <kind> address <a>" naming the
// first refused address when none is allowed; UNAVAILABLE when `addresses` is empty.
absl::StatusOr<std::string> ChooseEndpointAddress(const WebPushEndpoint& endpoint,
                                                  const std::vector<std::string>& addresses,
                                                  const WebPushEndpointPolicy& policy);

// The curl --resolve entry that pins `endpoint` to `address` ("host:port:addr", IPv6 in
// brackets).
std::string ResolvePin(const WebPushEndpoint& endpoint, const std::string& address);

// Looks a host name up: numeric addresses, in the resolver's order. Blocking.
// Errors: UNAVAILABLE with the resolver's message (an unknown host may appear later, and a
// DNS outage passes).
using HostResolver =
    std::function<absl::StatusOr<std::vector<std::string>>(const std::string& host, int port)>;
absl::StatusOr<std::vector<std::string>> ResolveWithGetaddrinfo(const std::string& host, int port);

// The addresses a "host:port:addr[,addr…]" entry of `resolve` (TlsSettings::resolve) gives for
// host:port, or nullopt when none matches: configured overrides win over DNS, and are checked
// like DNS answers.
std::optional<std::vector<std::string>> ResolveOverride(const std::vector<std::string>& resolve,
                                                        const std::string& host, int port);

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_WEBPUSH_ENDPOINT_POLICY_H_
