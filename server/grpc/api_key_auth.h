// API-key policy for the gRPC services: which apps the bearer of a key may touch. Pure: it
// sees the configured keys and the presented `authorization` metadata, never the network.
//
// Two steps, so that a later issue can add roles without changing callers:
//   Authenticate(header)            -> Principal (the key's name and its grants), or
//                                      UNAUTHENTICATED;
//   Authorize(principal, app, need) -> OK or PERMISSION_DENIED.
// Errors name a key only by its configured name; a presented or configured key value never
// appears in a message or a log line.
#ifndef PUSHGATE_GRPC_API_KEY_AUTH_H_
#define PUSHGATE_GRPC_API_KEY_AUTH_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "config/config.h"

namespace pushgate::grpc_api {

// What a call wants to do. Every key may do everything on its apps today; roles will map
// keys to subsets of these.
enum class Access {
  kRegistryWrite,
  kRegistryRead,
  kDeliveriesRead,
  kDeliveriesWrite,
};

// The authenticated caller.
struct Principal {
  std::string key_name;
  std::set<std::string, std::less<>> apps;  // apps this key is configured for
};

class ApiKeyAuthenticator {
 public:
  // One entry per (app, key) of the configuration.
  struct Entry {
    std::string app_id;
    std::string name;
    // Either the key itself, or (hashed) the SHA-256 of the key from "sha256:<hex>".
    std::string secret;
    bool hashed = false;
    // A "sha256:" value whose hex does not decode to 32 bytes; it never matches.
    bool malformed = false;
  };

  explicit ApiKeyAuthenticator(const std::vector<config::App>& apps);
  ApiKeyAuthenticator() = default;

  // `authorization` holds every `authorization` metadata value sent (normally exactly one).
  // UNAUTHENTICATED: "missing bearer token" (none, several, or not "Bearer <key>") or
  // "unknown API key".
  absl::StatusOr<Principal> Authenticate(const std::vector<std::string_view>& authorization) const;

  // Configured keys whose "sha256:" value is not 64 hex digits, by name (for a start-up
  // warning; config validation should catch them first).
  std::vector<std::string> MalformedKeyNames() const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
  bool any_hashed_ = false;
};

// PERMISSION_DENIED "API key 'NAME' may not access app 'APP'" unless the principal holds
// `access` on `app_id`.
absl::Status Authorize(const Principal& principal, std::string_view app_id, Access access);

// Extracts the key from "Bearer <key>" (scheme case-insensitive, RFC 6750); nullopt when the
// header is not of that form.
std::optional<std::string_view> ParseBearer(std::string_view header);

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_API_KEY_AUTH_H_
