// HTTP Basic credentials (RFC 7617) as CometChat sends them:
// `Authorization: Basic base64(username:password)`.
#ifndef PUSHGATE_WEBHOOK_BASIC_AUTH_H_
#define PUSHGATE_WEBHOOK_BASIC_AUTH_H_

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace pushgate::webhook {

struct BasicCredentials {
  std::string username;
  std::string password;
};

// std::nullopt unless the value is "Basic" (any case) followed by padded base64 of
// "user:password". The password may itself contain ':' (only the first one splits).
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header_value);

// True when the credentials equal one of the configured pairs. Every pair is compared, both
// fields each time, with ConstantTimeEquals: the time taken says nothing about which pair (or
// which field) came close.
bool MatchesAnyPair(const std::vector<config::BasicAuthCredential>& pairs,
                    const BasicCredentials& credentials);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_BASIC_AUTH_H_
