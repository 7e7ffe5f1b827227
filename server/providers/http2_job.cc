#include "providers/http2_job.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace pushgate::providers::http2_internal {
namespace {

bool HasControlChars(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
           c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
  });
}

}  // namespace

absl::Status CheckRequest(const Http2Request& request) {
  if (!IsToken(request.method)) return absl::InvalidArgumentError("bad method");
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name)) return absl::InvalidArgumentError(absl::StrCat("bad header name"));
    if (HasControlChars(value)) {
      return absl::InvalidArgumentError(absl::StrCat("bad header value for ", name));
    }
  }
  return absl::OkStatus();
}

Clock::time_point DeadlineAfter(Clock::time_point now, absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return Clock::time_point::max();
  const absl::Duration capped = std::clamp(timeout, absl::Milliseconds(1), absl::Hours(24 * 365));
  return now + absl::ToChronoMilliseconds(capped);
}

}  // namespace pushgate::providers::http2_internal
