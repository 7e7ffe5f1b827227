#include "grpc/api_key_auth.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace pushgate::grpc_api {
namespace {

constexpr absl::string_view kHashPrefix = "sha256:";

// Debian builds abseil with its own string_view type; this bridges the two.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string_view DigestView(const Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace

ApiKeyAuthenticator::ApiKeyAuthenticator() : keys_(std::make_shared<KeySet>()) {}

ApiKeyAuthenticator::ApiKeyAuthenticator(const std::vector<config::App>& apps,
                                         const config::RateLimit& default_limit)
    : keys_(BuildKeySet(apps, default_limit)) {}

void ApiKeyAuthenticator::Reload(const std::vector<config::App>& apps,
                                 const config::RateLimit& default_limit) {
  std::shared_ptr<const KeySet> keys = BuildKeySet(apps, default_limit);
  std::lock_guard<std::mutex> lock(mu_);
  keys_.swap(keys);
}

std::shared_ptr<const ApiKeyAuthenticator::KeySet> ApiKeyAuthenticator::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_;
}

std::shared_ptr<const ApiKeyAuthenticator::KeySet> ApiKeyAuthenticator::BuildKeySet(
    const std::vector<config::App>& apps, const config::RateLimit& default_limit) {
  auto set = std::make_shared<KeySet>();
  for (const config::App& app : apps) {
    for (const config::ApiKey& key : app.api_keys) {
      Entry e;
      e.app_id = app.app_id;
      e.name = key.name;
      e.role = key.role;
      e.rate_limit = key.rate_limit.value_or(default_limit);
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
        set->any_hashed = true;
      } else {
        e.secret = value;
        // An empty configured key would match an empty bearer token; never accept that.
        e.malformed = value.empty();
      }
      set->entries.push_back(std::move(e));
    }
  }
  return set;
}

absl::StatusOr<Principal> ApiKeyAuthenticator::Authenticate(
    const std::vector<std::string_view>& authorization) const {
  if (authorization.size() != 1) return absl::UnauthenticatedError("missing bearer token");
  std::optional<std::string_view> presented = ParseBearer(authorization.front());
  if (!presented) return absl::UnauthenticatedError("missing bearer token");

  const std::shared_ptr<const KeySet> keys = Current();
  Sha256Digest presented_hash{};
  if (keys->any_hashed) presented_hash = Sha256(*presented);

  // Every entry is compared, match or not, so the time taken does not say which key (or how
  // many) matched.
  Principal principal;
  bool matched = false;
  for (const Entry& e : keys->entries) {
    bool equal = false;
    if (e.hashed) {
      equal = ConstantTimeEquals(DigestView(presented_hash), e.secret);
    } else {
      equal = ConstantTimeEquals(*presented, e.secret);
    }
    if (equal && !e.malformed) {
      if (!matched) {
        principal.key_name = e.name;
        principal.key_id = absl::StrCat(e.app_id, "/", e.name);
        principal.rate_limit = e.rate_limit;
      }
      matched = true;
      // The same key listed twice for one app: the stronger role wins (admin > read, register;
      // read and register are disjoint, so the first one listed stays).
      auto [it, inserted] = principal.roles.emplace(e.app_id, e.role);
      if (!inserted && e.role == config::Role::kAdmin) it->second = e.role;
    }
  }
  if (!matched) return absl::UnauthenticatedError("unknown API key");
  return principal;
}

absl::Status ApiKeyAuthenticator::AdmitRate(const Principal& principal,
                                            int64_t* retry_after_ms) const {
  const KeyRateLimiter::Decision decision =
      limiter_.Admit(principal.key_id, principal.rate_limit, KeyRateLimiter::Clock::now());
  if (decision.allowed) return absl::OkStatus();
  *retry_after_ms = decision.retry_after_ms;
  return absl::ResourceExhaustedError(
      absl::StrCat("API key '", principal.key_name, "' is over its rate limit of ",
                   principal.rate_limit.requests_per_second, " requests/s; retry in ",
                   decision.retry_after_ms, " ms"));
}

std::vector<std::string> ApiKeyAuthenticator::MalformedKeyNames() const {
  std::vector<std::string> names;
  for (const Entry& e : Current()->entries) {
    if (e.malformed) names.push_back(e.name);
  }
  return names;
}

std::string_view PermissionName(Access access) {
  switch (access) {
    case Access::kRegistryWrite:
      return "registry.write";
    case Access::kRegistryRead:
      return "registry.read";
    case Access::kDeliveriesRead:
      return "deliveries.read";
    case Access::kDeliveriesWrite:
      return "deliveries.retry";
  }
  return "?";
}

bool RoleGrants(config::Role role, Access access) {
  switch (role) {
    case config::Role::kAdmin:
      return true;
    case config::Role::kRegister:
      return access == Access::kRegistryWrite;
    case config::Role::kRead:
      return access == Access::kRegistryRead || access == Access::kDeliveriesRead;
  }
  return false;
}

absl::Status Authorize(const Principal& principal, std::string_view app_id, Access access) {
  auto it = principal.roles.find(app_id);
  if (it == principal.roles.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("API key '", principal.key_name, "' may not access app '", Absl(app_id), "'"));
  }
  if (RoleGrants(it->second, access)) return absl::OkStatus();
  std::vector<std::string> granting;
  for (config::Role role : {config::Role::kRegister, config::Role::kRead, config::Role::kAdmin}) {
    if (RoleGrants(role, access)) granting.emplace_back(config::RoleName(role));
  }
  return absl::PermissionDeniedError(
      absl::StrCat("API key '", principal.key_name, "' (role ", Absl(config::RoleName(it->second)),
                   ") lacks permission '", Absl(PermissionName(access)), "' on app '", Absl(app_id),
                   "'; role ", absl::StrJoin(granting, " or "), " grants it"));
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
