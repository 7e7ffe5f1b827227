// The CometChat webhook through the real binary over real HTTP: every status code of the
// contract, the fixtures stored as given, group bursts, duplicates, crashes and an unusable
// database.
#include <signal.h>
#include <sys/file.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "SQLiteCpp/SQLiteCpp.h"
#include "gtest/gtest.h"
#include "harness.h"
#include "nlohmann/json.hpp"

namespace pushgate::testing {
namespace {

using nlohmann::json;

class WebhookTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& extra_config = "") {
    server_ = PushgateProcess::Start(
        {TestConfig(dir_.path() + "/data", extra_config), dir_.path() + "/data"});
    ASSERT_NE(server_, nullptr);
  }
  std::string DbPath() const { return dir_.path() + "/data/pushgate.db"; }
  int64_t CountRows(const std::string& where = "1") {
    return std::stoll(QueryOne(DbPath(), "SELECT count(*) FROM notifications WHERE " + where));
  }
  static std::string MessageOf(const HttpResult& r) {
    json doc = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(doc.is_object() && doc.contains("message")) << "body: " << r.body;
    return doc.is_object() ? doc.value("message", "") : "";
  }

  TempDir dir_;
  std::unique_ptr<PushgateProcess> server_;
};

TEST_F(WebhookTest, EachFixtureIsAcceptedAndStoredExactlyAsGiven) {
  StartServer();
  for (const char* name : {"chat", "call", "reaction", "group_action"}) {
    const std::string body = Fixture(name);
    HttpResult r = PostWebhook(*server_, body);
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    json answer = json::parse(r.body);
    ASSERT_TRUE(answer.contains("id")) << r.body;
    EXPECT_EQ(answer["duplicate"], false);
    const std::string id = answer["id"].get<std::string>();
    EXPECT_EQ(QueryOne(DbPath(), "SELECT payload FROM notifications WHERE id = " + id), body)
        << name;
    // The engine may already have picked it up; it must be in the queue's lifecycle.
    const std::string state =
        QueryOne(DbPath(), "SELECT state FROM notifications WHERE id = " + id);
    EXPECT_TRUE(state == "queued" || state == "dispatching" || state == "done") << state;
  }
  EXPECT_EQ(QueryOne(DbPath(),
                     "SELECT call_action || '/' || call_session_id FROM notifications "
                     "WHERE type = 'call'"),
            "initiated/v1.123.aik2");
  EXPECT_EQ(CountRows(), 4);
}

TEST_F(WebhookTest, SamePayloadAgainIsADuplicateWithTheFirstId) {
  StartServer();
  const std::string body = Fixture("chat");
  HttpResult first = PostWebhook(*server_, body);
  HttpResult second = PostWebhook(*server_, body);
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(json::parse(second.body)["id"], json::parse(first.body)["id"]);
  EXPECT_EQ(json::parse(second.body)["duplicate"], true);
  EXPECT_EQ(CountRows(), 1);
  // Another recipient of the same message is another notification.
  HttpResult other = PostWebhook(*server_, ChatPayloadFor("someone-else"));
  ASSERT_EQ(other.status, 200);
  EXPECT_NE(json::parse(other.body)["id"], json::parse(first.body)["id"]);
  EXPECT_EQ(CountRows(), 2);
}

TEST_F(WebhookTest, AuthFailuresAre401WithChallengeAnd403ForAnotherApp) {
  StartServer();
  const std::string url = server_->http_url("/webhook");
  const std::string body = Fixture("chat");

  HttpResult none = HttpRequest("POST", url, body, {"Content-Type: application/json"});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers["www-authenticate"].rfind("Basic realm=\"pushgate\"", 0), 0u);
  MessageOf(none);

  HttpResult wrong = PostWebhook(*server_, body, "cometchat", "wrong-pass");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.headers["www-authenticate"].rfind("Basic realm=\"pushgate\"", 0), 0u);

  HttpResult garbled =
      HttpRequest("POST", url, body, {"Content-Type: application/json", "Authorization: Basic !!"});
  EXPECT_EQ(garbled.status, 401);

  // app456's credentials are real, but the body is for app123.
  HttpResult other_app = PostWebhook(*server_, body, "other", "other-pass");
  EXPECT_EQ(other_app.status, 403);
  MessageOf(other_app);
  EXPECT_EQ(CountRows(), 0);

  // Nothing of the secret leaks into an error body.
  EXPECT_EQ(wrong.body.find("wrong-pass"), std::string::npos);
  EXPECT_EQ(server_->Log().find("secret-pass"), std::string::npos);
}

