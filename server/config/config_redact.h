// What `pushgate --check_config FILE` prints: the config file's JSON without its comments and
// with every secret value replaced, so it can be pasted into a ticket. Secret references (an
// environment variable's name, a file's path) stay: they are where the secret lives, not it.
#ifndef PUSHGATE_CONFIG_CONFIG_REDACT_H_
#define PUSHGATE_CONFIG_CONFIG_REDACT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace pushgate::config {

inline constexpr std::string_view kRedacted = "<redacted>";

// The file text re-printed (2-space indent) with each inline secret ({"value": ...}, the only
// way a value reaches the file) replaced by kRedacted. INVALID_ARGUMENT when it is not JSON.
absl::StatusOr<std::string> RedactedConfigText(std::string_view json_text);

}  // namespace pushgate::config

#endif  // PUSHGATE_CONFIG_CONFIG_REDACT_H_
