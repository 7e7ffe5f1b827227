#include "domain/registration.h"

#include <array>
#include <utility>

namespace pushgate::domain {
namespace {

// The names are what the database stores and what operators read, so they never change once
// released; a new value gets a new name.
constexpr std::array<std::pair<Platform, const char*>, 4> kPlatformNames = {{
    {Platform::kApns, "apns"},
    {Platform::kApnsVoip, "apns_voip"},
    {Platform::kFcm, "fcm"},
    {Platform::kWebPush, "webpush"},
}};

constexpr std::array<std::pair<InactiveReason, const char*>, 6> kReasonNames = {{
    {InactiveReason::kUnregistered, "unregistered"},
    {InactiveReason::kSessionEnded, "session_ended"},
    {InactiveReason::kUserDeleted, "user_deleted"},
    {InactiveReason::kReplaced, "replaced"},
    {InactiveReason::kCapExceeded, "cap_exceeded"},
    {InactiveReason::kProviderRejected, "provider_rejected"},
}};

}  // namespace

const char* PlatformName(Platform p) {
  for (const auto& [platform, name] : kPlatformNames) {
    if (platform == p) return name;
  }
  return "unknown";
}

std::optional<Platform> PlatformFromName(const std::string& name) {
  for (const auto& [platform, platform_name] : kPlatformNames) {
    if (name == platform_name) return platform;
  }
  return std::nullopt;
}

const char* InactiveReasonName(InactiveReason r) {
  for (const auto& [reason, name] : kReasonNames) {
    if (reason == r) return name;
  }
  return "";  // kNone: an active registration has no reason
}

InactiveReason InactiveReasonFromName(const std::string& name) {
  for (const auto& [reason, reason_name] : kReasonNames) {
    if (name == reason_name) return reason;
  }
  return InactiveReason::kNone;
}

}  // namespace pushgate::domain