TEST_F(WebhookTest, EveryClientErrorNamesTheProblem) {
  StartServer();
  const std::string url = server_->http_url("/webhook");
  const Headers json_auth = {"Content-Type: application/json",
                             BasicAuthHeader("cometchat", "secret-pass")};
  auto post = [&](const std::string& body) { return HttpRequest("POST", url, body, json_auth); };
  auto mutated = [](auto&& change) {
    json doc = json::parse(Fixture("call"));
    change(doc);
    return doc.dump();
  };

  HttpResult invalid_json = post("{not json");
  EXPECT_EQ(invalid_json.status, 400);
  EXPECT_FALSE(MessageOf(invalid_json).empty());

  struct Case {
    std::string body;
    std::string field;  // the message must mention it
  };
  const std::vector<Case> cases = {
      {mutated([](json& d) { d["trigger"] = "something-else"; }), "trigger"},
      {mutated([](json& d) { d["webhook"] = "fcm"; }), "webhook"},
      {mutated([](json& d) { d["data"].erase("to"); }), "data.to"},
      {mutated([](json& d) { d["data"].erase("notificationDetails"); }),
       "data.notificationDetails"},
      {mutated([](json& d) { d["data"]["to"]["uid"] = ""; }), "data.to.uid"},
      {mutated([](json& d) { d["data"]["to"]["uid"] = 42; }), "data.to.uid"},
      {mutated([](json& d) { d["data"]["notificationDetails"]["type"] = "sms"; }), "type"},
      {mutated([](json& d) { d["data"]["notificationDetails"].erase("callAction"); }),
       "callAction"},
      {mutated([](json& d) { d["data"]["notificationDetails"]["callAction"] = "dialing"; }),
       "callAction"},
      {mutated([](json& d) { d["data"]["notificationDetails"].erase("sessionId"); }), "sessionId"},
      {mutated([](json& d) { d["data"]["to"]["uid"] = "alice\nlevel=admin"; }), "data.to.uid"},
      {mutated([](json& d) { d["data"]["to"]["uid"] = std::string("bob\0", 4); }), "data.to.uid"},
  };
  for (const Case& c : cases) {
    HttpResult r = post(c.body);
    EXPECT_EQ(r.status, 400) << c.field << ": " << r.body;
    EXPECT_NE(MessageOf(r).find(c.field), std::string::npos)
        << "message should name " << c.field << ": " << r.body;
  }

  // A duplicated key: Boost.JSON and nlohmann keep the last copy, other readers the first, so
  // the body could mean one recipient here and another to a forward hook's receiver.
  std::string twice = json::parse(Fixture("chat")).dump();
  const std::string to = R"("to":{)";
  ASSERT_NE(twice.find(to), std::string::npos);
  twice.insert(twice.find(to) + to.size(), R"("uid":"mallory",)");
  HttpResult duplicated = post(twice);
  EXPECT_EQ(duplicated.status, 400) << duplicated.body;
  EXPECT_NE(MessageOf(duplicated).find("repeats a key"), std::string::npos) << duplicated.body;

  // The refusals' log lines name the app the body is for.
  EXPECT_NE(server_->Log().find("each key may appear once\" method=POST app_id=app123"),
            std::string::npos)
      << server_->Log();

  HttpResult unknown_app = post(ChatPayloadFor("u1", "no-such-app"));
  EXPECT_EQ(unknown_app.status, 404);
  EXPECT_NE(MessageOf(unknown_app).find("appId"), std::string::npos);

  EXPECT_NE(
      server_->Log().find("status=404 reason=\"unknown appId\" method=POST app_id=no-such-app"),
      std::string::npos)
      << server_->Log();

  HttpResult text =
      HttpRequest("POST", url, Fixture("chat"),
                  {"Content-Type: text/plain", BasicAuthHeader("cometchat", "secret-pass")});
  EXPECT_EQ(text.status, 415);
  MessageOf(text);

  HttpResult get = HttpRequest("GET", url);
  EXPECT_EQ(get.status, 405);
  EXPECT_NE(get.headers["allow"].find("POST"), std::string::npos);
  MessageOf(get);

  HttpResult elsewhere =
      HttpRequest("POST", server_->http_url("/nope"), Fixture("chat"), json_auth);
  EXPECT_EQ(elsewhere.status, 404);
  MessageOf(elsewhere);

  HttpResult too_big = post(std::string(300 * 1024, ' ') + Fixture("chat"));
  EXPECT_EQ(too_big.status, 413);

  EXPECT_EQ(CountRows(), 0);
}

