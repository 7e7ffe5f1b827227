// The status page as pure functions: plain views in, HTML out. Nothing here reads a store, a
// clock or a socket (status_source.h fills the views, admin_handler.h serves the HTML), so
// every rendering rule — above all the escaping of uids and reasons — is unit-tested.
//
// The page loads nothing from anywhere: styles and the one small script are inline and carry
// the response's CSP nonce, the chart is inline SVG drawn with presentation attributes (no
// style attributes, which the policy forbids).
#ifndef PUSHGATE_ADMIN_STATUS_PAGE_H_
#define PUSHGATE_ADMIN_STATUS_PAGE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/rate_history.h"

namespace pushgate::admin {

using Counts = std::vector<std::pair<std::string, int64_t>>;

// One configured channel of an app.
struct ChannelView {
  std::string name;    // "apns", "fcm", "webpush", "log", "webhook:<hook>"
  std::string detail;  // how it is configured (never a secret)
  std::string health;  // "not checked" until credential checks exist
};

struct AppView {
  std::string app_id;
  std::string error;  // the store read failed: shown instead of the counts
  int64_t queue_depth = 0;
  int64_t oldest_waiting_received_ms = 0;  // 0: nothing waits
  Counts notifications_by_state;           // last hour
  Counts deliveries_by_state;              // last hour: the outcomes
  Counts deliveries_by_channel;            // last hour
  Counts top_failure_reasons;              // last hour, most frequent first
  std::vector<ChannelView> channels;
};

struct StatusView {
  int64_t now_ms = 0;
  std::vector<RateSeries> rates;  // "webhooks in" and one per push channel
  std::vector<AppView> apps;
};

struct DeliveryView {
  std::string channel;
  std::string target;  // the token's hint or the hook's name
  std::string state;
  std::string reason;
  int attempts = 0;
  int last_http_status = 0;
  int64_t updated_at_ms = 0;
};

struct NotificationView {
  int64_t id = 0;
  std::string type;
  std::string call_action;
  std::string sender;
  std::string state;
  std::string outcome;
  int64_t received_at_ms = 0;
  std::vector<DeliveryView> deliveries;
};

struct UserSearchView {
  std::vector<std::string> app_ids;  // for the form's choice
  std::string app_id;
  std::string uid;
  bool searched = false;                        // false: the empty form
  std::string error;                            // a bad query or a failed read
  std::vector<NotificationView> notifications;  // newest first
};

inline constexpr char kWebhooksInSeries[] = "webhooks in";

// &, <, >, " and ' as character references: safe in text and in quoted attributes.
std::string HtmlEscape(std::string_view text);
// "45 s", "3 min 05 s", "2 h 07 min".
std::string FormatDuration(int64_t ms);
// "2026-12-07 22:17:05 UTC".
std::string FormatUtc(int64_t ms);
// The answer to "did the user get it?" for one notification, from its deliveries.
std::string Verdict(const NotificationView& notification);

// The header value for a page whose inline style and script carry `nonce`.
std::string ContentSecurityPolicy(std::string_view nonce);

// The last hour's rates as an SVG line chart with its legend. Series other than webhooks in
// are drawn only when they were ever above zero.
std::string RenderRateChart(const std::vector<RateSeries>& series, int64_t now_ms);
// The part of the page that refreshes itself (GET /live answers this).
std::string RenderLiveSection(const StatusView& view);
// The whole page.
std::string RenderStatusPage(const StatusView& view, const std::vector<std::string>& app_ids,
                             std::string_view nonce);
// The search page: the form and, once searched, the user's notifications and deliveries.
std::string RenderUserPage(const UserSearchView& view, std::string_view nonce);

}  // namespace pushgate::admin

#endif  // PUSHGATE_ADMIN_STATUS_PAGE_H_
