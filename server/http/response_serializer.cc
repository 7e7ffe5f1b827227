#include "http/response_serializer.h"

#include <cctype>
#include <cstdio>

namespace pushgate::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IsReservedHeader(std::string_view name) {
  for (std::string_view reserved :
       {"content-length", "transfer-encoding", "connection", "server", "date"}) {
    if (EqualsIgnoreCase(name, reserved)) return true;
  }
  return false;
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty() || HasLineBreak(name) || HasLineBreak(value)) return false;
  if (name.find(':') != std::string_view::npos || name.find(' ') != std::string_view::npos) {
    return false;
  }
  return !IsReservedHeader(name);
}

}  // namespace

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string HttpDate(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string SerializeResponse(const HttpResponse& response, const ResponseFraming& framing) {
  const int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  std::string out;
  out.reserve(192 + response.body.size());
  char status_text[4];
  std::snprintf(status_text, sizeof status_text, "%03d", status);
  out.append("HTTP/1.1 ").append(status_text, 3).append(" ").append(ReasonPhrase(status));
  out.append("\r\nServer: pushgate\r\n");
  if (!framing.date.empty()) out.append("Date: ").append(framing.date).append("\r\n");
  if ((!response.body.empty() || !response.content_type.empty()) &&
      !HasLineBreak(response.content_type)) {
    out.append("Content-Type: ").append(response.content_type).append("\r\n");
  }
  out.append("Content-Length: ").append(std::to_string(response.body.size())).append("\r\n");
  for (const auto& [name, value] : response.headers) {
    if (!IsSafeHeader(name, value)) continue;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!framing.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (framing.http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (!framing.head) out.append(response.body);
  return out;
}

}  // namespace pushgate::http
