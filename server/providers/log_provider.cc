#include "providers/log_provider.h"

#include <string>
#include <utility>

#include "common/log.h"

namespace pushgate::providers {
namespace {

// Spelled out here rather than domain::PlatformName: this library does not link the store.
const char* PlatformLabel(domain::Platform p) {
  switch (p) {
    case domain::Platform::kApns:
      return "apns";
    case domain::Platform::kApnsVoip:
      return "apns_voip";
    case domain::Platform::kFcm:
      return "fcm";
    case domain::Platform::kWebPush:
      return "webpush";
  }
  return "unknown";
}

}  // namespace

absl::StatusOr<RequestPreview> LogProvider::Preview(const SendRequest& request) const {
  RequestPreview preview;
  preview.method = "LOG";
  preview.body =
      "event=push_logged app=" + request.app_id +
      " registration=" + std::to_string(request.registration.id) +
      " channel=log platform=" + PlatformLabel(request.registration.input.platform) +
      " title_length=" + std::to_string(request.content ? request.content->title.size() : 0);
  preview.note = "the demo channel sends nothing: it writes this line to pushgate's log";
  return preview;
}

void LogProvider::Send(const SendRequest& request, std::function<void(SendResult)> done) {
  const std::string notification =
      request.content ? std::to_string(request.content->notification_id) : "";
  const std::string title_length =
      request.content ? std::to_string(request.content->title.size()) : "0";
  const std::string registration = std::to_string(request.registration.id);
  LogInfo("push_logged", {{"app", request.app_id},
                          {"notification", notification},
                          {"registration", registration},
                          {"channel", "log"},
                          {"platform", PlatformLabel(request.registration.input.platform)},
                          {"title_length", title_length}});
  SendResult result;
  result.outcome = Outcome::kDelivered;
  result.provider_message_id = "log-" + request.attempt_id;
  done(std::move(result));
}

}  // namespace pushgate::providers
