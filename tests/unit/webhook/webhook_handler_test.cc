#include "webhook/webhook_handler.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "fixtures.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "webhook/dedupe.h"

namespace pushgate::webhook {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

// A store that answers IngestNotification the way the test asks, and dedupes by hash like the
// real one.
class FakeStore : public store::IngestStore, public store::StoreHealth {
 public:
  enum class Mode { kCommitAtOnce, kDefer, kRefuse, kFailInCallback, kFailInternal };
  Mode mode = Mode::kCommitAtOnce;
  absl::Status writable = absl::OkStatus();
  store::StoreStats stats;

  absl::Status IngestNotification(domain::NewNotification n,
                                  store::Callback<store::IngestResult> done) override {
    std::lock_guard<std::mutex> lock(mu_);
    received.push_back(n);
    switch (mode) {
      case Mode::kRefuse:
        return absl::UnavailableError("write queue full (20000 jobs)");
      case Mode::kFailInCallback:
        done(absl::UnavailableError("disk I/O error in INSERT INTO notifications"));
        return absl::OkStatus();
      case Mode::kFailInternal:
        done(absl::InternalError("constraint failed"));
        return absl::OkStatus();
      case Mode::kDefer:
        deferred.push_back([this, n, done] { done(Commit(n)); });
        return absl::OkStatus();
      case Mode::kCommitAtOnce:
        break;
    }
    done(Commit(n));
    return absl::OkStatus();
  }

  store::IngestResult Commit(const domain::NewNotification& n) {
    auto it = ids_by_hash_.find(n.dedupe_hash);
    if (it != ids_by_hash_.end()) return {it->second, true};
    const int64_t id = next_id_++;
    ids_by_hash_[n.dedupe_hash] = id;
    return {id, false};
  }

  absl::Status CheckWritable() override {
    ++check_calls;
    std::unique_lock<std::mutex> lock(gate_mu);
    gate_cv.wait(lock, [&] { return gate_open; });
    return writable;
  }
  void CloseGate() {
    std::lock_guard<std::mutex> lock(gate_mu);
    gate_open = false;
  }
  void OpenGate() {
    std::lock_guard<std::mutex> lock(gate_mu);
    gate_open = true;
    gate_cv.notify_all();
  }
  std::atomic<int> check_calls{0};
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool gate_open = true;
  store::StoreStats Stats() override {
    ++stats_calls;
    return stats;
  }

  std::vector<domain::NewNotification> received;
  std::vector<std::function<void()>> deferred;
  int stats_calls = 0;

 private:
  std::mutex mu_;
  std::map<int64_t, int64_t> ids_by_hash_;
  int64_t next_id_ = 1000;
};

constexpr int64_t kNowMs = 1741847453123;

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest() {
    config_.apps.push_back(App("app123", "cometchat", "pw-current"));
    config_.apps.back().webhook.basic_auth.push_back(Pair("cometchat", "pw-previous"));
    config_.apps.push_back(App("app-other", "other", "pw-other"));
    config::App signed_app = App("app-signed", "signer", "pw-signed");
    signed_app.webhook.hmac = config::HmacCheck{"X-Pushgate-Signature", {"hmac-key", "inline"}};
    config_.apps.push_back(signed_app);
  }

  static config::BasicAuthCredential Pair(std::string user, std::string password) {
    config::BasicAuthCredential c;
    c.username = std::move(user);
    c.password.value = std::move(password);
    return c;
  }
  static config::App App(std::string id, std::string user, std::string password) {
    config::App app;
    app.app_id = std::move(id);
    app.webhook.basic_auth.push_back(Pair(std::move(user), std::move(password)));
    return app;
  }

  http::HttpHandler& Handler() {
    if (!handler_) {
      WebhookDeps deps;
      deps.config = &config_;
      deps.ingest = &store_;
      deps.health = &store_;
      deps.metrics = &registry_;
      deps.engine_running = [this] { return engine_running_.load(); };
      deps.now_ms = [] { return kNowMs; };
      handler_ = MakeHttpHandler(deps);
    }
    return handler_;
  }

  static std::string Basic(const std::string& user, const std::string& password) {
    return "Basic " + Base64Encode(user + ":" + password);
  }

