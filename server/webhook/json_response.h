// The small JSON bodies the webhook answers with, built by hand: they hold one or two known
// fields, and the hot path should not pay for a DOM to print them.
#ifndef PUSHGATE_WEBHOOK_JSON_RESPONSE_H_
#define PUSHGATE_WEBHOOK_JSON_RESPONSE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace pushgate::webhook {

// `text` as a JSON string literal, quotes included (control characters as \uXXXX).
std::string JsonQuote(std::string_view text);
// {"message":"<message>"}
std::string MessageBody(std::string_view message);
// {"id":"<id>","duplicate":true|false}; the id is a string so that 64-bit ids survive
// JavaScript clients.
std::string IngestedBody(int64_t id, bool duplicate);

}  // namespace pushgate::webhook

#endif  // PUSHGATE_WEBHOOK_JSON_RESPONSE_H_
