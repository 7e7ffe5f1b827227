#include "admin/status_page.h"

#include <regex>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'796'000'000'000;  // 2026-11-30 ...

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

StatusView SampleView() {
  StatusView view;
  view.now_ms = kNow;
  view.rates = {{"pushes out: fcm", {{kNow - 10'000, 1.0}, {kNow, 5.0}}},
                {"pushes out: apns", {{kNow - 10'000, 0.0}, {kNow, 0.0}}},
                {kWebhooksInSeries, {{kNow - 10'000, 2.0}, {kNow, 4.0}}}};
  AppView app;
  app.app_id = "app123";
  app.queue_depth = 7;
  app.oldest_waiting_received_ms = kNow - 125'000;
  app.notifications_by_state = {{"done", 40}, {"queued", 7}};
  app.deliveries_by_state = {{"delivered", 38}, {"failed", 2}};
  app.deliveries_by_channel = {{"fcm", 40}};
  app.top_failure_reasons = {{"<img src=x onerror=alert(1)>", 2}};
  app.channels = {{"fcm", "service account (file:/etc/sa.json)", "not checked"}};
  view.apps.push_back(app);
  AppView broken;
  broken.app_id = "app456";
  broken.error = "database is locked";
  view.apps.push_back(broken);
  return view;
}

TEST(HtmlEscape, EscapesEveryCharacterThatCouldLeaveTextOrAnAttribute) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x" onclick='y'>&amp;</a>)"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("cometchat-uid-2 ü"), "cometchat-uid-2 ü");
}

TEST(Format, DurationsAndUtcTimes) {
  EXPECT_EQ(FormatDuration(999), "0 s");
  EXPECT_EQ(FormatDuration(45'000), "45 s");
  EXPECT_EQ(FormatDuration(125'000), "2 min 05 s");
  EXPECT_EQ(FormatDuration(7'620'000), "2 h 07 min");
  EXPECT_EQ(FormatDuration(-5), "0 s");
  EXPECT_EQ(FormatUtc(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(FormatUtc(1'796'684'225'000), "2026-12-07 22:57:05 UTC");
}

TEST(ContentSecurityPolicy, AllowsOnlyTheNoncedInlineStyleAndScriptAndSameOriginFetch) {
  const std::string csp = ContentSecurityPolicy("abc123");
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, HasSubstr("script-src 'nonce-abc123'"));
  EXPECT_THAT(csp, HasSubstr("style-src 'nonce-abc123'"));
  EXPECT_THAT(csp, HasSubstr("connect-src 'self'"));
  EXPECT_THAT(csp, HasSubstr("img-src data:"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, HasSubstr("base-uri 'none'"));
  EXPECT_THAT(csp, Not(HasSubstr("unsafe")));
}

TEST(RenderStatusPage, InlineOnlyNoncedAndWithEveryPart) {
  const std::string page = RenderStatusPage(SampleView(), {"app123", "app456"}, "N0nce_-x");
  EXPECT_THAT(page, HasSubstr("<style nonce=\"N0nce_-x\">"));
  EXPECT_THAT(page, HasSubstr("<script nonce=\"N0nce_-x\">"));
  EXPECT_EQ(Count(page, "<script"), 1u);
  EXPECT_EQ(Count(page, "<style"), 1u);
  // The policy forbids style attributes and anything loaded from elsewhere.
  EXPECT_THAT(page, Not(HasSubstr(" style=")));
  EXPECT_THAT(page, Not(HasSubstr(" src=\"")));
  EXPECT_THAT(page, Not(HasSubstr("href=\"http")));
  EXPECT_THAT(page, Not(HasSubstr("url(")));
  // The live section, the search form, the chart.
  EXPECT_THAT(page, HasSubstr("<div id=\"live\">"));
  EXPECT_THAT(page, HasSubstr("action=\"/user\""));
  EXPECT_THAT(page, HasSubstr("<option value=\"app456\">app456</option>"));
  EXPECT_THAT(page, HasSubstr("<svg class=\"chart\""));
}

TEST(RenderLiveSection, QueueOutcomesReasonsChannelsAndReadErrorsPerApp) {
  const std::string live = RenderLiveSection(SampleView());
  EXPECT_THAT(live, HasSubstr("queue depth<b class=\"queue\">7</b>"));
  EXPECT_THAT(live, HasSubstr("oldest waiting<b class=\"oldest\">2 min 05 s</b>"));
  EXPECT_THAT(live, HasSubstr("<td>delivered</td><td class=\"n\">38</td>"));
  EXPECT_THAT(live, HasSubstr("<td>failed</td><td class=\"n\">2</td>"));
  // A provider's reason is someone else's text: escaped.
  EXPECT_THAT(live, HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(live, Not(HasSubstr("<img")));
  EXPECT_THAT(live, HasSubstr("<td class=\"health\">not checked</td>"));
  EXPECT_THAT(live, HasSubstr("Cannot read its status: database is locked"));
  EXPECT_THAT(live, HasSubstr("as of <span class=\"asof\">"));

  StatusView idle = SampleView();
  idle.apps[0].oldest_waiting_received_ms = 0;
  idle.apps[0].top_failure_reasons.clear();
  const std::string quiet = RenderLiveSection(idle);
  EXPECT_THAT(quiet, HasSubstr("<b class=\"oldest\">nothing waits</b>"));
  EXPECT_THAT(quiet, HasSubstr("no failures"));
}

TEST(RenderRateChart, DrawsTheHourWithWebhooksAlwaysAndOtherSeriesOnlyWhenTheyMoved) {
  const StatusView view = SampleView();
  const std::string chart = RenderRateChart(view.rates, view.now_ms);
  EXPECT_EQ(Count(chart, "<polyline"), 2u);  // webhooks in, fcm; apns never moved
  EXPECT_THAT(chart, HasSubstr("data-series=\"pushes out: fcm\""));
  EXPECT_THAT(chart, Not(HasSubstr("pushes out: apns")));
  // Peak 5/s: the axis tops at 5; the newest fcm point sits at the right edge, at the top.
  EXPECT_THAT(chart, HasSubstr(">5.00/s</text>"));
  EXPECT_THAT(chart, HasSubstr("888.0,12.0\""));
  EXPECT_THAT(chart, HasSubstr("<circle cx=\"888.0\" cy=\"12.0\" r=\"3\""));
  EXPECT_THAT(chart, HasSubstr("pushes out: fcm: now <b class=\"rate\">5.00/s</b>, peak 5.00/s"));
  EXPECT_THAT(chart, HasSubstr("webhooks in: now <b class=\"rate\">4.00/s</b>"));
  EXPECT_LT(chart.find("data-series=\"webhooks in\""),
            chart.find("data-series=\"pushes out: fcm\""));
  EXPECT_THAT(chart, HasSubstr(">-60 min</text>"));
  EXPECT_THAT(chart, HasSubstr(">now</text>"));
  // A point older than the hour is not drawn.
  std::vector<RateSeries> old = {{kWebhooksInSeries, {{kNow - 3'700'000, 9.0}, {kNow, 1.0}}}};
  EXPECT_THAT(RenderRateChart(old, kNow),
              HasSubstr("now <b class=\"rate\">1.00/s</b>, peak 1.00/s"));
}

TEST(RenderRateChart, SaysItIsCollectingBeforeTheFirstSample) {
  EXPECT_THAT(RenderRateChart({}, kNow), HasSubstr("Collecting"));
  EXPECT_THAT(RenderRateChart({{kWebhooksInSeries, {}}}, kNow), HasSubstr("Collecting"));
}

NotificationView Notification(std::vector<std::string> states, std::string state = "done",
                              std::string outcome = "") {
  NotificationView n;
  n.id = 42;
  n.type = "chat";
  n.state = std::move(state);
  n.outcome = std::move(outcome);
  n.received_at_ms = kNow;
  for (std::string& s : states) {
    DeliveryView d;
    d.channel = "fcm";
    d.state = std::move(s);
    n.deliveries.push_back(d);
  }
  return n;
}

TEST(Verdict, AnswersDidTheUserGetIt) {
  EXPECT_EQ(Verdict(Notification({"delivered", "failed"})), "yes: delivered to 1 of 2");
  EXPECT_EQ(Verdict(Notification({"delivered", "retry_wait"}, "dispatching")),
            "yes: delivered to 1 of 2 (others still trying)");
  EXPECT_EQ(Verdict(Notification({"retry_wait"}, "dispatching")), "not yet: still trying");
  EXPECT_EQ(Verdict(Notification({"failed"}, "done", "failed")), "no: failed");
  EXPECT_EQ(Verdict(Notification({}, "done", "no_targets")), "no: no device or hook to deliver to");
  EXPECT_EQ(Verdict(Notification({}, "queued")), "not yet: waiting");
}

TEST(RenderUserPage, AUidWithAScriptTagIsShownEscapedEverywhere) {
  UserSearchView view;
  view.app_ids = {"app123"};
  view.app_id = "app123";
  view.uid = "<script>alert(\"pwned\")</script>";
  view.searched = true;
  NotificationView n = Notification({"delivered", "failed"}, "done", "partially_delivered");
  n.sender = "\"><script>x</script>";
  n.deliveries[1].reason = "<b>UNREGISTERED</b>";
  n.deliveries[1].target = "'onmouseover='x";
  n.deliveries[1].attempts = 3;
  n.deliveries[1].last_http_status = 404;
  view.notifications.push_back(n);
  const std::string page = RenderUserPage(view, "n1");
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("<b>UNREGISTERED")));
  EXPECT_THAT(page, HasSubstr("value=\"&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;\""));
  EXPECT_THAT(page, HasSubstr("<span class=\"uid\">&lt;script&gt;alert(&quot;pwned&quot;)"
                              "&lt;/script&gt;</span>"));
  EXPECT_THAT(page, HasSubstr("from &quot;&gt;&lt;script&gt;x&lt;/script&gt;"));
  EXPECT_THAT(page, HasSubstr("&lt;b&gt;UNREGISTERED&lt;/b&gt;"));
  EXPECT_THAT(page, HasSubstr("&#39;onmouseover=&#39;x"));
  EXPECT_THAT(page, HasSubstr("yes: delivered to 1 of 2"));
  EXPECT_THAT(page, HasSubstr("<td class=\"n\">3</td><td class=\"n\">404</td>"));
  // Every tag left is one of the page's own.
  std::regex tag("<([a-zA-Z0-9]+)");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), tag); it != std::sregex_iterator();
       ++it) {
    EXPECT_THAT((std::vector<std::string>{"html",   "head",  "meta",   "title",  "style",   "body",
                                          "header", "h1",    "a",      "main",   "section", "form",
                                          "label",  "input", "select", "option", "button",  "h2",
                                          "span",   "table", "tr",     "th",     "td"}),
                ::testing::Contains((*it)[1].str()));
  }
}

TEST(RenderUserPage, EmptyFormNoResultsAndErrors) {
  UserSearchView form;
  form.app_ids = {"app123"};
  form.app_id = "app123";
  const std::string empty = RenderUserPage(form, "n");
  EXPECT_THAT(empty, HasSubstr("name=\"uid\""));
  EXPECT_THAT(empty, Not(HasSubstr("Recent notifications")));

  UserSearchView none = form;
  none.uid = "nobody";
  none.searched = true;
  EXPECT_THAT(RenderUserPage(none, "n"), HasSubstr("No notification for this user."));

  UserSearchView bad = form;
  bad.searched = true;
  bad.error = "No app \"<x>\" is configured.";
  EXPECT_THAT(RenderUserPage(bad, "n"), HasSubstr("No app &quot;&lt;x&gt;&quot; is configured."));
}

}  // namespace
}  // namespace pushgate::admin
