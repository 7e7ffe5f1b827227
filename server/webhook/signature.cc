#include "webhook/signature.h"

#include <optional>
#include <string>

#include "common/crypto.h"

namespace pushgate::webhook {

absl::Status VerifyBodySignature(std::string_view secret, std::string_view header_value,
                                 std::string_view body) {
  if (header_value.empty()) return absl::UnauthenticatedError("body signature missing");
  constexpr std::string_view kPrefix = "sha256=";
  if (header_value.substr(0, kPrefix.size()) == kPrefix) header_value.remove_prefix(kPrefix.size());
  const std::optional<std::string> presented = HexDecode(header_value);
  if (!presented || presented->size() != Sha256Digest().size()) {
    return absl::UnauthenticatedError("body signature is not a hex SHA-256 digest");
  }
  const Sha256Digest expected = HmacSha256(secret, body);
  const std::string_view expected_bytes(reinterpret_cast<const char*>(expected.data()),
                                        expected.size());
  if (!ConstantTimeEquals(*presented, expected_bytes)) {
    return absl::UnauthenticatedError("body signature does not match");
  }
  return absl::OkStatus();
}

}  // namespace pushgate::webhook
