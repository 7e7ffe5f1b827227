// Helpers for the engine's tests: a store on a real SQLite file in a temporary directory,
// notifications and registrations shaped like the webhook and the registry make them, and
// waiting for asynchronous store answers.
#ifndef PUSHGATE_TESTS_UNIT_ENGINE_ENGINE_TEST_UTIL_H_
#define PUSHGATE_TESTS_UNIT_ENGINE_ENGINE_TEST_UTIL_H_

#include <SQLiteCpp/Database.h>

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config.h"
#include "store/delivery_sqlite_store.h"
#include "store/sqlite_store.h"
#include "store/status_sqlite_store.h"

namespace pushgate::engine::testing {

inline constexpr char kApp[] = "app1";
inline constexpr char kAlertToken[] =
    "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1";
inline constexpr char kVoipToken[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A store (and its delivery store) in `dir`, reopenable to simulate a restart.
class TestStores {
 public:
  explicit TestStores(const std::string& dir);
  ~TestStores();
  void Open();
  void Close();  // delivery store, then the SQLite store (as main.cpp)
  store::SqliteStore& sqlite() { return *sqlite_; }
  store::SqliteDeliveryStore& deliveries() { return *deliveries_; }
  store::SqliteStatusStore& status() { return *status_; }
  const config::Config& config() const { return config_; }
  // A separate connection, as another process would open it.
  std::unique_ptr<SQLite::Database> Raw() const;
  int64_t QueryInt(const std::string& sql) const;
  std::string QueryText(const std::string& sql) const;

 private:
  config::Config config_;
  std::unique_ptr<store::SqliteStore> sqlite_;
  std::unique_ptr<store::SqliteDeliveryStore> deliveries_;
  std::unique_ptr<store::SqliteStatusStore> status_;
};

template <typename T>
absl::StatusOr<T> Await(const std::function<absl::Status(store::Callback<T>)>& submit) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<T>>>();
  std::future<absl::StatusOr<T>> future = promise->get_future();
  absl::Status queued =
      submit([promise](absl::StatusOr<T> result) { promise->set_value(std::move(result)); });
  if (!queued.ok()) return queued;
  return future.get();
}

// A chat (or call) webhook body for `uid`, as CometChat sends it.
std::string ChatPayload(const std::string& uid, const std::string& title = "Andrew Joseph");
std::string CallPayload(const std::string& uid, const std::string& action);

domain::NewNotification Chat(const std::string& uid, int64_t received_at_ms);
domain::NewNotification Call(const std::string& uid, const std::string& action,
                             int64_t received_at_ms);
int64_t IngestOrDie(store::IngestStore& store, const domain::NewNotification& n);

domain::RegistrationInput Apns(const std::string& uid, const std::string& session,
                               const std::string& token = kAlertToken);
domain::RegistrationInput Voip(const std::string& uid, const std::string& session,
                               const std::string& token = kVoipToken);
domain::RegistrationInput Fcm(const std::string& uid, const std::string& session,
                              const std::string& token);
// Registers at `now`; returns the registration id.
int64_t RegisterOrDie(store::RegistryStore& store, const domain::RegistrationInput& in,
                      int64_t now_ms);

}  // namespace pushgate::engine::testing

#endif  // PUSHGATE_TESTS_UNIT_ENGINE_ENGINE_TEST_UTIL_H_
