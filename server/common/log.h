// Structured logging: one line per event, `ts=… level=… event=… key=value …` (logfmt), on
// stderr. Callers pass fields explicitly, so payload text and credentials reach the log only
// if someone writes them into a field — which no code in this project does.
#ifndef PUSHGATE_COMMON_LOG_H_
#define PUSHGATE_COMMON_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace pushgate {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogField = std::pair<std::string_view, std::string_view>;

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
