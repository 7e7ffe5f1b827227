#include "grpc/registry_mapping.h"

#include "absl/strings/str_cat.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

pb::ApnsEnvironment ToProtoEnvironment(const std::string& name) {
  if (name == "sandbox") return pb::APNS_ENVIRONMENT_SANDBOX;
  if (name == "production") return pb::APNS_ENVIRONMENT_PRODUCTION;
  return pb::APNS_ENVIRONMENT_UNSPECIFIED;
}

pb::DeviceOs ToProtoOs(const std::string& name) {
  if (name == "android") return pb::DEVICE_OS_ANDROID;
  if (name == "ios") return pb::DEVICE_OS_IOS;
  if (name == "web") return pb::DEVICE_OS_WEB;
  return pb::DEVICE_OS_UNSPECIFIED;
}

}  // namespace

pb::Platform ToProtoPlatform(domain::Platform platform) {
  switch (platform) {
    case domain::Platform::kApns:
      return pb::PLATFORM_APNS;
    case domain::Platform::kApnsVoip:
      return pb::PLATFORM_APNS_VOIP;
    case domain::Platform::kFcm:
      return pb::PLATFORM_FCM;
    case domain::Platform::kWebPush:
      return pb::PLATFORM_WEBPUSH;
  }
  return pb::PLATFORM_UNSPECIFIED;
}

pb::InactiveReason ToProtoInactiveReason(domain::InactiveReason reason) {
  switch (reason) {
    case domain::InactiveReason::kNone:
      return pb::INACTIVE_REASON_UNSPECIFIED;
    case domain::InactiveReason::kUnregistered:
      return pb::INACTIVE_REASON_UNREGISTERED;
    case domain::InactiveReason::kSessionEnded:
      return pb::INACTIVE_REASON_SESSION_ENDED;
    case domain::InactiveReason::kUserDeleted:
      return pb::INACTIVE_REASON_USER_DELETED;
    case domain::InactiveReason::kReplaced:
      return pb::INACTIVE_REASON_REPLACED;
    case domain::InactiveReason::kCapExceeded:
      return pb::INACTIVE_REASON_CAP_EXCEEDED;
    case domain::InactiveReason::kProviderRejected:
      return pb::INACTIVE_REASON_PROVIDER_REJECTED;
  }
  return pb::INACTIVE_REASON_UNSPECIFIED;
}

void ToProtoTimestamp(int64_t unix_ms, google::protobuf::Timestamp* out) {
  // Floor division keeps nanos in [0, 1e9) for times before 1970 too.
  int64_t seconds = unix_ms / 1000;
  int64_t millis = unix_ms % 1000;
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(millis * 1'000'000));
}

void ToProtoRegistration(const domain::Registration& in, pb::Registration* out) {
  const domain::RegistrationInput& r = in.input;
  out->set_id(absl::StrCat(in.id));
  out->set_app_id(r.app_id);
  out->set_uid(r.uid);
  out->set_session_id(r.session_id);
  out->set_platform(ToProtoPlatform(r.platform));
  out->set_token(r.token);
  switch (r.platform) {
    case domain::Platform::kApns:
    case domain::Platform::kApnsVoip:
      out->mutable_apns()->set_topic(r.apns_topic);
      out->mutable_apns()->set_environment(ToProtoEnvironment(r.apns_environment));
      break;
    case domain::Platform::kFcm:
      out->mutable_fcm()->set_os(ToProtoOs(r.fcm_os));
      break;
    case domain::Platform::kWebPush:
      out->mutable_web_push()->set_p256dh(r.webpush_p256dh);
      out->mutable_web_push()->set_auth(r.webpush_auth);
      break;
  }
  const domain::DeviceInfo& d = r.device;
  if (!d.device_id.empty() || !d.app_version.empty() || !d.locale.empty() || !d.labels.empty()) {
    pb::DeviceInfo* device = out->mutable_device();
    device->set_device_id(d.device_id);
    device->set_app_version(d.app_version);
    device->set_locale(d.locale);
    device->mutable_labels()->insert(d.labels.begin(), d.labels.end());
  }
  out->set_state(in.active ? pb::REGISTRATION_STATE_ACTIVE : pb::REGISTRATION_STATE_INACTIVE);
  out->set_inactive_reason(ToProtoInactiveReason(in.inactive_reason));
  out->set_inactive_detail(in.inactive_detail);
  ToProtoTimestamp(in.created_at_ms, out->mutable_create_time());
  ToProtoTimestamp(in.updated_at_ms, out->mutable_update_time());
  if (in.inactive_at_ms != 0) ToProtoTimestamp(in.inactive_at_ms, out->mutable_inactive_time());
}

}  // namespace pushgate::grpc_api
