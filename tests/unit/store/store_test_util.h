// Helpers shared by the store tests: a temporary data dir, configs, waiting for callbacks,
// holding the writer still so that jobs pile up into one batch.
#ifndef PUSHGATE_TESTS_UNIT_STORE_STORE_TEST_UTIL_H_
#define PUSHGATE_TESTS_UNIT_STORE_STORE_TEST_UTIL_H_

#include <SQLiteCpp/Database.h>

#include <functional>
#include <future>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config.h"
#include "store/ingest_store.h"
#include "store/registry_store.h"
#include "store/sqlite_store.h"

namespace pushgate::store::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Defaults suited to tests: data in `dir`, NORMAL sync (tests that assert durability set FULL).
config::Config TestConfig(const std::string& dir);
SqliteStoreTuning FastTuning();

std::unique_ptr<SqliteStore> OpenOrDie(const config::Config& config,
                                       const SqliteStoreTuning& tuning = FastTuning());

// A separate read-write connection to the store's file, as another process would open it.
std::unique_ptr<SQLite::Database> RawConnection(const config::Config& config);
int64_t QueryInt(SQLite::Database& db, const std::string& sql);

// Calls `submit` with a callback and waits for the callback's value (or returns submit's own
// error when it refused the job).
template <typename T>
absl::StatusOr<T> Await(const std::function<absl::Status(Callback<T>)>& submit) {
  auto promise = std::make_shared<std::promise<absl::StatusOr<T>>>();
  std::future<absl::StatusOr<T>> future = promise->get_future();
  absl::Status queued =
      submit([promise](absl::StatusOr<T> result) { promise->set_value(std::move(result)); });
  if (!queued.ok()) return queued;
  return future.get();
}

absl::StatusOr<IngestResult> Ingest(IngestStore& store, const NewNotification& n);
absl::StatusOr<RegisterResult> Register(RegistryStore& store, const RegistrationInput& in,
                                        int64_t now);

NewNotification MakeNotification(int64_t dedupe_hash, int64_t received_at_ms,
                                 size_t payload_bytes = 200);
RegistrationInput MakeRegistration(const std::string& uid, const std::string& session,
                                   Platform platform, const std::string& token);

// Occupies the writer thread with a job that waits until Release(), so that everything
// submitted meanwhile lands in the next batch together.
class WriterHold {
 public:
  explicit WriterHold(SqliteStore& store);
  ~WriterHold();  // releases if still held
  void Release();

 private:
  std::promise<void> release_;
  bool released_ = false;
};

}  // namespace pushgate::store::testing

#endif  // PUSHGATE_TESTS_UNIT_STORE_STORE_TEST_UTIL_H_
