// Debian's abseil 20220623 is built with ABSL_OPTION_USE_STD_STRING_VIEW 0, so
// absl::string_view is its own type and does not convert to or from std::string_view.
// These two conversions keep the crossing explicit and cheap.
#ifndef PUSHGATE_WEBHOOK_STRING_VIEWS_H_
#define PUSHGATE_WEBHOOK_STRING_VIEWS_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace pushgate::webhook {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view ToStd(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_STRING_VIEWS_H_