  static http::HttpRequest Post(std::string body, std::string authorization,
                                std::string content_type = "application/json") {
    http::HttpRequest r;
    r.method = "POST";
    r.target = "/webhook";
    r.headers = {{"host", "localhost"}, {"content-type", std::move(content_type)}};
    if (!authorization.empty()) r.headers.emplace_back("authorization", std::move(authorization));
    r.body = std::move(body);
    r.remote_address = "203.0.113.9";
    return r;
  }
  static http::HttpRequest Get(std::string target, std::string method = "GET") {
    http::HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.remote_address = "127.0.0.1";
    return r;
  }

  // Runs the handler and returns its one response (waiting a little for answers that come
  // from another thread, like /readyz); fails if it answered twice or not at all.
  http::HttpResponse Call(http::HttpRequest request) {
    struct Answers {
      std::mutex mu;
      std::condition_variable cv;
      std::vector<http::HttpResponse> responses;
    };
    auto answers = std::make_shared<Answers>();
    Handler()(std::move(request), [answers](http::HttpResponse r) {
      std::lock_guard<std::mutex> lock(answers->mu);
      answers->responses.push_back(std::move(r));
      answers->cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(answers->mu);
    answers->cv.wait_for(lock, std::chrono::seconds(5),
                         [&] { return !answers->responses.empty(); });
    EXPECT_EQ(answers->responses.size(), 1u);
    return answers->responses.empty() ? http::HttpResponse{} : answers->responses.front();
  }

  static std::string HeaderOf(const http::HttpResponse& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (n == name) return v;
    }
    return "";
  }
  static std::string MessageOf(const http::HttpResponse& r) {
    return json::parse(r.body).value("message", "");
  }

  std::string ChatBody() const { return testing::ReadFixture("chat.json"); }

  config::Config config_;
  FakeStore store_;
  metrics::Registry registry_;
  std::atomic<bool> engine_running_{true};
  http::HttpHandler handler_;
};

TEST_F(HandlerTest, StoresEachSampleAndAnswersWithItsId) {
  for (const char* name : testing::kFixtureNames) {
    const std::string body = testing::ReadFixture(name);
    const json doc = json::parse(body);
    const http::HttpResponse r = Call(Post(body, Basic("cometchat", "pw-current")));
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    const json answer = json::parse(r.body);
    EXPECT_TRUE(answer["id"].is_string());
    EXPECT_EQ(answer["duplicate"], false);

    const domain::NewNotification& n = store_.received.back();
    EXPECT_EQ(n.payload, body);  // verbatim
    EXPECT_EQ(n.dedupe_hash, DedupeHash(body));
    EXPECT_EQ(n.app_id, doc["appId"]);
    EXPECT_EQ(n.uid, doc["data"]["to"]["uid"]);
    EXPECT_EQ(n.type, doc["data"]["notificationDetails"]["type"]);
    EXPECT_EQ(n.tag, doc["data"]["notificationDetails"]["tag"]);
    EXPECT_EQ(n.conversation_id, doc["data"]["notificationDetails"]["conversationId"]);
    EXPECT_EQ(n.sender, doc["data"]["notificationDetails"]["sender"]);
    EXPECT_EQ(n.call_action, doc["data"]["notificationDetails"].value("callAction", ""));
    EXPECT_EQ(n.call_session_id, doc["data"]["notificationDetails"].value("sessionId", ""));
    EXPECT_EQ(n.received_at_ms, kNowMs);
  }
}

TEST_F(HandlerTest, ARedeliveryIsADuplicateWithTheFirstId) {
  const http::HttpResponse first = Call(Post(ChatBody(), Basic("cometchat", "pw-current")));
  const http::HttpResponse again = Call(Post(ChatBody(), Basic("cometchat", "pw-previous")));
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["duplicate"], true);
  EXPECT_EQ(json::parse(again.body)["id"], json::parse(first.body)["id"]);
}

TEST_F(HandlerTest, QueueFullIs503WithRetryAfterAndNoStoreDetails) {
  store_.mode = FakeStore::Mode::kRefuse;
  http::HttpResponse r = Call(Post(ChatBody(), Basic("cometchat", "pw-current")));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(HeaderOf(r, "Retry-After"), "1");
  EXPECT_THAT(MessageOf(r), HasSubstr("retry"));
  EXPECT_THAT(r.body, Not(HasSubstr("20000")));

  store_.mode = FakeStore::Mode::kFailInCallback;
  r = Call(Post(ChatBody(), Basic("cometchat", "pw-current")));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(HeaderOf(r, "Retry-After"), "1");
  EXPECT_THAT(r.body, Not(HasSubstr("INSERT")));

  store_.mode = FakeStore::Mode::kFailInternal;
  r = Call(Post(ChatBody(), Basic("cometchat", "pw-current")));
  EXPECT_EQ(r.status, 500);
  EXPECT_THAT(r.body, Not(HasSubstr("constraint")));
}

