#include "admin/admin_handler.h"

#include <optional>
#include <regex>

#include "common/crypto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "metrics/registry.h"

namespace pushgate::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNow = 1'796'000'000'000;

// The status reads the page makes, answered from memory.
class FakeStatusStore : public store::StatusStore {
 public:
  absl::StatusOr<std::optional<store::NotificationDetail>> GetNotification(
      const std::string& app_id, int64_t id) override {
    if (app_id != "app123" || id != 9) return std::nullopt;
    store::NotificationDetail detail;
    detail.notification.id = 9;
    store::DeliveryRecord d;
    d.channel = store::Channel::kFcm;
    d.state = store::DeliveryState::kDelivered;
    d.attempt_count = 1;
    d.last_http_status = 200;
    d.target_hint = "…abcd";
    detail.deliveries.push_back(d);
    return detail;
  }
  absl::StatusOr<std::vector<store::NotificationRecord>> ListNotifications(
      const store::NotificationQuery& query) override {
    last_query = query;
    store::NotificationRecord r;
    r.id = 9;
    r.app_id = query.app_id;
    r.uid = query.uid;
    r.type = "chat";
    r.state = store::NotificationState::kDone;
    r.outcome = store::NotificationOutcome::kDelivered;
    r.received_at_ms = kNow - 1000;
    return std::vector<store::NotificationRecord>{r};
  }
  absl::StatusOr<store::StatusStats> Stats(const std::string& app_id, int64_t since_ms,
                                           int64_t now_ms) override {
    last_since_ms = since_ms;
    store::StatusStats s;
    s.queue_depth = 3;
    s.oldest_waiting_received_ms = now_ms - 65'000;
    s.deliveries_by_state = {{"delivered", 10}, {"failed", 2}};
    s.deliveries_by_reason = {{"", 10}, {"UNREGISTERED", 2}};
    return s;
  }
  absl::StatusOr<int64_t> OldestWaitingReceivedMs() override {
    return absl::UnimplementedError("not used");
  }
  absl::Status Redrive(store::RedriveScope, int64_t, store::Callback<int>) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<std::vector<store::NotificationChange>> ChangesSince(const std::string&,
                                                                      const std::string&,
                                                                      store::ChangeCursor,
                                                                      int) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<store::ChangeCursor> LatestChange(const std::string&) override {
    return absl::UnimplementedError("not used");
  }

  store::NotificationQuery last_query;
  int64_t last_since_ms = 0;
};

class AdminHandlerTest : public ::testing::Test {
 protected:
  AdminHandlerTest() : rates_(&metrics_, [] { return kNow; }) {
    config::App app;
    app.app_id = "app123";
    app.fcm.emplace();
    app.fcm->service_account.source = "file:/etc/pushgate/sa.json";
    app.fcm->service_account.value = "{\"private_key\": \"SECRET-KEY-MATERIAL\"}";
    config_.apps.push_back(app);
    source_ = std::make_unique<StatusSource>(&store_, &config_, &metrics_);
    config::WebhookAuthLimits lockout;
    lockout.lockout_after_failures = 101;  // the 401 test below fails 60 times from one source
    handler_ = MakeAdminHandler({config::BasicAuthCredential{"ops", {"pw", "inline"}}, lockout,
                                 source_.get(), &rates_, [] { return kNow; }});
  }

  http::HttpResponse Call(const std::string& method, const std::string& target,
                          const std::string& authorization = "Basic " + Base64Encode("ops:pw"),
                          const std::string& source = "127.0.0.1") {
    http::HttpRequest request;
    request.remote_address = source;
    request.method = method;
    request.target = target;
    if (!authorization.empty()) request.headers.push_back({"authorization", authorization});
    std::optional<http::HttpResponse> got;
    handler_(std::move(request), [&got](http::HttpResponse r) { got = std::move(r); });
    EXPECT_TRUE(got.has_value()) << target;
    return got.value_or(http::HttpResponse{});
  }

  static std::string HeaderOf(const http::HttpResponse& r, const std::string& name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }

  metrics::Registry metrics_;
  FakeStatusStore store_;
  config::Config config_;
  RateSampler rates_;
  std::unique_ptr<StatusSource> source_;
  http::HttpHandler handler_;
};

TEST_F(AdminHandlerTest, EveryRouteAndMethodAnswers401WithoutTheAdminCredentials) {
  for (const char* target :
       {"/", "/live", "/user", "/user?app=app123&uid=u1", "/nope", "/metrics"}) {
    for (const std::string& auth :
         {std::string(""), "Basic " + Base64Encode("ops:wrong"), "Basic " + Base64Encode("ops:"),
          "Basic " + Base64Encode("cometchat:pw"), std::string("Bearer pw")}) {
      for (const char* method : {"GET", "POST"}) {
        http::HttpResponse r = Call(method, target, auth);
        EXPECT_EQ(r.status, 401) << method << " " << target << " " << auth;
        EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"),
                  "Basic realm=\"pushgate admin\", charset=\"UTF-8\"");
        EXPECT_THAT(r.body, Not(HasSubstr("app123")));
      }
    }
  }
}

