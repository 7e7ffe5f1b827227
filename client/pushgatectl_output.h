// How pushgatectl prints responses: a readable table by default, or the response message as
// proto3 JSON (--json) for scripts.
#ifndef PUSHGATE_CLIENT_PUSHGATECTL_OUTPUT_H_
#define PUSHGATE_CLIENT_PUSHGATECTL_OUTPUT_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "pushgate/v1/deliveries.pb.h"
#include "pushgate/v1/token_registry.pb.h"

namespace pushgate::ctl {

// One line of proto3 JSON (field names as in the .proto), newline-terminated.
std::string ToJson(const google::protobuf::Message& message);

std::string FormatRegistered(const pushgate::v1::RegisterTokenResponse& response);
std::string FormatEnded(int ended_count);
// Table of registrations; a trailing hint with the next page token when there is one.
std::string FormatTokens(const pushgate::v1::ListTokensResponse& response);

// Deliveries: `status` (the notification, then a table of its deliveries), `list`, one line per
// `watch` event, `stats`, `retry`.
std::string FormatNotification(const pushgate::v1::Notification& n);
std::string FormatNotifications(const pushgate::v1::ListNotificationsResponse& response);
std::string FormatEvent(const pushgate::v1::NotificationEvent& event);
std::string FormatStats(const pushgate::v1::GetStatsResponse& response);
std::string FormatRedriven(const pushgate::v1::RetryNotificationResponse& response);
// preview: the rules that applied, then each target's request (or why it would be skipped).
std::string FormatPreview(const pushgate::v1::PreviewNotificationResponse& response);

// "error: UNAVAILABLE: write queue full"
std::string FormatError(const absl::Status& status);

}  // namespace pushgate::ctl

#endif  // PUSHGATE_CLIENT_PUSHGATECTL_OUTPUT_H_