TEST_F(HandlerTest, AnswersWhenTheStoreCommitsOnAnotherThread) {
  store_.mode = FakeStore::Mode::kDefer;
  std::atomic<int> calls{0};
  http::HttpResponse answer;
  std::thread::id answered_on;
  Handler()(Post(ChatBody(), Basic("cometchat", "pw-current")), [&](http::HttpResponse r) {
    answer = std::move(r);
    answered_on = std::this_thread::get_id();
    ++calls;
  });
  EXPECT_EQ(calls.load(), 0);  // nothing before the commit
  ASSERT_EQ(store_.deferred.size(), 1u);
  std::thread writer([&] { store_.deferred.front()(); });
  writer.join();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(answered_on, std::this_thread::get_id());
}

TEST_F(HandlerTest, WrongMethodIs405WithAllow) {
  http::HttpRequest r = Post(ChatBody(), Basic("cometchat", "pw-current"));
  r.method = "PUT";
  http::HttpResponse answer = Call(std::move(r));
  EXPECT_EQ(answer.status, 405);
  EXPECT_EQ(HeaderOf(answer, "Allow"), "POST");
  answer = Call(Get("/webhook"));
  EXPECT_EQ(answer.status, 405);

  answer = Call(Get("/healthz", "POST"));
  EXPECT_EQ(answer.status, 405);
  EXPECT_EQ(HeaderOf(answer, "Allow"), "GET, HEAD");
  EXPECT_TRUE(store_.received.empty());
}

TEST_F(HandlerTest, UnknownPathIs404) {
  const http::HttpResponse r = Call(Get("/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_FALSE(MessageOf(r).empty());
  http::HttpRequest post = Post(ChatBody(), Basic("cometchat", "pw-current"));
  post.target = "/webhook/extra";
  EXPECT_EQ(Call(std::move(post)).status, 404);
}

TEST_F(HandlerTest, TheConfiguredWebhookPathIsUsedAndQueriesAreIgnored) {
  config_.http.webhook_path = "/cometchat/push";
  http::HttpRequest r = Post(ChatBody(), Basic("cometchat", "pw-current"));
  r.target = "/cometchat/push?source=dashboard";
  EXPECT_EQ(Call(std::move(r)).status, 200);
  EXPECT_EQ(Call(Post(ChatBody(), Basic("cometchat", "pw-current"))).status, 404);
}

TEST_F(HandlerTest, NonJsonContentTypeIs415) {
  for (const char* type : {"", "text/plain", "application/x-www-form-urlencoded"}) {
    const http::HttpResponse r = Call(Post(ChatBody(), Basic("cometchat", "pw-current"), type));
    EXPECT_EQ(r.status, 415) << type;
  }
  EXPECT_EQ(
      Call(Post(ChatBody(), Basic("cometchat", "pw-current"), "application/json; charset=utf-8"))
          .status,
      200);
}

TEST_F(HandlerTest, MissingOrWrongCredentialsAre401WithAChallenge) {
  for (const std::string& auth : {std::string(), Basic("cometchat", "wrong"),
                                  Basic("nobody", "pw-current"), std::string("Bearer x")}) {
    const http::HttpResponse r = Call(Post(ChatBody(), auth));
    EXPECT_EQ(r.status, 401) << auth;
    EXPECT_THAT(HeaderOf(r, "WWW-Authenticate"), HasSubstr("Basic realm=\"pushgate\""));
  }
  EXPECT_TRUE(store_.received.empty());
}

TEST_F(HandlerTest, InvalidPayloadIs400NamingTheField) {
  json doc = json::parse(ChatBody());
  doc["data"]["to"].erase("uid");
  http::HttpResponse r = Call(Post(doc.dump(), Basic("cometchat", "pw-current")));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(MessageOf(r), HasSubstr("data.to.uid"));

  r = Call(Post("{not json", Basic("cometchat", "pw-current")));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(MessageOf(r), HasSubstr("JSON"));
}

TEST_F(HandlerTest, CredentialsForAnotherAppAre403AndUnknownAppsAre404) {
  http::HttpResponse r = Call(Post(ChatBody(), Basic("other", "pw-other")));
  EXPECT_EQ(r.status, 403);

  json doc = json::parse(ChatBody());
  doc["appId"] = "app-unknown";
  r = Call(Post(doc.dump(), Basic("other", "pw-other")));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"message":"unknown appId"})"));
  // Without credentials the same request cannot tell unknown apps from known ones.
  EXPECT_EQ(Call(Post(doc.dump(), "")).status, 401);
}