TEST_F(AdminHandlerTest, ThePageCarriesAStrictPolicyWithAFreshNonceEachTime) {
  http::HttpResponse first = Call("GET", "/");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(HeaderOf(first, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(HeaderOf(first, "X-Frame-Options"), "DENY");
  EXPECT_EQ(HeaderOf(first, "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderOf(first, "Referrer-Policy"), "no-referrer");
  const std::string csp = HeaderOf(first, "Content-Security-Policy");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(csp, m, std::regex("script-src 'nonce-([A-Za-z0-9_-]{20,})'")))
      << csp;
  const std::string nonce = m[1];
  EXPECT_THAT(first.body, HasSubstr("<script nonce=\"" + nonce + "\">"));
  EXPECT_THAT(first.body, HasSubstr("<style nonce=\"" + nonce + "\">"));
  EXPECT_THAT(HeaderOf(Call("GET", "/"), "Content-Security-Policy"), Not(HasSubstr(nonce)));
}

TEST_F(AdminHandlerTest, ThePageShowsTheLastHourOfEachAppWithoutSecrets) {
  http::HttpResponse r = Call("GET", "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(store_.last_since_ms, kNow - 3'600'000);
  EXPECT_THAT(r.body, HasSubstr("<b class=\"queue\">3</b>"));
  EXPECT_THAT(r.body, HasSubstr("<b class=\"oldest\">1 min 05 s</b>"));
  EXPECT_THAT(r.body, HasSubstr("<td>UNREGISTERED</td><td class=\"n\">2</td>"));
  EXPECT_THAT(r.body, HasSubstr("service account (file:/etc/pushgate/sa.json)"));
  EXPECT_THAT(r.body, HasSubstr("<td class=\"health\">not checked</td>"));
  EXPECT_THAT(r.body, Not(HasSubstr("SECRET-KEY-MATERIAL")));

  http::HttpResponse live = Call("GET", "/live");
  ASSERT_EQ(live.status, 200);
  EXPECT_THAT(live.body, HasSubstr("<b class=\"queue\">3</b>"));
  EXPECT_THAT(live.body, Not(HasSubstr("<html")));
}

TEST_F(AdminHandlerTest, ProviderConfigErrorsShowInTheChannelsHealth) {
  metrics_.AddCounter("pushgate_provider_config_errors_total", "h", {"app", "channel"})
      .WithLabels({"app123", "fcm"})
      .Increment(4);
  EXPECT_THAT(Call("GET", "/").body,
              HasSubstr("not checked; 4 pushes refused for our credentials or configuration"));
}

TEST_F(AdminHandlerTest, UserSearchAnswersWithEveryDeliveryAndEscapesTheUid) {
  http::HttpResponse r = Call("GET", "/user?app=app123&uid=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(store_.last_query.app_id, "app123");
  EXPECT_EQ(store_.last_query.uid, "<script>alert(1)</script>");
  EXPECT_THAT(r.body, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(r.body, Not(HasSubstr("<script")));
  EXPECT_THAT(r.body, HasSubstr("yes: delivered to 1 of 1"));
  EXPECT_THAT(r.body, HasSubstr("<td class=\"state\">delivered</td>"));
  EXPECT_FALSE(HeaderOf(r, "Content-Security-Policy").empty());

  EXPECT_EQ(Call("GET", "/user").status, 200);  // the empty form
  http::HttpResponse unknown = Call("GET", "/user?app=%3Cx%3E&uid=u");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("No app &quot;&lt;x&gt;&quot; is configured."));
  EXPECT_EQ(Call("GET", "/user?app=app123&uid=").status, 400);
  EXPECT_EQ(Call("GET", "/user?app=app123&uid=" + std::string(300, 'u')).status, 400);
}

TEST_F(AdminHandlerTest, UnknownPathsAndOtherMethodsAreRefusedAfterAuthentication) {
  EXPECT_EQ(Call("GET", "/nope").status, 404);
  http::HttpResponse post = Call("POST", "/");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET");
}

TEST_F(AdminHandlerTest, RepeatedFailuresFromOneAddressLockItOutButNotOthers) {
  for (int i = 0; i < 101; ++i) {
    ASSERT_EQ(Call("GET", "/", "Basic " + Base64Encode("ops:guess"), "10.0.0.9").status, 401);
  }
  http::HttpResponse locked = Call("GET", "/", "Basic " + Base64Encode("ops:pw"), "10.0.0.9");
  EXPECT_EQ(locked.status, 429);
  EXPECT_GT(std::stoi(HeaderOf(locked, "Retry-After")), 0);
  EXPECT_EQ(Call("GET", "/", "Basic " + Base64Encode("ops:pw"), "10.0.0.10").status, 200);
}

TEST(ChartTotals, WebhookRequestsOfEveryStatusAndProviderAnswersPerChannel) {
  std::map<std::string, uint64_t> totals =
      ChartTotals({{{"webhook", "200"}, 7}, {{"webhook", "401"}, 2}, {{"metrics", "200"}, 50}},
                  {{{"fcm", "delivered"}, 5}, {{"fcm", "token_dead"}, 1}, {{"apns", "retry"}, 3}});
  EXPECT_EQ(totals, (std::map<std::string, uint64_t>{
                        {"webhooks in", 9}, {"pushes out: fcm", 6}, {"pushes out: apns", 3}}));
  EXPECT_EQ(ChartTotals({}, {}), (std::map<std::string, uint64_t>{{"webhooks in", 0}}));
}

TEST(RateSampler, ReadsTheRegistrysCountersIntoRates) {
  metrics::Registry registry;
  metrics::Counter& pushes =
      registry.AddCounter("pushgate_pushes_total", "h", {"channel", "outcome"})
          .WithLabels({"webpush", "delivered"});
  int64_t now = 0;
  RateSampler sampler(&registry, [&now] { return now; });
  sampler.SampleNow();
  pushes.Increment(30);
  now = 10'000;
  sampler.SampleNow();
  std::vector<RateSeries> series = sampler.Series();
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].name, "pushes out: webpush");
  EXPECT_DOUBLE_EQ(series[0].points.at(0).per_second, 3.0);
  EXPECT_EQ(series[1].name, "webhooks in");
  EXPECT_DOUBLE_EQ(series[1].points.at(0).per_second, 0.0);
}

}  // namespace
}  // namespace pushgate::admin
