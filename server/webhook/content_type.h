// Media-type check for the webhook: "application/json", any case, with or without parameters
// ("application/json; charset=utf-8").
#ifndef PUSHGATE_WEBHOOK_CONTENT_TYPE_H_
#define PUSHGATE_WEBHOOK_CONTENT_TYPE_H_

#include <string_view>

namespace pushgate::webhook {

bool IsJsonContentType(std::string_view content_type);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_CONTENT_TYPE_H_