TEST_F(WebhookTest, NumberOrStringFieldsAndUnknownExtrasAreAccepted) {
  StartServer();
  json doc = json::parse(Fixture("chat"));
  doc["data"]["notificationDetails"]["sentAt"] = 1741847453000;
  doc["data"]["notificationDetails"]["unreadMessageCount"] = "7";
  doc["data"]["notificationDetails"]["somethingNew"] = {{"nested", true}};
  doc["extraTopLevel"] = "kept";
  const std::string body = doc.dump();
  HttpResult r = PostWebhook(*server_, body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(QueryOne(DbPath(), "SELECT payload FROM notifications"), body);
}

TEST_F(WebhookTest, HealthReadinessAndMetrics) {
  StartServer();
  EXPECT_EQ(HttpGet(server_->http_url("/healthz")).status, 200);
  EXPECT_EQ(HttpGet(server_->http_url("/readyz")).status, 200);
  ASSERT_EQ(PostWebhook(*server_, Fixture("chat")).status, 200);
  ASSERT_EQ(PostWebhook(*server_, Fixture("chat"), "cometchat", "bad").status, 401);
  HttpResult metrics = HttpGet(server_->http_url("/metrics"));
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers["content-type"].find("text/plain"), std::string::npos);
  for (const char* needle :
       {"pushgate_http_requests_total{", "status=\"200\"", "status=\"401\"",
        "pushgate_webhook_ingest_seconds_bucket{", "pushgate_store_write_queue_depth",
        "pushgate_notifications{", "pushgate_registrations"}) {
    EXPECT_NE(metrics.body.find(needle), std::string::npos) << needle << "\n" << metrics.body;
  }
}

