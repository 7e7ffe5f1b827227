#include "pushgatectl_output.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace pushgate::ctl {
namespace {

namespace pb = ::pushgate::v1;

std::string PlatformName(pb::Platform p) {
  switch (p) {
    case pb::PLATFORM_APNS:
      return "apns";
    case pb::PLATFORM_APNS_VOIP:
      return "apns_voip";
    case pb::PLATFORM_FCM:
      return "fcm";
    case pb::PLATFORM_WEBPUSH:
      return "webpush";
    default:
      return "?";
  }
}

std::string StateName(const pb::Registration& r) {
  if (r.state() == pb::REGISTRATION_STATE_ACTIVE) return "active";
  switch (r.inactive_reason()) {
    case pb::INACTIVE_REASON_UNREGISTERED:
      return "unregistered";
    case pb::INACTIVE_REASON_SESSION_ENDED:
      return "session_ended";
    case pb::INACTIVE_REASON_USER_DELETED:
      return "user_deleted";
    case pb::INACTIVE_REASON_REPLACED:
      return "replaced";
    case pb::INACTIVE_REASON_CAP_EXCEEDED:
      return "cap_exceeded";
    case pb::INACTIVE_REASON_PROVIDER_REJECTED:
      return "rejected";
    default:
      return "inactive";
  }
}

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  // Second precision is what a person reads; --json has the exact value.
  google::protobuf::Timestamp whole;
  whole.set_seconds(ts.seconds());
  return google::protobuf::util::TimeUtil::ToString(whole);
}

// Long tokens (FCM, endpoints) would push the table off screen; the full value is in --json.
std::string Shorten(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return s.substr(0, max - 3) + "...";
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::vector<std::string> Row(const pb::Registration& r) {
  return {r.id(),         PlatformName(r.platform()), StateName(r),         r.uid(),
          r.session_id(), Shorten(r.token(), 40),     Time(r.update_time())};
}

const std::vector<std::string> kHeader = {"ID",      "PLATFORM", "STATE",  "UID",
                                          "SESSION", "TOKEN",    "UPDATED"};

// "NOTIFICATION_STATE_DONE" -> "done": the enum value's name without its prefix.
std::string EnumWord(const std::string& full, const std::string& prefix) {
  if (full.rfind(prefix, 0) != 0) return full.empty() ? "?" : full;
  std::string word = full.substr(prefix.size());
  if (word == "UNSPECIFIED") return "-";
  return absl::AsciiStrToLower(word);
}

std::string StateWord(pb::NotificationState s) {
  return EnumWord(pb::NotificationState_Name(s), "NOTIFICATION_STATE_");
}
std::string OutcomeWord(pb::NotificationOutcome o) {
  return EnumWord(pb::NotificationOutcome_Name(o), "NOTIFICATION_OUTCOME_");
}
std::string TypeWord(pb::NotificationType t) {
  return EnumWord(pb::NotificationType_Name(t), "NOTIFICATION_TYPE_");
}
std::string ChannelWord(pb::Channel c) { return EnumWord(pb::Channel_Name(c), "CHANNEL_"); }
std::string DeliveryWord(pb::DeliveryState s) {
  return EnumWord(pb::DeliveryState_Name(s), "DELIVERY_STATE_");
}
std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

const std::vector<std::string> kNotificationHeader = {"ID",      "UID",      "TYPE",   "STATE",
                                                      "OUTCOME", "RECEIVED", "UPDATED"};

std::vector<std::string> NotificationRow(const pb::Notification& n) {
  return {n.id(),
          n.uid(),
          TypeWord(n.type()),
          StateWord(n.state()),
          OutcomeWord(n.outcome()),
          Time(n.receive_time()),
          Time(n.update_time())};
}

void AppendCounts(const std::string& title,
                  const google::protobuf::RepeatedPtrField<pb::CountByKey>& counts,
                  std::vector<std::vector<std::string>>* rows) {
  for (const pb::CountByKey& c : counts) {
    rows->push_back({title, c.key().empty() ? "(none)" : c.key(), absl::StrCat(c.count())});
  }
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json + "\n";
}

std::string FormatRegistered(const pb::RegisterTokenResponse& response) {
  const char* what = response.created() ? "registered" : "refreshed";
  std::string out =
      absl::StrCat(what, response.moved() ? " (moved from another user or session)" : "", "\n");
  absl::StrAppend(&out, Table({kHeader, Row(response.registration())}));
  return out;
}

std::string FormatEnded(int ended_count) {
  return absl::StrCat("ended ", ended_count, ended_count == 1 ? " registration" : " registrations",
                      "\n");
}

std::string FormatTokens(const pb::ListTokensResponse& response) {
  if (response.registrations().empty()) {
    return response.next_page_token().empty() ? "no registrations\n"
                                              : absl::StrCat("no registrations on this page\n");
  }
  std::vector<std::vector<std::string>> rows = {kHeader};
  for (const pb::Registration& r : response.registrations()) rows.push_back(Row(r));
  std::string out = Table(rows);
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&out, "more: --page_token ", response.next_page_token(), "\n");
  }
  return out;
}

