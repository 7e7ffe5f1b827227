#include "webhook/content_type.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "webhook/string_views.h"

namespace pushgate::webhook {

bool IsJsonContentType(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  const absl::string_view media_type =
      absl::StripAsciiWhitespace(ToAbsl(content_type.substr(0, semicolon)));  // npos: whole string
  return absl::EqualsIgnoreCase(media_type, "application/json");
}

}  // namespace pushgate::webhook
