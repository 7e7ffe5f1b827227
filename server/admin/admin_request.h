// What the admin handler needs from a request, as pure functions: the credential check and
// the query string.
#ifndef PUSHGATE_ADMIN_ADMIN_REQUEST_H_
#define PUSHGATE_ADMIN_ADMIN_REQUEST_H_

#include <map>
#include <string>
#include <string_view>

#include "config/config.h"

namespace pushgate::admin {

// True when `authorization` (the header's value) is Basic Auth with exactly `credential`'s
// username and password, compared in constant time.
bool IsAdminAuthorized(std::string_view authorization,
                       const config::BasicAuthCredential& credential);

// The query string of `target` ("/user?uid=a%20b&app=x") as name → value, percent-decoded and
// '+' read as a space; the first of repeated names wins. A malformed escape stays as sent.
std::map<std::string, std::string> ParseQuery(std::string_view target);

}  // namespace pushgate::admin

#endif  // PUSHGATE_ADMIN_ADMIN_REQUEST_H_
