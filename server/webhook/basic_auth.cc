#include "webhook/basic_auth.h"

#include "absl/strings/match.h"
#include "common/crypto.h"
#include "webhook/string_views.h"

namespace pushgate::webhook {

std::optional<std::string> DecodeBasicAuthorization(std::string_view header_value) {
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
  if (!decoded || decoded->find(':') == std::string::npos) return std::nullopt;
  return decoded;
}

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header_value) {
  std::optional<std::string> decoded = DecodeBasicAuthorization(header_value);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<std::string> JoinCredential(const config::BasicAuthCredential& pair) {
  if (pair.username.find(':') != std::string::npos) return std::nullopt;
  return pair.username + ":" + pair.password.value;
}

bool MatchesAnyCredential(const std::vector<std::string>& joined, std::string_view presented) {
  bool matched = false;
  for (const std::string& credential : joined) {
    matched |= ConstantTimeEquals(presented, credential);
  }
  return matched;
}

}  // namespace pushgate::webhook
