#include "config/config_redact.h"

#include "nlohmann/json.hpp"

namespace pushgate::config {
namespace {

using nlohmann::json;

// Secrets are objects {"env": NAME} | {"file": PATH} | {"value": TEXT} (config.h), and "value"
// is no other setting's key, so every "value" member at any depth is replaced. Replacing one
// too many (a user's own key inside extra_data) costs nothing; missing one would leak.
void RedactValues(json& node) {
  if (node.is_object()) {
    for (auto& [key, child] : node.items()) {
      if (key == "value") {
        child = std::string(kRedacted);
      } else {
        RedactValues(child);
      }
    }
  } else if (node.is_array()) {
    for (json& child : node) RedactValues(child);
  }
}

}  // namespace

absl::StatusOr<std::string> RedactedConfigText(std::string_view json_text) {
  json root = json::parse(json_text, /*cb=*/nullptr, /*allow_exceptions=*/false,
                          /*ignore_comments=*/true);
  if (root.is_discarded()) return absl::InvalidArgumentError("config: not valid JSON");
  RedactValues(root);
  return root.dump(2, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

}  // namespace pushgate::config
