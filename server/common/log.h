// Structured logging: one line per event, `ts=… level=… event=… key=value …` (logfmt), on
// stderr. Callers pass fields explicitly, so payload text and credentials reach the log only
// if someone writes them into a field — which no code in this project does.
#ifndef PUSHGATE_COMMON_LOG_H_
#define PUSHGATE_COMMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pushgate {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// A key and a value that only borrow their text. The value may be any string type, including
// absl::string_view (a distinct type from std::string_view in Debian's abseil build).
struct LogField {
  template <typename V>
  LogField(std::string_view k, const V& v) : key(k) {
    if constexpr (std::is_convertible_v<const V&, std::string_view>) {
      value = std::string_view(v);
    } else {
      value = std::string_view(v.data(), v.size());
    }
  }
  std::string_view key;
  std::string_view value;
};

// Lines below this level are dropped. Default kInfo; PUSHGATE_LOG_LEVEL=debug|info|warn|error.
void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool ParseLogLevel(std::string_view text, LogLevel* level);

void Log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

inline void LogInfo(std::string_view event, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kInfo, event, fields);
}
inline void LogWarn(std::string_view event, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kWarn, event, fields);
}
inline void LogError(std::string_view event, std::initializer_list<LogField> fields = {}) {
  Log(LogLevel::kError, event, fields);
}

// Formats one log line without writing it (for tests).
std::string FormatLogLine(LogLevel level, std::string_view event,
                          std::initializer_list<LogField> fields);

}  // namespace pushgate

#endif  // PUSHGATE_COMMON_LOG_H_