TEST_F(HandlerTest, AllowUnauthenticatedOpensOnlyThatApp) {
  config_.apps[1].webhook.allow_unauthenticated = true;  // app-other
  json doc = json::parse(ChatBody());
  doc["appId"] = "app-other";
  EXPECT_EQ(Call(Post(doc.dump(), "")).status, 200);
  EXPECT_EQ(Call(Post(ChatBody(), "")).status, 401);  // app123 still needs credentials
}

TEST_F(HandlerTest, SignedAppsNeedAValidBodySignature) {
  json doc = json::parse(ChatBody());
  doc["appId"] = "app-signed";
  const std::string body = doc.dump();
  http::HttpResponse r = Call(Post(body, Basic("signer", "pw-signed")));
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(MessageOf(r), HasSubstr("signature"));

  http::HttpRequest wrong = Post(body, Basic("signer", "pw-signed"));
  wrong.headers.emplace_back("x-pushgate-signature", HexEncode(HmacSha256("other", body)));
  EXPECT_EQ(Call(std::move(wrong)).status, 401);

  http::HttpRequest good = Post(body, Basic("signer", "pw-signed"));
  good.headers.emplace_back("x-pushgate-signature",
                            "sha256=" + HexEncode(HmacSha256("hmac-key", body)));
  EXPECT_EQ(Call(std::move(good)).status, 200);
}

TEST_F(HandlerTest, ChecksRunInTheDocumentedOrder) {
  // 405 before 404: the path is known, the method wrong.
  http::HttpRequest r = Post("{", "", "text/plain");
  r.method = "DELETE";
  EXPECT_EQ(Call(std::move(r)).status, 405);
  // 415 before 401.
  EXPECT_EQ(Call(Post("{", "", "text/plain")).status, 415);
  // 401 before 400.
  EXPECT_EQ(Call(Post("{", "")).status, 401);
  // 400 before the app checks: valid credentials of another app, broken body.
  EXPECT_EQ(Call(Post("{", Basic("other", "pw-other"))).status, 400);
  // 403 before the signature: app-signed with app-other's credentials and no signature.
  json doc = json::parse(ChatBody());
  doc["appId"] = "app-signed";
  EXPECT_EQ(Call(Post(doc.dump(), Basic("other", "pw-other"))).status, 403);
}

TEST_F(HandlerTest, HealthAndReadiness) {
  http::HttpResponse r = Call(Get("/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["status"], "ok");
  EXPECT_EQ(Call(Get("/healthz", "HEAD")).status, 200);

  EXPECT_EQ(Call(Get("/readyz")).status, 200);
  store_.writable = absl::UnavailableError("disk full");
  r = Call(Get("/readyz"));
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, Not(HasSubstr("disk full")));
  store_.writable = absl::OkStatus();
  engine_running_ = false;
  EXPECT_EQ(Call(Get("/readyz")).status, 503);
  engine_running_ = true;
  EXPECT_EQ(Call(Get("/readyz")).status, 200);
  // Still alive while not ready.
  store_.writable = absl::UnavailableError("x");
  EXPECT_EQ(Call(Get("/healthz")).status, 200);
}

TEST_F(HandlerTest, ReadinessNeverBlocksTheCallingThreadAndSharesOneProbe) {
  store_.CloseGate();  // CheckWritable blocks, as a probe write stuck behind the writer would
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> statuses;
  auto collect = [&](http::HttpResponse r) {
    std::lock_guard<std::mutex> lock(mu);
    statuses.push_back(r.status);
    cv.notify_all();
  };
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) Handler()(Get("/readyz"), collect);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(statuses.empty());  // nobody answered yet, and nobody waited for it
  }
  store_.OpenGate();
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return statuses.size() == 5; }));
  EXPECT_EQ(statuses, std::vector<int>(5, 200));
  EXPECT_LE(store_.check_calls.load(), 2);  // the one in flight, then one for all who waited
}

