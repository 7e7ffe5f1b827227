#include "grpc/api_key_auth.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace pushgate::grpc_api {
namespace {

constexpr absl::string_view kHashPrefix = "sha256:";

// Debian builds abseil with its own string_view type; this bridges the two.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string_view DigestView(const Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

ApiKeyAuthenticator::ApiKeyAuthenticator(const std::vector<config::App>& apps) {
  for (const config::App& app : apps) {
    for (const config::ApiKey& key : app.api_keys) {
      Entry e;
      e.app_id = app.app_id;
      e.name = key.name;
      const std::string& value = key.key.value;
      if (absl::StartsWith(value, kHashPrefix)) {
        // Keep the raw 32 bytes so the comparison is over equal-length binary strings.
        std::optional<std::string> digest = HexDecode(value.substr(kHashPrefix.size()));
        e.hashed = true;
        if (digest && digest->size() == 32) {
          e.secret = *std::move(digest);
        } else {
          e.malformed = true;
        }
        any_hashed_ = true;
      } else {
        e.secret = value;
        // An empty configured key would match an empty bearer token; never accept that.
        e.malformed = value.empty();
      }
      entries_.push_back(std::move(e));
    }
  }
}

absl::StatusOr<Principal> ApiKeyAuthenticator::Authenticate(
    const std::vector<std::string_view>& authorization) const {
  if (authorization.size() != 1) return absl::UnauthenticatedError("missing bearer token");
  std::optional<std::string_view> presented = ParseBearer(authorization.front());
  if (!presented) return absl::UnauthenticatedError("missing bearer token");

  Sha256Digest presented_hash{};
  if (any_hashed_) presented_hash = Sha256(*presented);

  // Every entry is compared, match or not, so the time taken does not say which key (or how
  // many) matched.
  Principal principal;
  bool matched = false;
  for (const Entry& e : entries_) {
    bool equal = false;
    if (e.hashed) {
      equal = ConstantTimeEquals(DigestView(presented_hash), e.secret);
    } else {
      equal = ConstantTimeEquals(*presented, e.secret);
    }
    if (equal && !e.malformed) {
      if (!matched) principal.key_name = e.name;
      matched = true;
      principal.apps.insert(e.app_id);
    }
  }
  if (!matched) return absl::UnauthenticatedError("unknown API key");
  return principal;
}

std::vector<std::string> ApiKeyAuthenticator::MalformedKeyNames() const {
  std::vector<std::string> names;
  for (const Entry& e : entries_) {
    if (e.malformed) names.push_back(e.name);
  }
  return names;
}

absl::Status Authorize(const Principal& principal, std::string_view app_id, Access access) {
  (void)access;  // every key holds every access on its apps until roles arrive
  if (principal.apps.find(app_id) != principal.apps.end()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("API key '", principal.key_name, "' may not access app '", Absl(app_id), "'"));
}

std::optional<std::string_view> ParseBearer(std::string_view header_text) {
  constexpr absl::string_view kScheme = "bearer";
  const absl::string_view header = Absl(header_text);
  if (header.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme) ||
      (header[kScheme.size()] != ' ' && header[kScheme.size()] != '\t')) {
    return std::nullopt;
  }
  const absl::string_view key = absl::StripAsciiWhitespace(header.substr(kScheme.size()));
  if (key.empty()) return std::nullopt;
  for (char c : key) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return std::string_view(key.data(), key.size());
}

}  // namespace pushgate::grpc_api
