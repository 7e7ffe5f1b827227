#include "store/receipt_store.h"

#include "absl/strings/match.h"

namespace pushgate::store {

std::string ReceiptPlatform(Channel channel, const std::string& fcm_os) {
  switch (channel) {
    case Channel::kApns:
    case Channel::kApnsVoip:
      return "ios";
    case Channel::kWebPush:
      return "web";
    case Channel::kFcm:
      // As the FCM request builder reads it: no os is Android.
      if (absl::EqualsIgnoreCase(fcm_os, "ios")) return "ios";
      if (absl::EqualsIgnoreCase(fcm_os, "web")) return "web";
      return "android";
    default:
      return "";
  }
}

}  // namespace pushgate::store
