// Optional HMAC-SHA256 signature of the raw body (config::HmacCheck), for senders that can
// sign: the header carries the lower- or upper-case hex digest, optionally prefixed "sha256=".
#ifndef PUSHGATE_WEBHOOK_SIGNATURE_H_
#define PUSHGATE_WEBHOOK_SIGNATURE_H_

#include <string_view>

#include "absl/status/status.h"

namespace pushgate::webhook {

// OK when `header_value` is HMAC-SHA256(secret, body); UNAUTHENTICATED when it is missing,
// malformed or wrong. The digest comparison is constant-time.
absl::Status VerifyBodySignature(std::string_view secret, std::string_view header_value,
                                 std::string_view body);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_SIGNATURE_H_
