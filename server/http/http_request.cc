// HttpRequest's helpers, apart from the Beast code so that users of the plain types (the
// webhook handler, its tests) never compile Beast.
#include "http/http_server.h"

namespace pushgate::http {

std::string_view HttpRequest::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

std::string_view HttpRequest::Path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

}  // namespace pushgate::http
