#include "webhook/basic_auth.h"

#include "absl/strings/match.h"
#include "common/crypto.h"
#include "webhook/string_views.h"

namespace pushgate::webhook {

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header_value) {
  constexpr std::string_view kScheme = "basic";
  if (header_value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(ToAbsl(header_value.substr(0, kScheme.size())), ToAbsl(kScheme)) ||
      header_value[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  std::string_view encoded = header_value.substr(kScheme.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  std::optional<std::string> decoded = Base64Decode(encoded);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool MatchesAnyPair(const std::vector<config::BasicAuthCredential>& pairs,
                    const BasicCredentials& credentials) {
  bool matched = false;
  for (const config::BasicAuthCredential& pair : pairs) {
    // Both comparisons always run (no short-circuit) so a right username does not take
    // longer than a wrong one.
    const bool user_ok = ConstantTimeEquals(credentials.username, pair.username);
    const bool password_ok = ConstantTimeEquals(credentials.password, pair.password.value);
    matched |= user_ok & password_ok;
  }
  return matched;
}

}  // namespace pushgate::webhook