TEST_F(HandlerTest, MetricsCountRequestsTimeIngestsAndReadTheStore) {
  store_.stats.write_queue_depth = 7;
  store_.stats.write_queue_capacity = 20000;
  store_.stats.notifications_by_state = {{"queued", 3}, {"done", 9}};
  store_.stats.registrations_by_platform_state = {{"apns/active", 2}, {"fcm/inactive", 1}};

  ASSERT_EQ(Call(Post(ChatBody(), Basic("cometchat", "pw-current"))).status, 200);
  ASSERT_EQ(Call(Post(ChatBody(), Basic("cometchat", "pw-current"))).status, 200);
  ASSERT_EQ(Call(Post(ChatBody(), "")).status, 401);
  MakeProtocolErrorHook(registry_)(413);

  const http::HttpResponse r = Call(Get("/metrics"));
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.content_type, HasSubstr("text/plain; version=0.0.4"));
  const std::string& text = r.body;
  EXPECT_THAT(text,
              HasSubstr("pushgate_http_requests_total{route=\"webhook\",status=\"200\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("pushgate_http_requests_total{route=\"webhook\",status=\"401\"} 1\n"));
  EXPECT_THAT(text,
              HasSubstr("pushgate_http_requests_total{route=\"unparsed\",status=\"413\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE pushgate_webhook_ingest_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("pushgate_webhook_ingest_seconds_count 2\n"));
  EXPECT_THAT(text, HasSubstr("pushgate_store_write_queue_depth 7\n"));
  EXPECT_THAT(text, HasSubstr("pushgate_notifications{state=\"queued\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("pushgate_notifications{state=\"done\"} 9\n"));
  EXPECT_THAT(text, HasSubstr("pushgate_registrations{platform=\"apns\",state=\"active\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("pushgate_registrations{platform=\"fcm\",state=\"inactive\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("pushgate_ready 1\n"));
  EXPECT_EQ(store_.stats_calls, 1);  // one snapshot feeds every store gauge

  // The scrape itself is counted too, on the next one.
  EXPECT_THAT(Call(Get("/metrics")).body,
              HasSubstr("pushgate_http_requests_total{route=\"metrics\",status=\"200\"} 1\n"));
}

TEST_F(HandlerTest, RefusalLogLinesNameTheAppWhenTheBodyHasOne) {
  json doc = json::parse(ChatBody());
  const std::string app = doc["appId"];
  doc["data"]["to"].erase("uid");
  ::testing::internal::CaptureStderr();
  Call(Post(doc.dump(), Basic("cometchat", "pw-current")));  // 400
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("status=400"));
  EXPECT_THAT(log, HasSubstr("app_id=" + app));

  doc = json::parse(ChatBody());
  doc["appId"] = "no-such-app";
  ::testing::internal::CaptureStderr();
  Call(Post(doc.dump(), Basic("other", "pw-other")));  // 404
  log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("status=404"));
  EXPECT_THAT(log, HasSubstr("app_id=no-such-app"));
}

TEST_F(HandlerTest, ReadyGaugeFollowsTheLastCommitAndTheEngine) {
  EXPECT_THAT(Call(Get("/metrics")).body, HasSubstr("pushgate_ready 1\n"));
  engine_running_ = false;
  EXPECT_THAT(Call(Get("/metrics")).body, HasSubstr("pushgate_ready 0\n"));
  engine_running_ = true;
  store_.stats.last_commit_ok = false;
  EXPECT_THAT(Call(Get("/metrics")).body, HasSubstr("pushgate_ready 0\n"));
  store_.stats.last_commit_ok = true;
  EXPECT_THAT(Call(Get("/metrics")).body, HasSubstr("pushgate_ready 1\n"));
}

TEST_F(HandlerTest, LogsNeitherCredentialsNorPayload) {
  json doc = json::parse(ChatBody());
  doc["data"]["notificationDetails"]["body"] = "PAYLOAD-TEXT";
  doc["data"]["to"].erase("uid");
  ::testing::internal::CaptureStderr();
  Call(Post(doc.dump(), Basic("cometchat", "pw-current")));  // 400
  Call(Post(doc.dump(), Basic("cometchat", "pw-WRONG")));    // 401
  store_.mode = FakeStore::Mode::kRefuse;
  Call(Post(ChatBody(), Basic("cometchat", "pw-current")));  // 503
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(log, HasSubstr("status=400"));
  EXPECT_THAT(log, HasSubstr("status=401"));
  EXPECT_THAT(log, Not(HasSubstr("PAYLOAD-TEXT")));
  EXPECT_THAT(log, Not(HasSubstr("pw-")));
  EXPECT_THAT(log, Not(HasSubstr(Base64Encode("cometchat:pw-current"))));
  EXPECT_THAT(log, Not(HasSubstr("Hello!")));
}

}  // namespace
}  // namespace pushgate::webhook
