// pushgatectl's Deliveries subcommands: argument handling and the requests they build, and the
// table output of each.
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pushgatectl_args.h"
#include "pushgatectl_output.h"

namespace pushgate::ctl {
namespace {

namespace pb = ::pushgate::v1;
using ::testing::HasSubstr;

absl::StatusOr<CtlArgs> Parse(std::vector<std::string> args) {
  return ParseArgs(args, [](const std::string& name) -> std::optional<std::string> {
    if (name == "PUSHGATE_API_KEY") return "env-key";
    if (name == "PUSHGATE_ADDRESS") return "10.0.0.1:50051";
    return std::nullopt;
  });
}

void ExpectUsageError(std::vector<std::string> args, const std::string& fragment) {
  auto got = Parse(args);
  ASSERT_FALSE(got.ok()) << ::testing::PrintToString(args);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(got.status().message()), HasSubstr(fragment))
      << ::testing::PrintToString(args);
}

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(DeliveriesArgs, StatusTakesThePositionalIdOrFlag) {
  auto a = Parse({"status", "42", "--app", "demo"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->command, Command::kStatus);
  EXPECT_EQ(a->address, "10.0.0.1:50051");
  EXPECT_EQ(a->api_key, "env-key");
  pb::GetNotificationRequest r = BuildGetNotificationRequest(*a);
  EXPECT_EQ(r.app_id(), "demo");
  EXPECT_EQ(r.id(), "42");
  auto b = Parse({"--app=demo", "status", "--id=7", "--address=h:1", "--api-key=k"});
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->id, "7");
  EXPECT_EQ(b->address, "h:1");
  EXPECT_EQ(b->api_key, "k");
  ExpectUsageError({"status", "--app=demo"}, "status needs a notification id");
  ExpectUsageError({"status", "1", "2", "--app=demo"}, "unexpected argument '2'");
  ExpectUsageError({"tokens", "5", "--app=demo", "--uid=u"}, "unexpected argument '5'");
}

TEST(DeliveriesArgs, ListWithEveryFilter) {
  auto a = Parse({"list", "--app=demo", "--uid=alice", "--state=done", "--type=call",
                  "--outcome=failed", "--since=2h", "--until=2027-01-15T08:00:00Z",
                  "--page_size=20", "--page_token=abc", "--json"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->json);
  pb::ListNotificationsRequest r = BuildListNotificationsRequest(*a, kNow);
  EXPECT_EQ(r.app_id(), "demo");
  EXPECT_EQ(r.uid(), "alice");
  EXPECT_EQ(r.state(), pb::NOTIFICATION_STATE_DONE);
  EXPECT_EQ(r.type(), pb::NOTIFICATION_TYPE_CALL);
  EXPECT_EQ(r.outcome(), pb::NOTIFICATION_OUTCOME_FAILED);
  EXPECT_EQ(r.start_time().seconds(), 1'800'000'000 - 7200);
  EXPECT_EQ(r.end_time().seconds(),
            absl::ToUnixSeconds(
                absl::FromCivil(absl::CivilSecond(2027, 1, 15, 8, 0, 0), absl::UTCTimeZone())));
  EXPECT_EQ(r.page_size(), 20);
  EXPECT_EQ(r.page_token(), "abc");

  auto plain = Parse({"list", "--app=demo"});
  ASSERT_TRUE(plain.ok());
  pb::ListNotificationsRequest p = BuildListNotificationsRequest(*plain, kNow);
  EXPECT_FALSE(p.has_start_time());
  EXPECT_FALSE(p.has_end_time());
  EXPECT_EQ(p.state(), pb::NOTIFICATION_STATE_UNSPECIFIED);

  ExpectUsageError({"list", "--app=demo", "--state=sent"}, "--state: expected queued");
  ExpectUsageError({"list", "--app=demo", "--type=sms"}, "--type: expected chat or call");
  ExpectUsageError({"list", "--app=demo", "--outcome=ok"}, "--outcome: expected delivered");
  ExpectUsageError({"list", "--app=demo", "--since=yesterday"}, "--since: expected an RFC 3339");
  ExpectUsageError({"list", "--app=demo", "--window=1h"}, "--window does not apply to 'list'");
  ExpectUsageError({"list"}, "--app is required");
}

TEST(DeliveriesArgs, WatchStatsRetry) {
  auto w = Parse({"watch", "--app=demo", "--uid=bob"});
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->command, Command::kWatch);
  EXPECT_EQ(BuildWatchRequest(*w).uid(), "bob");

  auto s = Parse({"stats", "--app=demo", "--window=15m"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(BuildGetStatsRequest(*s).window_seconds(), 900);
  auto s0 = Parse({"stats", "--app=demo"});
  ASSERT_TRUE(s0.ok());
  EXPECT_EQ(BuildGetStatsRequest(*s0).window_seconds(), 0);
  ExpectUsageError({"stats", "--app=demo", "--window=soon"}, "--window: expected a duration");
  ExpectUsageError({"stats", "--app=demo", "--uid=u"}, "--uid does not apply to 'stats'");

  auto by_id = Parse({"retry", "--app=demo", "--id=9"});
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  pb::RetryNotificationRequest r = BuildRetryRequest(*by_id, kNow);
  EXPECT_EQ(r.scope_case(), pb::RetryNotificationRequest::kId);
  EXPECT_EQ(r.id(), "9");
  auto since = Parse({"retry", "--app=demo", "--since=30m"});
  ASSERT_TRUE(since.ok()) << since.status();
  r = BuildRetryRequest(*since, kNow);
  EXPECT_EQ(r.scope_case(), pb::RetryNotificationRequest::kSince);
  EXPECT_EQ(r.since().seconds(), 1'800'000'000 - 1800);
  ExpectUsageError({"retry", "--app=demo"}, "exactly one of --id or --since");
  ExpectUsageError({"retry", "--app=demo", "--id=1", "--since=1h"}, "exactly one of");
}

TEST(DeliveriesOutput, Tables) {
  pb::Notification n;
  n.set_id("42");
  n.set_uid("bob");
  n.set_type(pb::NOTIFICATION_TYPE_CHAT);
  n.set_state(pb::NOTIFICATION_STATE_DONE);
  n.set_outcome(pb::NOTIFICATION_OUTCOME_DELIVERED);
  pb::Delivery* d = n.add_deliveries();
  d->set_id("7");
  d->set_channel(pb::CHANNEL_LOG);
  d->set_state(pb::DELIVERY_STATE_DELIVERED);
  d->set_attempt_count(1);
  d->set_last_http_status(200);
  const std::string status = FormatNotification(n);
  EXPECT_THAT(status, HasSubstr("done"));
  EXPECT_THAT(status, HasSubstr("delivered"));
  EXPECT_THAT(status, HasSubstr("log"));
  EXPECT_THAT(status, HasSubstr("200"));
  EXPECT_THAT(status, HasSubstr("RECEIVED"));
  d->mutable_received_time()->set_seconds(1'700'000'000);
  EXPECT_THAT(FormatNotification(n), HasSubstr("2023-11-14"));  // the receipt's time shows

  pb::ListNotificationsResponse list;
  *list.add_notifications() = n;
  list.set_next_page_token("tok");
  EXPECT_THAT(FormatNotifications(list), HasSubstr("more: --page_token tok"));
  EXPECT_EQ(FormatNotifications(pb::ListNotificationsResponse()), "no notifications\n");

  pb::NotificationEvent e;
  e.set_notification_id("42");
  e.set_uid("bob");
  e.set_state(pb::NOTIFICATION_STATE_DISPATCHING);
  *e.mutable_delivery() = *d;
  EXPECT_THAT(FormatEvent(e), HasSubstr("notification 42  uid=bob  dispatching  delivery 7 log"));

  pb::GetStatsResponse stats;
  auto* c = stats.add_deliveries_by_reason();
  c->set_key("");
  c->set_count(3);
  stats.set_queue_depth(5);
  EXPECT_THAT(FormatStats(stats), HasSubstr("(none)"));
  EXPECT_THAT(FormatStats(stats), HasSubstr("queue depth: 5"));
  EXPECT_THAT(FormatStats(stats), ::testing::Not(HasSubstr("device receipts")));  // none yet
  pb::ReceiptRate* rate = stats.add_receipt_rates();
  rate->set_channel("fcm");
  rate->set_platform("android");
  rate->set_delivered(8);
  rate->set_received(6);
  rate->set_received_rate(0.75);
  EXPECT_THAT(FormatStats(stats), HasSubstr("device receipts"));
  EXPECT_THAT(FormatStats(stats), ::testing::ContainsRegex("fcm +android +8 +6 +0 +75.0 +0.0"));
  pb::RetryNotificationResponse redriven;
  redriven.set_redriven_count(1);
  EXPECT_EQ(FormatRedriven(redriven), "redriven 1 delivery\n");
}

TEST(DeliveriesArgs, PreviewTakesAFileAndAnOptionalUid) {
  auto a = Parse({"preview", "--app=demo", "--file", "payload.json", "--uid=bob"});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->command, Command::kPreview);
  const pb::PreviewNotificationRequest r = BuildPreviewRequest(*a, "{\"appId\":\"demo\"}");
  EXPECT_EQ(r.app_id(), "demo");
  EXPECT_EQ(r.uid(), "bob");
  EXPECT_EQ(r.payload_json(), "{\"appId\":\"demo\"}");
  ExpectUsageError({"preview", "--app=demo"}, "preview needs --file");
  ExpectUsageError({"preview", "--file=p.json"}, "--app is required");
  ExpectUsageError({"stats", "--app=demo", "--file=p.json"}, "--file does not apply to 'stats'");
}

TEST(DeliveriesOutput, PreviewShowsEachRequestOrWhyNot) {
  pb::PreviewNotificationResponse r;
  r.set_uid("bob");
  r.set_kind("chat");
  r.add_rules_applied("privacy");
  pb::PreviewedRequest* q = r.add_requests();
  q->set_channel(pb::CHANNEL_FCM);
  q->set_target_hint("abcdefgh…");
  q->set_registration_id("3");
  q->set_method("POST");
  q->set_url("https://fcm.googleapis.com/v1/projects/p/messages:send");
  pb::HttpHeader* h = q->add_headers();
  h->set_name("authorization");
  h->set_value("Bearer <redacted>");
  q->set_body("{\"message\":{}}");
  pb::PreviewedRequest* skipped = r.add_requests();
  skipped->set_channel(pb::CHANNEL_APNS);
  skipped->set_skipped_reason("no_provider");
  const std::string out = FormatPreview(r);
  EXPECT_THAT(out, HasSubstr("recipient bob  kind chat  rules privacy"));
  EXPECT_THAT(out, HasSubstr("POST https://fcm.googleapis.com/v1/projects/p/messages:send\n"
                             "authorization: Bearer <redacted>\n\n{\"message\":{}}\n"));
  EXPECT_THAT(out, HasSubstr("not sent: no_provider"));
  EXPECT_EQ(FormatPreview(pb::PreviewNotificationResponse()),
            "recipient   kind   rules -\nno targets: nothing would be sent\n");
}

}  // namespace
}  // namespace pushgate::ctl
