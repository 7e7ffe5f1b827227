// HTTP Basic credentials (RFC 7617) as CometChat sends them:
// `Authorization: Basic base64(username:password)`.
#ifndef PUSHGATE_WEBHOOK_BASIC_AUTH_H_
#define PUSHGATE_WEBHOOK_BASIC_AUTH_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace pushgate::webhook {

// The decoded "username:password" of an Authorization value: std::nullopt unless it is "Basic"
// (any case) followed by padded base64 of text that contains a ':'.
std::optional<std::string> DecodeBasicAuthorization(std::string_view header_value);

struct BasicCredentials {
  std::string username;
  std::string password;
};
// The same, split at the first ':' (the password may contain more).
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header_value);

// A configured pair as a client sends it, "username:password". std::nullopt when the username
// contains ':' (RFC 7617 forbids it: no client could present it unambiguously).
std::optional<std::string> JoinCredential(const config::BasicAuthCredential& pair);

// True when `presented` (decoded "username:password") equals one of `joined`. Comparing the
// joined form checks username and password together with one ConstantTimeEquals per pair;
// every pair is compared, without stopping early, so the time taken says nothing about which
// pair (or which part) came close.
bool MatchesAnyCredential(const std::vector<std::string>& joined, std::string_view presented);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_BASIC_AUTH_H_