TEST_F(WebhookTest, GroupBurstOfAThousandPostsIsAllAcknowledgedAndStored) {
  StartServer();
  std::vector<std::string> bodies;
  for (int i = 0; i < 1000; ++i) bodies.push_back(ChatPayloadFor("member-" + std::to_string(i)));
  std::vector<HttpResult> results = ConcurrentPosts(
      server_->http_url("/webhook"), bodies,
      {"Content-Type: application/json", BasicAuthHeader("cometchat", "secret-pass")}, 64);
  std::set<std::string> ids;
  for (const HttpResult& r : results) {
    ASSERT_EQ(r.status, 200) << r.error << " " << r.body;
    ids.insert(json::parse(r.body)["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(CountRows(), 1000);
  EXPECT_EQ(CountRows("uid LIKE 'member-%'"), 1000);
}

TEST_F(WebhookTest, KillNineDuringABurstLosesNoAcknowledgedNotification) {
  StartServer();
  const std::string url = server_->http_url("/webhook");
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::mutex mu;
  std::set<std::string> acked_uids;
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        const std::string uid = "crash-" + std::to_string(t) + "-" + std::to_string(i);
        HttpResult r = HttpRequest(
            "POST", url, ChatPayloadFor(uid),
            {"Content-Type: application/json", BasicAuthHeader("cometchat", "secret-pass")}, 2000);
        if (r.status == 200) {
          acknowledged++;
          std::lock_guard<std::mutex> lock(mu);
          acked_uids.insert(uid);
        }
        if (r.status == 0) break;  // the server is gone
      }
    });
  }
  while (acknowledged.load() < 300) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->Kill9();
  stop = true;
  for (auto& t : senders) t.join();

  StartServer();  // same data dir: recovery from the WAL
  std::set<std::string> stored;
  {
    SQLite::Database db(DbPath(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT uid FROM notifications");
    while (q.executeStep()) stored.insert(q.getColumn(0).getString());
  }
  for (const std::string& uid : acked_uids) {
    EXPECT_EQ(stored.count(uid), 1u) << "acknowledged but lost: " << uid;
  }
  EXPECT_GE(stored.size(), acked_uids.size());
  EXPECT_EQ(QueryOne(DbPath(), "PRAGMA integrity_check"), "ok");
  // And it still works after the crash.
  EXPECT_EQ(PostWebhook(*server_, ChatPayloadFor("after-crash")).status, 200);
}

TEST_F(WebhookTest, FullDatabaseAnswers503ThenRecoversWhenSpaceIsFreed) {
  StartServer(R"("store": {"max_db_bytes": 1048576})");
  int accepted = 0;
  HttpResult refused;
  for (int i = 0; i < 5000; ++i) {
    HttpResult r = PostWebhook(*server_, ChatPayloadFor("fill-" + std::to_string(i)));
    if (r.status == 200) {
      accepted++;
      continue;
    }
    refused = r;
    break;
  }
  ASSERT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.headers["retry-after"].empty());
  MessageOf(refused);
  EXPECT_GT(accepted, 100);
  EXPECT_EQ(HttpGet(server_->http_url("/readyz")).status, 503);
  // Nothing half-written: exactly the acknowledged rows are there.
  EXPECT_EQ(CountRows(), accepted);

  // An operator frees space (retention does the same later); no restart needed.
  {
    SQLite::Database db(DbPath(), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(5000);
    db.exec("DELETE FROM notifications WHERE id % 2 = 0");
  }
  HttpResult after;
  for (int i = 0; i < 50; ++i) {
    after = PostWebhook(*server_, ChatPayloadFor("after-free-" + std::to_string(i)));
    if (after.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(HttpGet(server_->http_url("/readyz")).status, 200);
}

TEST_F(WebhookTest, LockedDatabaseAnswers503ThenRecoversWhenReleased) {
  StartServer();
  ASSERT_EQ(PostWebhook(*server_, ChatPayloadFor("before-lock")).status, 200);
  {
    // Another process holding the write lock (a backup, a careless sqlite3 shell).
    SQLite::Database db(DbPath(), SQLite::OPEN_READWRITE);
    // The engine may be mid-commit; wait for it like any polite second writer would.
    db.setBusyTimeout(10'000);
    db.exec("BEGIN EXCLUSIVE");
    HttpResult locked = HttpRequest(
        "POST", server_->http_url("/webhook"), ChatPayloadFor("during-lock"),
        {"Content-Type: application/json", BasicAuthHeader("cometchat", "secret-pass")}, 30'000);
    EXPECT_EQ(locked.status, 503) << locked.body;
    EXPECT_FALSE(locked.headers["retry-after"].empty());
    db.exec("ROLLBACK");
  }
  HttpResult after;
  for (int i = 0; i < 50; ++i) {
    after = PostWebhook(*server_, ChatPayloadFor("after-lock"));
    if (after.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(CountRows("uid = 'during-lock'"), 0);
}

TEST_F(WebhookTest, SigtermStopsCleanlyAndRestartKeepsEverything) {
  StartServer();
  ASSERT_EQ(PostWebhook(*server_, Fixture("chat")).status, 200);
  EXPECT_EQ(server_->Terminate(), 0);
  StartServer();
  EXPECT_EQ(CountRows(), 1);
  // The dedupe memory survives the restart too.
  HttpResult again = PostWebhook(*server_, Fixture("chat"));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["duplicate"], true);
}

}  // namespace
}  // namespace pushgate::testing
