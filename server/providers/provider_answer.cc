#include "providers/provider_answer.h"

#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "providers/http2_client.h"

namespace pushgate::providers {

ProviderAnswer ToProviderAnswer(Http2Response&& response) {
  ProviderAnswer a;
  a.status = response.status;
  a.headers = std::move(response.headers);
  a.body = std::move(response.body);
  a.transport_error = std::move(response.transport_error);
  a.timed_out = response.timed_out;
  return a;
}

SendResult LocalResult(Outcome outcome, std::string reason) {
  SendResult r;
  r.outcome = outcome;
  r.reason = std::move(reason);
  return r;
}

std::string AnswerHeader(const ProviderAnswer& answer, const std::string& name) {
  for (const auto& [k, v] : answer.headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::optional<absl::Duration> ParseRetryAfter(const std::string& raw, absl::Time now) {
  const std::string text(absl::StripAsciiWhitespace(raw));
  if (text.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(text, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  absl::Time when;
  std::string err;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", text, absl::UTCTimeZone(), &when, &err)) {
    return when > now ? when - now : absl::ZeroDuration();
  }
  return std::nullopt;
}

SendResult SettleWithoutAnswer(const ProviderAnswer& a) {
  if (absl::StartsWith(a.transport_error, "invalid request: ")) {
    return LocalResult(Outcome::kPermanentFailure, a.transport_error);
  }
  return LocalResult(
      Outcome::kRetry,
      a.timed_out ? "timeout" : (a.transport_error.empty() ? "no answer" : a.transport_error));
}

}  // namespace pushgate::providers
