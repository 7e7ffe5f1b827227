// Pieces of the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Pure string functions.
#ifndef PUSHGATE_METRICS_TEXT_FORMAT_H_
#define PUSHGATE_METRICS_TEXT_FORMAT_H_

#include <string>
#include <string_view>
#include <vector>

namespace pushgate::metrics {

inline constexpr char kTextFormatContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Label values escape backslash, double quote and line feed.
std::string EscapeLabelValue(std::string_view value);
// HELP text escapes backslash and line feed (quotes stay as they are).
std::string EscapeHelp(std::string_view help);
// Shortest text that reads back as the same double; +Inf, -Inf and NaN as Prometheus spells them.
std::string FormatValue(double value);

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names: [a-zA-Z_][a-zA-Z0-9_]*, not "__"-prefixed.
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

// "# HELP name help\n# TYPE name type\n"
void AppendHeader(std::string& out, std::string_view name, std::string_view help,
                  std::string_view type);
// `name{l1="v1",l2="v2"} value\n`; `extra_name`/`extra_value` (e.g. le="0.5") go last when
// extra_name is non-empty; braces are left out when there are no labels at all.
void AppendSample(std::string& out, std::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, std::string_view extra_name,
                  std::string_view extra_value, std::string_view value);

}  // namespace pushgate::metrics

#endif  // PUSHGATE_METRICS_TEXT_FORMAT_H_