std::string FormatNotification(const pb::Notification& n) {
  std::string out = Table({kNotificationHeader, NotificationRow(n)});
  if (n.deliveries().empty()) return out + "no deliveries\n";
  std::vector<std::vector<std::string>> rows = {{"DELIVERY", "CHANNEL", "STATE", "ATTEMPTS", "HTTP",
                                                 "REASON", "TARGET", "UPDATED", "RECEIVED",
                                                 "OPENED"}};
  for (const pb::Delivery& d : n.deliveries()) {
    rows.push_back({d.id(), ChannelWord(d.channel()), DeliveryWord(d.state()),
                    absl::StrCat(d.attempt_count()),
                    d.last_http_status() == 0 ? "-" : absl::StrCat(d.last_http_status()),
                    OrDash(d.last_reason()), OrDash(Shorten(d.target_hint(), 30)),
                    Time(d.update_time()), d.has_received_time() ? Time(d.received_time()) : "-",
                    d.has_opened_time() ? Time(d.opened_time()) : "-"});
  }
  absl::StrAppend(&out, "\n", Table(rows));
  return out;
}

std::string FormatNotifications(const pb::ListNotificationsResponse& response) {
  if (response.notifications().empty()) return "no notifications\n";
  std::vector<std::vector<std::string>> rows = {kNotificationHeader};
  for (const pb::Notification& n : response.notifications()) rows.push_back(NotificationRow(n));
  std::string out = Table(rows);
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&out, "more: --page_token ", response.next_page_token(), "\n");
  }
  return out;
}

std::string FormatEvent(const pb::NotificationEvent& e) {
  std::string out = absl::StrCat(Time(e.event_time()), "  notification ", e.notification_id(),
                                 "  uid=", e.uid(), "  ", StateWord(e.state()));
  if (e.outcome() != pb::NOTIFICATION_OUTCOME_UNSPECIFIED) {
    absl::StrAppend(&out, "/", OutcomeWord(e.outcome()));
  }
  if (e.has_delivery()) {
    const pb::Delivery& d = e.delivery();
    absl::StrAppend(&out, "  delivery ", d.id(), " ", ChannelWord(d.channel()), " ",
                    DeliveryWord(d.state()));
    if (!d.last_reason().empty()) absl::StrAppend(&out, " (", d.last_reason(), ")");
  }
  return out + "\n";
}

std::string FormatStats(const pb::GetStatsResponse& r) {
  std::vector<std::vector<std::string>> rows = {{"WHAT", "KEY", "COUNT"}};
  AppendCounts("notifications", r.notifications_by_state(), &rows);
  AppendCounts("deliveries", r.deliveries_by_state(), &rows);
  AppendCounts("channel", r.deliveries_by_channel(), &rows);
  AppendCounts("reason", r.deliveries_by_reason(), &rows);
  std::string out = Table(rows);
  absl::StrAppend(&out, "queue depth: ", r.queue_depth(),
                  "  oldest waiting: ", r.oldest_waiting_age_seconds(), "s\n");
  if (!r.receipt_rates().empty()) {
    std::vector<std::vector<std::string>> receipts = {
        {"CHANNEL", "PLATFORM", "DELIVERED", "RECEIVED", "OPENED", "RECEIVED%", "OPENED%"}};
    for (const pb::ReceiptRate& rate : r.receipt_rates()) {
      receipts.push_back({rate.channel(), OrDash(rate.platform()), absl::StrCat(rate.delivered()),
                          absl::StrCat(rate.received()), absl::StrCat(rate.opened()),
                          absl::StrFormat("%.1f", 100 * rate.received_rate()),
                          absl::StrFormat("%.1f", 100 * rate.opened_rate())});
    }
    absl::StrAppend(&out, "\ndevice receipts\n", Table(receipts));
  }
  return out;
}

std::string FormatRedriven(const pb::RetryNotificationResponse& r) {
  return absl::StrCat("redriven ", r.redriven_count(),
                      r.redriven_count() == 1 ? " delivery" : " deliveries", "\n");
}

std::string FormatPreview(const pb::PreviewNotificationResponse& r) {
  std::string out =
      absl::StrCat("recipient ", r.uid(), "  kind ", r.kind(), "  rules ",
                   r.rules_applied().empty() ? "-" : absl::StrJoin(r.rules_applied(), ","), "\n");
  if (r.requests().empty()) return out + "no targets: nothing would be sent\n";
  for (const pb::PreviewedRequest& q : r.requests()) {
    absl::StrAppend(&out, "\n== ", ChannelWord(q.channel()), " ", OrDash(q.target_hint()));
    if (!q.registration_id().empty())
      absl::StrAppend(&out, " (registration ", q.registration_id(), ")");
    absl::StrAppend(&out, "\n");
    if (!q.skipped_reason().empty()) {
      absl::StrAppend(&out, "not sent: ", q.skipped_reason(), "\n");
      continue;
    }
    absl::StrAppend(&out, q.method(), " ", q.url(), "\n");
    for (const pb::HttpHeader& h : q.headers())
      absl::StrAppend(&out, h.name(), ": ", h.value(), "\n");
    absl::StrAppend(&out, "\n", q.body(), "\n");
    if (!q.note().empty()) absl::StrAppend(&out, "(", q.note(), ")\n");
  }
  return out;
}

std::string FormatError(const absl::Status& status) {
  return absl::StrCat("error: ", absl::StatusCodeToString(status.code()), ": ", status.message(),
                      "\n");
}

}  // namespace pushgate::ctl
