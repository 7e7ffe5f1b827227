// API-key policy for the gRPC services: which apps the bearer of a key may touch, with which
// role, at what rate. It sees the configured keys and the presented `authorization` metadata,
// never the network. The key set is swapped whole on a config reload (SIGHUP): a call uses
// the set that was current when it was authenticated.
//
// Two steps:
//   Authenticate(header)            -> Principal (the key's name and its role per app), or
//                                      UNAUTHENTICATED;
//   Authorize(principal, app, need) -> OK, or PERMISSION_DENIED naming the missing permission
//                                      and the roles that grant it.
// Errors name a key only by its configured name; a presented or configured key value never
// appears in a message or a log line.
#ifndef PUSHGATE_GRPC_API_KEY_AUTH_H_
#define PUSHGATE_GRPC_API_KEY_AUTH_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "config/config.h"
#include "grpc/key_rate_limiter.h"

namespace pushgate::grpc_api {

// What a call wants to do (a permission). Roles grant them:
//   register: kRegistryWrite           read: kRegistryRead, kDeliveriesRead
//   admin:    all four (kDeliveriesWrite is RetryNotification)
enum class Access {
  kRegistryWrite,
  kRegistryRead,
  kDeliveriesRead,
  kDeliveriesWrite,
};

// "registry.write", "registry.read", "deliveries.read", "deliveries.retry".
std::string_view PermissionName(Access access);
bool RoleGrants(config::Role role, Access access);

// The authenticated caller.
struct Principal {
  std::string key_name;
  // The key's identity for per-key limits: "<app>/<name>" of the first matching entry.
  std::string key_id;
  std::map<std::string, config::Role, std::less<>> roles;  // per app this key is configured for
  config::RateLimit rate_limit;                            // the key's own, else limits.grpc
};

class ApiKeyAuthenticator {
 public:
  // One entry per (app, key) of the configuration.
  struct Entry {
    std::string app_id;
    std::string name;
    config::Role role = config::Role::kAdmin;
    config::RateLimit rate_limit;
    // Either the key itself, or (hashed) the SHA-256 of the key from "sha256:<hex>".
    std::string secret;
    bool hashed = false;
    // A "sha256:" value whose hex does not decode to 32 bytes; it never matches.
    bool malformed = false;
  };

  // `default_limit` applies to keys without their own rate_limit.
  explicit ApiKeyAuthenticator(const std::vector<config::App>& apps,
                               const config::RateLimit& default_limit = {});
  ApiKeyAuthenticator();

  // Replaces every key, role and limit at once (SIGHUP). Rate buckets of keys that stay keep
  // their state, so a reload is no way around a limit.
  void Reload(const std::vector<config::App>& apps, const config::RateLimit& default_limit);

  // `authorization` holds every `authorization` metadata value sent (normally exactly one).
  // UNAUTHENTICATED: "missing bearer token" (none, several, or not "Bearer <key>") or
  // "unknown API key".
  absl::StatusOr<Principal> Authenticate(const std::vector<std::string_view>& authorization) const;

  // Takes one request from the principal's rate bucket: OK, or RESOURCE_EXHAUSTED
  // "API key 'NAME' is over its rate limit of N requests/s; retry in M ms" with
  // *retry_after_ms set to M.
  absl::Status AdmitRate(const Principal& principal, int64_t* retry_after_ms) const;

  // Called with the key's name for every call refused by AdmitRate (a metric); set before
  // serving.
  void set_on_rate_limited(std::function<void(const std::string& key_name)> hook) {
    on_rate_limited_ = std::move(hook);
  }
  void CountRateLimited(const std::string& key_name) const {
    if (on_rate_limited_) on_rate_limited_(key_name);
  }

  // Configured keys whose "sha256:" value is not 64 hex digits, by name (for a start-up
  // warning; config validation should catch them first).
  std::vector<std::string> MalformedKeyNames() const;

 private:
  struct KeySet {
    std::vector<Entry> entries;
    bool any_hashed = false;
  };
  static std::shared_ptr<const KeySet> BuildKeySet(const std::vector<config::App>& apps,
                                                   const config::RateLimit& default_limit);
  std::shared_ptr<const KeySet> Current() const;

  mutable std::mutex mu_;  // guards keys_ (the pointer; the set itself is immutable)
  std::shared_ptr<const KeySet> keys_;
  mutable KeyRateLimiter limiter_;
  std::function<void(const std::string&)> on_rate_limited_;
};

// OK when the principal's role on `app_id` grants `access`. Otherwise PERMISSION_DENIED:
//   "API key 'NAME' may not access app 'APP'"                        (not one of its apps)
//   "API key 'NAME' (role register) lacks permission 'registry.read' on app 'APP'; roles
//    read or admin grant it"
// The caller's own key name is the only key a message names.
absl::Status Authorize(const Principal& principal, std::string_view app_id, Access access);

// Extracts the key from "Bearer <key>" (scheme case-insensitive, RFC 6750); nullopt when the
// header is not of that form.
std::optional<std::string_view> ParseBearer(std::string_view header);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_API_KEY_AUTH_H_
