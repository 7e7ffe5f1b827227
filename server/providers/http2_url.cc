#include "providers/http2_url.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace pushgate::providers::http2_internal {
namespace {

bool ParsePort(absl::string_view text, uint16_t* port) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return false;
  if (value == 0 || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

// "host", "host:port", "[v6]" or "[v6]:port" into host (brackets dropped) and port.
bool SplitHostPort(absl::string_view authority, std::string* host, absl::string_view* port) {
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return false;
    *host = std::string(authority.substr(1, close - 1));
    absl::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      *port = rest.substr(1);
    }
    return true;
  }
  const size_t colon = authority.find(':');
  *host = std::string(authority.substr(0, colon));
  if (colon != absl::string_view::npos) *port = authority.substr(colon + 1);
  return true;
}

}  // namespace

absl::StatusOr<RequestUrl> ParseRequestUrl(absl::string_view url) {
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return absl::InvalidArgumentError("url has spaces or control characters");
    }
  }
  RequestUrl out;
  absl::string_view rest;
  if (absl::StartsWithIgnoreCase(url, "https://")) {
    rest = url.substr(8);
  } else if (absl::StartsWithIgnoreCase(url, "http://")) {
    rest = url.substr(7);
    out.tls = false;
    out.port = 80;
  } else {
    return absl::InvalidArgumentError("url scheme must be https or http");
  }
  const size_t path_start = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, path_start);
  absl::string_view path =
      path_start == absl::string_view::npos ? absl::string_view() : rest.substr(path_start);
  path = path.substr(0, path.find('#'));  // a fragment never goes on the wire
  if (authority.find('@') != absl::string_view::npos) {
    return absl::InvalidArgumentError("url must not carry credentials");
  }
  absl::string_view port;
  if (!SplitHostPort(authority, &out.host, &port) || out.host.empty()) {
    return absl::InvalidArgumentError("url has no host");
  }
  if (!port.empty() && !ParsePort(port, &out.port)) {
    return absl::InvalidArgumentError("url has a bad port");
  }
  out.authority = std::string(authority);
  out.path = path.empty() ? "/" : (path[0] == '?' ? absl::StrCat("/", path) : std::string(path));
  return out;
}

std::vector<std::string> ResolveOverride(const std::vector<std::string>& resolve,
                                         absl::string_view host, uint16_t port) {
  for (const std::string& entry : resolve) {
    // host:port:addr[,addr...]; the host may be a bracketed IPv6 literal, so split from the
    // left only after the host.
    std::string entry_host;
    absl::string_view rest;
    absl::string_view view = entry;
    if (!view.empty() && view[0] == '[') {
      const size_t close = view.find(']');
      if (close == absl::string_view::npos || close + 1 >= view.size() || view[close + 1] != ':') {
        continue;
      }
      entry_host = std::string(view.substr(1, close - 1));
      rest = view.substr(close + 2);
    } else {
      const size_t colon = view.find(':');
      if (colon == absl::string_view::npos) continue;
      entry_host = std::string(view.substr(0, colon));
      rest = view.substr(colon + 1);
    }
    const size_t colon = rest.find(':');
    if (colon == absl::string_view::npos) continue;
    uint16_t entry_port = 0;
    if (!ParsePort(rest.substr(0, colon), &entry_port)) continue;
    if (entry_port != port || !absl::EqualsIgnoreCase(entry_host, host)) continue;
    std::vector<std::string> addresses;
    for (absl::string_view address : absl::StrSplit(rest.substr(colon + 1), ',')) {
      address = absl::StripAsciiWhitespace(address);
      if (address.size() >= 2 && address.front() == '[' && address.back() == ']') {
        address = address.substr(1, address.size() - 2);
      }
      if (!address.empty()) addresses.emplace_back(address);
    }
    if (!addresses.empty()) return addresses;
  }
  return {};
}

}  // namespace pushgate::providers::http2_internal
