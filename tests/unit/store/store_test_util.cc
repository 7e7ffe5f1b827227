#include "store_test_util.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace pushgate::store::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "store_test.XXXXXX").string();
  char* made = ::mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

config::Config TestConfig(const std::string& dir) {
  config::Config config;
  config.data_dir = dir + "/data";
  config.store.synchronous = "normal";
  config.store.read_connections = 2;
  config.store.cache_size_kib = 4096;
  return config;
}

SqliteStoreTuning FastTuning() {
  SqliteStoreTuning tuning;
  tuning.busy_timeout_ms = 100;
  tuning.probe_interval_ms = 0;
  return tuning;
}

std::unique_ptr<SqliteStore> OpenOrDie(const config::Config& config,
                                       const SqliteStoreTuning& tuning) {
  absl::StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(SqliteStoreOptionsFrom(config), tuning);
  if (!store.ok()) {
    ADD_FAILURE() << "open failed: " << store.status();
    std::abort();
  }
  return *std::move(store);
}

std::unique_ptr<SQLite::Database> RawConnection(const config::Config& config) {
  return std::make_unique<SQLite::Database>(config.DatabasePath(), SQLite::OPEN_READWRITE, 5000);
}

int64_t QueryInt(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement query(db, sql);
  if (!query.executeStep()) return -1;
  return query.getColumn(0).getInt64();
}

absl::StatusOr<IngestResult> Ingest(IngestStore& store, const NewNotification& n) {
  return Await<IngestResult>(
      [&](Callback<IngestResult> done) { return store.IngestNotification(n, std::move(done)); });
}

absl::StatusOr<RegisterResult> Register(RegistryStore& store, const RegistrationInput& in,
                                        int64_t now) {
  return Await<RegisterResult>(
      [&](Callback<RegisterResult> done) { return store.RegisterToken(in, now, std::move(done)); });
}

NewNotification MakeNotification(int64_t dedupe_hash, int64_t received_at_ms,
                                 size_t payload_bytes) {
  NewNotification n;
  n.app_id = "app1";
  n.uid = "alice";
  n.type = "chat";
  n.conversation_id = "alice_user_bob";
  n.sender = "bob";
  n.payload =
      "{\"trigger\":\"message_after_send\",\"data\":\"" + std::string(payload_bytes, 'p') + "\"}";
  n.dedupe_hash = dedupe_hash;
  n.received_at_ms = received_at_ms;
  return n;
}

RegistrationInput MakeRegistration(const std::string& uid, const std::string& session,
                                   Platform platform, const std::string& token) {
  RegistrationInput in;
  in.app_id = "app1";
  in.uid = uid;
  in.session_id = session;
  in.platform = platform;
  in.token = token;
  if (platform == Platform::kApns || platform == Platform::kApnsVoip) {
    in.apns_topic = "com.example.chat";
    in.apns_environment = "sandbox";
  }
  return in;
}

WriterHold::WriterHold(SqliteStore& store) {
  auto entered = std::make_shared<std::promise<void>>();
  std::future<void> entered_future = entered->get_future();
  std::shared_future<void> release = release_.get_future().share();
  absl::Status queued = store.Submit<bool>(
      [entered, release](WriteTxn&) -> absl::StatusOr<bool> {
        entered->set_value();
        release.wait();
        return true;
      },
      [](absl::StatusOr<bool>) {}, JobShape::kSingleStatement);
  EXPECT_TRUE(queued.ok()) << queued;
  entered_future.wait();  // the writer now runs this job; new jobs wait in the queue
}

WriterHold::~WriterHold() { Release(); }

void WriterHold::Release() {
  if (released_) return;
  released_ = true;
  release_.set_value();
}

}  // namespace pushgate::store::testing
