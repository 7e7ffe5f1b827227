#include "grpc/registration_validation.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/crypto.h"

namespace pushgate::grpc_api {
namespace {

namespace pb = ::pushgate::v1;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool HasControlChar(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Identifiers end up in log lines, SQL parameters and table output; control characters
// there only ever come from bugs or attacks.
absl::Status CheckId(absl::string_view field, absl::string_view value) {
  if (value.empty()) return Invalid(field, "required");
  if (value.size() > kMaxIdBytes) {
    return Invalid(field, absl::StrCat("longer than ", kMaxIdBytes, " bytes"));
  }
  if (HasControlChar(value)) return Invalid(field, "contains control characters");
  return absl::OkStatus();
}

// Like CheckId for fields that may be left empty.
absl::Status CheckOptionalText(absl::string_view field, absl::string_view value, size_t max) {
  if (value.size() > max) return Invalid(field, absl::StrCat("longer than ", max, " bytes"));
  if (HasControlChar(value)) return Invalid(field, "contains control characters");
  return absl::OkStatus();
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool LooksLikeApnsToken(absl::string_view s) {
  return s.size() >= kMinApnsTokenHex && s.size() <= kMaxApnsTokenHex && s.size() % 2 == 0 &&
         IsHex(s);
}

// APNs device tokens are 32 bytes today; Apple says the length may change, so accept a
// range. Lower case makes the same token from two SDKs (some print upper case) one row.
absl::StatusOr<std::string> NormaliseApnsToken(absl::string_view token) {
  if (token.empty()) return Invalid("token", "required");
  if (!IsHex(token)) return Invalid("token", "an APNs token must be hex");
  if (token.size() % 2 != 0)
    return Invalid("token", "an APNs token has an even number of hex digits");
  if (token.size() < kMinApnsTokenHex || token.size() > kMaxApnsTokenHex) {
    return Invalid("token", absl::StrCat("an APNs token has ", kMinApnsTokenHex, " to ",
                                         kMaxApnsTokenHex, " hex digits, got ", token.size()));
  }
  return absl::AsciiStrToLower(token);
}

absl::Status CheckFcmToken(absl::string_view token) {
  if (token.empty()) return Invalid("token", "required");
  if (token.size() > kMaxFcmTokenBytes) {
    return Invalid("token", absl::StrCat("longer than ", kMaxFcmTokenBytes, " bytes"));
  }
  for (unsigned char c : token) {
    if (c <= 0x20 || c == 0x7f)
      return Invalid("token", "contains whitespace or control characters");
  }
  return absl::OkStatus();
}

// The endpoint is where the push is POSTed, so only a well-formed https URL is accepted.
// Full URL parsing happens in the Web Push sender; here we refuse what can never work.
absl::Status CheckWebPushEndpoint(absl::string_view endpoint) {
  constexpr absl::string_view kScheme = "https://";
  if (endpoint.empty()) return Invalid("token", "required (the Web Push endpoint URL)");
  if (endpoint.size() > kMaxWebPushEndpointBytes) {
    return Invalid("token", absl::StrCat("longer than ", kMaxWebPushEndpointBytes, " bytes"));
  }
  if (!absl::StartsWithIgnoreCase(endpoint, kScheme)) {
    return Invalid("token", "a Web Push endpoint must be an https:// URL");
  }
  for (unsigned char c : endpoint) {
    if (c <= 0x20 || c >= 0x7f) {
      return Invalid("token", "the endpoint URL contains whitespace, control or non-ASCII bytes");
    }
  }
  absl::string_view rest = endpoint.substr(kScheme.size());
  const size_t host_end = rest.find_first_of("/?#");
  absl::string_view authority = rest.substr(0, host_end);
  if (authority.empty() || authority.find('@') != absl::string_view::npos) {
    return Invalid("token", "the endpoint URL has no valid host");
  }
  return absl::OkStatus();
}

absl::Status CheckWebPushKeys(const pb::WebPushTarget& target) {
  if (target.p256dh().empty()) return Invalid("web_push.p256dh", "required");
  std::optional<std::string> key = Base64UrlDecode(target.p256dh());
  if (!key) return Invalid("web_push.p256dh", "not base64url");
  if (key->size() != 65 || static_cast<unsigned char>((*key)[0]) != 0x04) {
    return Invalid("web_push.p256dh", "must be a 65-byte uncompressed P-256 point (0x04 ...)");
  }
  if (target.auth().empty()) return Invalid("web_push.auth", "required");
  std::optional<std::string> auth = Base64UrlDecode(target.auth());
  if (!auth) return Invalid("web_push.auth", "not base64url");
  if (auth->size() != 16) return Invalid("web_push.auth", "must decode to 16 bytes");
  return absl::OkStatus();
}

// Reverse-DNS bundle ids: letters, digits, '-' in dot-separated labels (at least two).
absl::Status CheckApnsTopic(absl::string_view topic, pb::Platform platform) {
  if (topic.empty()) return Invalid("apns.topic", "required (the app's bundle id)");
  if (topic.size() > kMaxApnsTopicBytes) {
    return Invalid("apns.topic", absl::StrCat("longer than ", kMaxApnsTopicBytes, " bytes"));
  }
  size_t labels = 0;
  size_t label_len = 0;
  for (char c : topic) {
    if (c == '.') {
      if (label_len == 0) return Invalid("apns.topic", "not a bundle id (empty label)");
      ++labels;
      label_len = 0;
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-') {
      ++label_len;
    } else {
      return Invalid("apns.topic", "not a bundle id (only letters, digits, '-' and '.')");
    }
  }
  if (label_len == 0) return Invalid("apns.topic", "not a bundle id (empty label)");
  if (labels == 0) return Invalid("apns.topic", "not a bundle id (expected e.g. com.example.app)");
  // The sender appends ".voip" for VoIP pushes; a topic that already has it would become
  // "<bundle>.voip.voip" and fail at APNs only when the first call rings.
  if (platform == pb::PLATFORM_APNS_VOIP && absl::EndsWith(topic, ".voip")) {
    return Invalid("apns.topic", "give the bundle id without \".voip\"");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ApnsEnvironmentName(pb::ApnsEnvironment env) {
  switch (env) {
    case pb::APNS_ENVIRONMENT_SANDBOX:
      return std::string("sandbox");
    case pb::APNS_ENVIRONMENT_PRODUCTION:
      return std::string("production");
    case pb::APNS_ENVIRONMENT_UNSPECIFIED:
      return Invalid("apns.environment", "required (SANDBOX or PRODUCTION)");
    default:
      return Invalid("apns.environment", absl::StrCat("unknown value ", static_cast<int>(env)));
  }
}

absl::StatusOr<std::string> DeviceOsName(pb::DeviceOs os) {
  switch (os) {
    case pb::DEVICE_OS_UNSPECIFIED:
      return std::string();
    case pb::DEVICE_OS_ANDROID:
      return std::string("android");
    case pb::DEVICE_OS_IOS:
      return std::string("ios");
    case pb::DEVICE_OS_WEB:
      return std::string("web");
    default:
      return Invalid("fcm.os", absl::StrCat("unknown value ", static_cast<int>(os)));
  }
}

// Maps a specified platform; `field` names where it came from for the error.
absl::StatusOr<domain::Platform> StorePlatform(pb::Platform platform, absl::string_view field) {
  switch (platform) {
    case pb::PLATFORM_APNS:
      return domain::Platform::kApns;
    case pb::PLATFORM_APNS_VOIP:
      return domain::Platform::kApnsVoip;
    case pb::PLATFORM_FCM:
      return domain::Platform::kFcm;
    case pb::PLATFORM_WEBPUSH:
      return domain::Platform::kWebPush;
    case pb::PLATFORM_UNSPECIFIED:
      return Invalid(field, "required (APNS, APNS_VOIP, FCM or WEBPUSH)");
    default:
      return Invalid(field, absl::StrCat("unknown value ", static_cast<int>(platform)));
  }
}

absl::string_view TargetName(pb::RegisterTokenRequest::TargetCase target) {
  switch (target) {
    case pb::RegisterTokenRequest::kApns:
      return "apns";
    case pb::RegisterTokenRequest::kFcm:
      return "fcm";
    case pb::RegisterTokenRequest::kWebPush:
      return "web_push";
    case pb::RegisterTokenRequest::TARGET_NOT_SET:
      break;
  }
  return "none";
}

// The oneof says which platform's details follow; it must agree with `platform`.
absl::Status CheckTarget(const pb::RegisterTokenRequest& request) {
  pb::RegisterTokenRequest::TargetCase expected = pb::RegisterTokenRequest::TARGET_NOT_SET;
  bool required = true;
  switch (request.platform()) {
    case pb::PLATFORM_APNS:
    case pb::PLATFORM_APNS_VOIP:
      expected = pb::RegisterTokenRequest::kApns;
      break;
    case pb::PLATFORM_FCM:
      expected = pb::RegisterTokenRequest::kFcm;
      required = false;
      break;
    case pb::PLATFORM_WEBPUSH:
      expected = pb::RegisterTokenRequest::kWebPush;
      break;
    default:
      return absl::OkStatus();  // the platform check reports it
  }
  const auto actual = request.target_case();
  if (actual == expected) return absl::OkStatus();
  const std::string platform_name = pb::Platform_Name(request.platform());
  if (actual == pb::RegisterTokenRequest::TARGET_NOT_SET) {
    if (!required) return absl::OkStatus();
    return Invalid(TargetName(expected), absl::StrCat("required for ", platform_name));
  }
  return Invalid(TargetName(actual), absl::StrCat("does not match platform ", platform_name,
                                                  " (expected ", TargetName(expected), ")"));
}

absl::Status CheckDevice(const pb::DeviceInfo& device) {
  if (auto s = CheckOptionalText("device.device_id", device.device_id(), kMaxIdBytes); !s.ok()) {
    return s;
  }
  if (auto s = CheckOptionalText("device.app_version", device.app_version(), kMaxIdBytes);
      !s.ok()) {
    return s;
  }
  if (auto s = CheckOptionalText("device.locale", device.locale(), kMaxIdBytes); !s.ok()) {
    return s;
  }
  if (static_cast<size_t>(device.labels_size()) > kMaxLabels) {
    return Invalid("device.labels", absl::StrCat("more than ", kMaxLabels, " labels"));
  }
  for (const auto& [key, value] : device.labels()) {
    if (key.empty()) return Invalid("device.labels", "empty key");
    // The key is ours to echo only when it is short and printable.
    if (key.size() > kMaxLabelKeyBytes) {
      return Invalid("device.labels",
                     absl::StrCat("a key is longer than ", kMaxLabelKeyBytes, " bytes"));
    }
    if (HasControlChar(key)) return Invalid("device.labels", "a key contains control characters");
    if (auto s =
            CheckOptionalText(absl::StrCat("device.labels[", key, "]"), value, kMaxLabelValueBytes);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateAppId(std::string_view app_id) {
  return CheckId("app_id", absl::string_view(app_id.data(), app_id.size()));
}

absl::StatusOr<domain::RegistrationInput> ValidateRegisterRequest(
    const pb::RegisterTokenRequest& request) {
  if (auto s = CheckId("app_id", request.app_id()); !s.ok()) return s;
  if (auto s = CheckId("uid", request.uid()); !s.ok()) return s;
  if (auto s = CheckId("session_id", request.session_id()); !s.ok()) return s;
  absl::StatusOr<domain::Platform> platform = StorePlatform(request.platform(), "platform");
  if (!platform.ok()) return platform.status();
  if (auto s = CheckTarget(request); !s.ok()) return s;

  domain::RegistrationInput input;
  input.app_id = request.app_id();
  input.uid = request.uid();
  input.session_id = request.session_id();
  input.platform = *platform;

  switch (*platform) {
    case domain::Platform::kApns:
    case domain::Platform::kApnsVoip: {
      absl::StatusOr<std::string> token = NormaliseApnsToken(request.token());
      if (!token.ok()) return token.status();
      if (auto s = CheckApnsTopic(request.apns().topic(), request.platform()); !s.ok()) return s;
      absl::StatusOr<std::string> env = ApnsEnvironmentName(request.apns().environment());
      if (!env.ok()) return env.status();
      input.token = *std::move(token);
      input.apns_topic = request.apns().topic();
      input.apns_environment = *std::move(env);
      break;
    }
    case domain::Platform::kFcm: {
      if (auto s = CheckFcmToken(request.token()); !s.ok()) return s;
      absl::StatusOr<std::string> os = DeviceOsName(request.fcm().os());
      if (!os.ok()) return os.status();
      input.token = request.token();
      input.fcm_os = *std::move(os);
      break;
    }
    case domain::Platform::kWebPush: {
      if (auto s = CheckWebPushEndpoint(request.token()); !s.ok()) return s;
      if (auto s = CheckWebPushKeys(request.web_push()); !s.ok()) return s;
      input.token = request.token();
      input.webpush_p256dh = request.web_push().p256dh();
      input.webpush_auth = request.web_push().auth();
      break;
    }
  }

  if (request.has_device()) {
    if (auto s = CheckDevice(request.device()); !s.ok()) return s;
    input.device.device_id = request.device().device_id();
    input.device.app_version = request.device().app_version();
    input.device.locale = request.device().locale();
    input.device.labels.insert(request.device().labels().begin(), request.device().labels().end());
  }
  return input;
}

absl::StatusOr<UnregisterTokenArgs> ValidateUnregisterTokenRequest(
    const pb::UnregisterTokenRequest& request) {
  if (auto s = CheckId("app_id", request.app_id()); !s.ok()) return s;
  UnregisterTokenArgs args;
  args.app_id = request.app_id();
  if (request.platform() != pb::PLATFORM_UNSPECIFIED) {
    absl::StatusOr<domain::Platform> platform = StorePlatform(request.platform(), "platform");
    if (!platform.ok()) return platform.status();
    args.platform = *platform;
  }
  const std::string& token = request.token();
  if (token.empty()) return Invalid("token", "required");
  if (token.size() > kMaxFcmTokenBytes) {
    return Invalid("token", absl::StrCat("longer than ", kMaxFcmTokenBytes, " bytes"));
  }
  if (HasControlChar(token)) return Invalid("token", "contains control characters");
  const bool apns_platform =
      args.platform == domain::Platform::kApns || args.platform == domain::Platform::kApnsVoip;
  if (apns_platform) {
    absl::StatusOr<std::string> normalised = NormaliseApnsToken(token);
    if (!normalised.ok()) return normalised.status();
    args.token = *std::move(normalised);
  } else if (!args.platform && LooksLikeApnsToken(token)) {
    // Registration stored APNs tokens in lower case; an all-hex token of APNs length is
    // never an FCM token or an endpoint URL, so matching it in lower case is safe.
    args.token = absl::AsciiStrToLower(token);
  } else {
    args.token = token;
  }
  return args;
}

absl::StatusOr<UnregisterSessionArgs> ValidateUnregisterSessionRequest(
    const pb::UnregisterSessionRequest& request) {
  if (auto s = CheckId("app_id", request.app_id()); !s.ok()) return s;
  if (auto s = CheckId("uid", request.uid()); !s.ok()) return s;
  if (auto s = CheckId("session_id", request.session_id()); !s.ok()) return s;
  return UnregisterSessionArgs{request.app_id(), request.uid(), request.session_id()};
}

absl::StatusOr<UnregisterUserArgs> ValidateUnregisterUserRequest(
    const pb::UnregisterUserRequest& request) {
  if (auto s = CheckId("app_id", request.app_id()); !s.ok()) return s;
  if (auto s = CheckId("uid", request.uid()); !s.ok()) return s;
  return UnregisterUserArgs{request.app_id(), request.uid()};
}

absl::StatusOr<store::ListTokensQuery> ValidateListTokensRequest(
    const pb::ListTokensRequest& request) {
  if (auto s = CheckId("app_id", request.app_id()); !s.ok()) return s;
  if (auto s = CheckId("uid", request.uid()); !s.ok()) return s;
  if (request.page_size() < 0) return Invalid("page_size", "must not be negative");
  store::ListTokensQuery query;
  query.app_id = request.app_id();
  query.uid = request.uid();
  // AIP-158: 0 means the default, and sizes above the maximum are lowered to it.
  query.limit =
      request.page_size() == 0 ? kDefaultPageSize : std::min(request.page_size(), kMaxPageSize);
  query.active_only = request.active_only();
  if (!request.page_token().empty()) {
    std::optional<int64_t> before = DecodePageToken(request.page_token());
    if (!before) return Invalid("page_token", "not a token from a previous ListTokens response");
    query.before_id = *before;
  }
  return query;
}

std::string EncodePageToken(int64_t last_id) { return Base64UrlEncode(absl::StrCat(last_id)); }

std::optional<int64_t> DecodePageToken(std::string_view token) {
  std::optional<std::string> text = Base64UrlDecode(token);
  if (!text || text->empty() || text->size() > 19) return std::nullopt;
  for (char c : *text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  int64_t id = 0;
  if (!absl::SimpleAtoi(*text, &id) || id <= 0) return std::nullopt;
  return id;
}

}  // namespace pushgate::grpc_api
