// libFuzzer target for the APNs and FCM request builders: a stored webhook body (what the
// engine reads back from SQLite) built into a request for every kind of registration. Besides
// crashes and sanitizer reports it checks the builders' promises: a built request is JSON
// within the provider's size limit, addressed to the registration's token, and a refusal is
// one of the documented error codes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "nlohmann/json.hpp"
#include "providers/apns_request_builder.h"
#include "providers/fcm_request_builder.h"
#include "providers/notification_content.h"

namespace {

using namespace pushgate;

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

domain::Registration MakeRegistration(domain::Platform platform, std::string token) {
  domain::Registration r;
  r.id = 7;
  r.input.app_id = "app123";
  r.input.uid = "fuzz-user";
  r.input.session_id = "phone";
  r.input.platform = platform;
  r.input.token = std::move(token);
  return r;
}

bool IsDocumentedRefusal(const absl::Status& s) {
  return s.code() == absl::StatusCode::kFailedPrecondition ||
         s.code() == absl::StatusCode::kInvalidArgument ||
         s.code() == absl::StatusCode::kOutOfRange;
}

void FuzzApns(const providers::NotificationContent& content, bool small_limits) {
  providers::ApnsBuildOptions options;
  options.default_topic = "com.example.chat";
  if (small_limits) {
    // Makes the shrinking rules (drop message, drop custom, truncate) run on short inputs too.
    options.max_alert_payload_bytes = 300;
    options.max_voip_payload_bytes = 400;
  }
  const std::string token(64, 'a');
  for (domain::Platform platform : {domain::Platform::kApns, domain::Platform::kApnsVoip}) {
    for (const char* environment : {"", "sandbox", "production"}) {
      domain::Registration r = MakeRegistration(platform, token);
      r.input.apns_environment = environment;
      auto built = providers::BuildApnsRequest(content, r, "attempt-1", absl::UnixEpoch(), options);
      if (!built.ok()) {
        Require(IsDocumentedRefusal(built.status()));
        continue;
      }
      const size_t limit = built->kind == providers::ApnsPushKind::kVoip
                               ? options.max_voip_payload_bytes
                               : options.max_alert_payload_bytes;
      Require(built->body.size() <= limit);
      Require(built->path == "/3/device/" + token);
      const nlohmann::json body = nlohmann::json::parse(built->body, nullptr, false);
      Require(body.is_object() && body.contains("aps") && body["aps"].is_object());
      bool has_topic = false, has_push_type = false;
      for (const auto& [name, value] : built->headers) {
        Require(value.find('\n') == std::string::npos && value.find('\r') == std::string::npos);
        has_topic |= name == "apns-topic" && !value.empty();
        has_push_type |= name == "apns-push-type";
      }
      Require(has_topic && has_push_type);
    }
  }
}

void FuzzFcm(const providers::NotificationContent& content, bool small_limits) {
  providers::FcmBuildOptions options;
  if (small_limits) options.max_payload_bytes = 300;
  const std::string token = "fcm-token:APA91b-fuzz";
  for (const char* os : {"", "android", "ios", "web"}) {
    domain::Registration r = MakeRegistration(domain::Platform::kFcm, token);
    r.input.fcm_os = os;
    auto built = providers::BuildFcmRequest(content, r, "my-project", absl::UnixEpoch(), options);
    if (!built.ok()) {
      Require(IsDocumentedRefusal(built.status()));
      continue;
    }
    Require(built->payload_bytes <= options.max_payload_bytes);
    Require(built->path == "/v1/projects/my-project/messages:send");
    const nlohmann::json body = nlohmann::json::parse(built->body, nullptr, false);
    Require(body.is_object() && body.contains("message"));
    const nlohmann::json& message = body["message"];
    Require(message.value("token", "") == token);
    // FCM refuses non-string data values and reserved keys.
    if (message.contains("data")) {
      for (const auto& [key, value] : message["data"].items()) {
        Require(value.is_string());
        Require(!providers::IsReservedFcmDataKey(key));
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<providers::NotificationContent> content = providers::ParseStoredPayload(input);
  if (!content.ok()) {
    Require(content.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  for (bool small_limits : {false, true}) {
    FuzzApns(*content, small_limits);
    FuzzFcm(*content, small_limits);
  }
  return 0;
}
