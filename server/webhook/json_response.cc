#include "webhook/json_response.h"

#include <cstdio>

#include "absl/strings/str_cat.h"

namespace pushgate::webhook {

std::string JsonQuote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out.append(buf);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string MessageBody(std::string_view message) {
  return absl::StrCat("{\"message\":", JsonQuote(message), "}");
}

std::string IngestedBody(int64_t id, bool duplicate) {
  return absl::StrCat("{\"id\":\"", id, "\",\"duplicate\":", duplicate ? "true" : "false", "}");
}

}  // namespace pushgate::webhook
