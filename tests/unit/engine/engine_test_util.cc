#include "engine_test_util.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "nlohmann/json.hpp"

namespace pushgate::engine::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "engine_test.XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

TestStores::TestStores(const std::string& dir) {
  config_.data_dir = dir + "/data";
  config_.store.synchronous = "normal";
  config_.store.read_connections = 2;
  config_.store.cache_size_kib = 4096;
  Open();
}

TestStores::~TestStores() { Close(); }

void TestStores::Open() {
  store::SqliteStoreTuning tuning;
  tuning.busy_timeout_ms = 100;
  auto opened = store::SqliteStore::Open(store::SqliteStoreOptionsFrom(config_), tuning);
  if (!opened.ok()) {
    ADD_FAILURE() << "open failed: " << opened.status();
    std::abort();
  }
  sqlite_ = *std::move(opened);
  auto deliveries = store::SqliteDeliveryStore::Open(sqlite_.get());
  if (!deliveries.ok()) {
    ADD_FAILURE() << "delivery store: " << deliveries.status();
    std::abort();
  }
  deliveries_ = *std::move(deliveries);
  status_ = std::make_unique<store::SqliteStatusStore>(sqlite_.get());
}

void TestStores::Close() {
  status_.reset();
  deliveries_.reset();
  if (sqlite_) sqlite_->Shutdown();
  sqlite_.reset();
}

std::unique_ptr<SQLite::Database> TestStores::Raw() const {
  return std::make_unique<SQLite::Database>(config_.DatabasePath(), SQLite::OPEN_READWRITE, 5000);
}

int64_t TestStores::QueryInt(const std::string& sql) const {
  auto db = Raw();
  SQLite::Statement q(*db, sql);
  if (!q.executeStep()) return -1;
  return q.getColumn(0).getInt64();
}

std::string TestStores::QueryText(const std::string& sql) const {
  auto db = Raw();
  SQLite::Statement q(*db, sql);
  if (!q.executeStep() || q.getColumn(0).isNull()) return "";
  return q.getColumn(0).getString();
}

std::string ChatPayload(const std::string& uid, const std::string& title) {
  nlohmann::json body = {{"trigger", "push-notification-payload-generated"},
                         {"data",
                          {{"to", {{"uid", uid}}},
                           {"notificationDetails",
                            {{"title", title},
                             {"body", "Hello!"},
                             {"sender", "cometchat-uid-1"},
                             {"senderName", "Andrew Joseph"},
                             {"receiver", uid},
                             {"receiverType", "user"},
                             {"tag", "123"},
                             {"conversationId", "cometchat-uid-1_user_" + uid},
                             {"type", "chat"},
                             {"sentAt", "1741847453000"}}}}},
                         {"appId", kApp},
                         {"region", "us"},
                         {"webhook", "custom"}};
  return body.dump();
}

std::string CallPayload(const std::string& uid, const std::string& action) {
  nlohmann::json body = nlohmann::json::parse(ChatPayload(uid, "Caller"));
  auto& d = body["data"]["notificationDetails"];
  d["type"] = "call";
  d["body"] = "AUDIO CALL";
  d["callAction"] = action;
  d["sessionId"] = "v1.123.aik2";
  d["callType"] = "audio";
  return body.dump();
}

namespace {
int64_t next_hash = 1;
}

domain::NewNotification Chat(const std::string& uid, int64_t received_at_ms) {
  domain::NewNotification n;
  n.app_id = kApp;
  n.uid = uid;
  n.type = "chat";
  n.tag = "123";
  n.conversation_id = "cometchat-uid-1_user_" + uid;
  n.sender = "cometchat-uid-1";
  n.payload = ChatPayload(uid);
  n.dedupe_hash = next_hash++;
  n.received_at_ms = received_at_ms;
  return n;
}

domain::NewNotification Call(const std::string& uid, const std::string& action,
                             int64_t received_at_ms) {
  domain::NewNotification n = Chat(uid, received_at_ms);
  n.type = "call";
  n.call_action = action;
  n.call_session_id = "v1.123.aik2";
  n.payload = CallPayload(uid, action);
  return n;
}

int64_t IngestOrDie(store::IngestStore& store, const domain::NewNotification& n) {
  auto r = Await<store::IngestResult>([&](store::Callback<store::IngestResult> done) {
    return store.IngestNotification(n, std::move(done));
  });
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->id : 0;
}

domain::RegistrationInput Apns(const std::string& uid, const std::string& session,
                               const std::string& token) {
  domain::RegistrationInput in;
  in.app_id = kApp;
  in.uid = uid;
  in.session_id = session;
  in.platform = domain::Platform::kApns;
  in.token = token;
  in.apns_topic = "com.example.app";
  in.apns_environment = "sandbox";
  return in;
}

domain::RegistrationInput Voip(const std::string& uid, const std::string& session,
                               const std::string& token) {
  domain::RegistrationInput in = Apns(uid, session, token);
  in.platform = domain::Platform::kApnsVoip;
  return in;
}

domain::RegistrationInput Fcm(const std::string& uid, const std::string& session,
                              const std::string& token) {
  domain::RegistrationInput in;
  in.app_id = kApp;
  in.uid = uid;
  in.session_id = session;
  in.platform = domain::Platform::kFcm;
  in.token = token;
  in.fcm_os = "android";
  return in;
}

int64_t RegisterOrDie(store::RegistryStore& store, const domain::RegistrationInput& in,
                      int64_t now_ms) {
  auto r = Await<store::RegisterResult>([&](store::Callback<store::RegisterResult> done) {
    return store.RegisterToken(in, now_ms, std::move(done));
  });
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->registration.id : 0;
}

}  // namespace pushgate::engine::testing
