#include "providers/json_text.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace pushgate::providers {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not one
// (RFC 3629 table 3-7, the same rule as nlohmann's decoder).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendJsonString(std::string& out, std::string_view value) {
  // One pass that escapes and checks UTF-8 at once (a separate IsValidUtf8 pass over every
  // string cost as much as the escaping on the engine thread); a bad sequence, which is rare
  // (stored payloads are validated at ingest), takes back what was written and goes the
  // nlohmann way below.
  const size_t start = out.size();
  out.reserve(start + value.size() + 2);
  out.push_back('"');
  size_t plain = 0;  // start of the run not yet copied
  for (size_t i = 0; i < value.size();) {
    const unsigned char ch = static_cast<unsigned char>(value[i]);
    if (ch >= 0x80) {
      const size_t n = Utf8SequenceLength(value, i);
      if (n == 0) {
        out.resize(start);
        // nlohmann's own rule for where a bad sequence ends and the next character starts is
        // what the bodies have always followed.
        out += nlohmann::json(std::string(value))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
      i += n;
      continue;
    }
    if (ch >= 0x20 && ch != '"' && ch != '\\') {
      ++i;
      continue;
    }
    out.append(value.data() + plain, i - plain);
    plain = ++i;
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const char u[] = {'\\', 'u', '0', '0', kHex[ch >> 4], kHex[ch & 0xF]};
        out.append(u, sizeof u);
      }
    }
  }
  out.append(value.data() + plain, value.size() - plain);
  out.push_back('"');
}

void JsonObjectText::Key(std::string_view key) {
  if (!first_) out_.push_back(',');
  first_ = false;
  AppendJsonString(out_, key);
  out_.push_back(':');
}

void JsonObjectText::Int(std::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&out_, value);
}

}  // namespace pushgate::providers
