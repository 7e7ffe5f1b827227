// Writing JSON text straight into a string, for the request builders on the delivery path.
// Building an nlohmann::ordered_json tree and dumping it cost about as much per push as the
// rest of the engine thread's work (BENCHMARKS.md "Throughput work on the store writer"); this
// writes the same bytes without the tree. The output is exactly what
// nlohmann::json::dump(-1, ' ', false, error_handler_t::replace) prints for the same object
// with the same key order, so a builder may switch between the two without changing a body.
#ifndef PUSHGATE_PROVIDERS_JSON_TEXT_H_
#define PUSHGATE_PROVIDERS_JSON_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace pushgate::providers {

// Appends `value` as a JSON string literal: quotes, backslash and control characters escaped,
// other UTF-8 as is; an invalid UTF-8 sequence becomes U+FFFD, as nlohmann's `replace` does.
void AppendJsonString(std::string& out, std::string_view value);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// One JSON object being written into `out`: members in call order, then Close().
class JsonObjectText {
 public:
  explicit JsonObjectText(std::string& out) : out_(out) { out_.push_back('{'); }

  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
  }
  // Only when `value` is not empty: every byte counts against a provider's size limit.
  void NonEmptyString(std::string_view key, std::string_view value) {
    if (!value.empty()) String(key, value);
  }
  void Int(std::string_view key, int64_t value);
  // Starts a member whose value the caller writes next (a nested JsonObjectText).
  void Key(std::string_view key);
  void Close() { out_.push_back('}'); }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace pushgate::providers

#endif  // PUSHGATE_PROVIDERS_JSON_TEXT_H_
