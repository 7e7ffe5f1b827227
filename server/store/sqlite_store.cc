#include "store/sqlite_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "store/initial_counts.h"
#include "store/migrations.h"
#include "store/migrator.h"
#include "store/notification_sql.h"
#include "store/registry_sql.h"
#include "store/sqlite_connection.h"
#include "store/sqlite_status.h"

namespace pushgate::store {
namespace {

int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::StatusOr<bool> SynchronousFull(const std::string& setting) {
  if (setting == "full") return true;
  if (setting == "normal") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("store.synchronous must be \"full\" or \"normal\", not \"", setting, "\""));
}

absl::Status EnsureDataDir(const std::string& dir) {
  std::error_code error;
  if (std::filesystem::is_directory(dir, error)) return absl::OkStatus();
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create data_dir ", dir, ": ", error.message()));
  }
  // Only the service user has any business in here (tokens, payloads).
  ::chmod(dir.c_str(), 0700);
  return absl::OkStatus();
}

}  // namespace

SqliteStoreOptions SqliteStoreOptionsFrom(const config::Config& config) {
  SqliteStoreOptions options;
  options.data_dir = config.data_dir;
  options.store = config.store;
  options.max_registrations_per_user = config.registry.max_registrations_per_user;
  return options;
}

SqliteStore::SqliteStore(SqliteStoreOptions options, SqliteStoreTuning tuning)
    : options_(std::move(options)), tuning_(tuning) {}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options,
                                                               const SqliteStoreTuning& tuning) {
  absl::StatusOr<bool> synchronous_full = SynchronousFull(options.store.synchronous);
  if (!synchronous_full.ok()) return synchronous_full.status();
  ConfigureSqliteLibraryOnce();
  if (absl::Status s = EnsureDataDir(options.data_dir); !s.ok()) return s;
  const std::string path = options.DatabasePath();
  if (absl::Status s = CreateDatabaseFileIfMissing(path); !s.ok()) return s;

  ConnectionSettings settings;
  settings.path = path;
  settings.synchronous_full = *synchronous_full;
  settings.busy_timeout_ms = tuning.busy_timeout_ms;
  settings.cache_size_kib = options.store.cache_size_kib;
  settings.max_db_bytes = options.store.max_db_bytes;

  absl::StatusOr<std::unique_ptr<SQLite::Database>> writer_db =
      OpenConnection(settings, ConnectionRole::kWriter);
  if (!writer_db.ok()) return writer_db.status();
  absl::StatusOr<int> version = ApplyMigrations(**writer_db, EmbeddedMigrations());
  if (!version.ok()) return version.status();

  std::unique_ptr<SqliteStore> store(new SqliteStore(options, tuning));
  if (absl::Status s = LoadInitialCounts(**writer_db, store->counters_); !s.ok()) return s;
  store->recent_dedupe_keys_ =
      std::make_unique<RecentDedupeKeys>(options.store.dedupe_window_seconds * 1000);
  if (absl::Status s = LoadRecentDedupeKeys(**writer_db, *store->recent_dedupe_keys_); !s.ok()) {
    return s;
  }

  absl::StatusOr<std::unique_ptr<SQLite::Database>> checkpointer_db =
      OpenConnection(settings, ConnectionRole::kCheckpointer);
  if (!checkpointer_db.ok()) return checkpointer_db.status();
  absl::StatusOr<std::unique_ptr<ReaderPool>> readers =
      ReaderPool::Open(settings, options.store.read_connections);
  if (!readers.ok()) return readers.status();

  store->checkpointer_ =
      std::make_unique<WalCheckpointer>(*std::move(checkpointer_db), tuning.checkpoint);
  store->checkpointer_->AttachToWriter((*writer_db)->getHandle());
  store->readers_ = *std::move(readers);
  WriterOptions writer_options;
  writer_options.queue_capacity = std::max<size_t>(1, options.store.write_queue_capacity);
  writer_options.max_batch = std::max<size_t>(1, options.store.max_batch);
  WalCheckpointer* checkpointer = store->checkpointer_.get();
  writer_options.own_lock_epoch = [checkpointer] { return checkpointer->LockEpoch(); };
  store->writer_ =
      std::make_unique<SqliteWriter>(*std::move(writer_db), writer_options, &store->counters_);
  store->writer_->Start();
  store->checkpointer_->Start();
  LogInfo("store_opened", {{"path", path},
                           {"schema_version", std::to_string(*version)},
                           {"synchronous", options.store.synchronous}});
  return store;
}

SqliteStore::~SqliteStore() { Shutdown(); }

absl::Status SqliteStore::RegisterToken(RegistrationInput input, int64_t now_ms,
                                        Callback<RegisterResult> done) {
  const int cap = options_.max_registrations_per_user;
  return Submit<RegisterResult>(
      [input = std::move(input), now_ms, cap](WriteTxn& txn) {
        return RegisterTokenInTxn(txn, input, now_ms, cap);
      },
      std::move(done), JobShape::kMultiStatement);
}

absl::Status SqliteStore::UnregisterToken(std::string app_id, std::string token,
                                          std::optional<Platform> platform, int64_t now_ms,
                                          Callback<int> done) {
  return Submit<int>(
      [app_id = std::move(app_id), token = std::move(token), platform, now_ms](WriteTxn& txn) {
        return EndTokenInTxn(txn, app_id, token, platform, now_ms);
      },
      std::move(done), JobShape::kSingleStatement);
}

absl::Status SqliteStore::UnregisterSession(std::string app_id, std::string uid,
                                            std::string session_id, int64_t now_ms,
                                            Callback<int> done) {
  return Submit<int>(
      [app_id = std::move(app_id), uid = std::move(uid), session_id = std::move(session_id),
       now_ms](WriteTxn& txn) { return EndSessionInTxn(txn, app_id, uid, session_id, now_ms); },
      std::move(done), JobShape::kSingleStatement);
}

absl::Status SqliteStore::UnregisterUser(std::string app_id, std::string uid, int64_t now_ms,
                                         Callback<int> done) {
  return Submit<int>([app_id = std::move(app_id), uid = std::move(uid),
                      now_ms](WriteTxn& txn) { return EndUserInTxn(txn, app_id, uid, now_ms); },
                     std::move(done), JobShape::kSingleStatement);
}

absl::StatusOr<std::vector<Registration>> SqliteStore::ListTokens(const ListTokensQuery& q) {
  return Read<std::vector<Registration>>(
      [&q](ReadTxn& txn) { return ListRegistrations(txn.statements, q); });
}

absl::Status SqliteStore::IngestNotification(NewNotification n, Callback<IngestResult> done) {
  RecentDedupeKeys* recent = recent_dedupe_keys_.get();
  return Submit<IngestResult>(
      [n = std::move(n), recent](WriteTxn& txn) {
        return IngestNotificationInTxn(txn, n, *recent);
      },
      [this, done = std::move(done)](absl::StatusOr<IngestResult> outcome) {
        if (outcome.ok()) {
          ingest_failing_.store(false, std::memory_order_relaxed);
        } else if (absl::IsUnavailable(outcome.status())) {
          ingest_failing_.store(true, std::memory_order_relaxed);
        }
        done(std::move(outcome));
      },
      JobShape::kSingleStatement);
}

absl::Status SqliteStore::CheckWritable() {
  {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (shut_down_) return absl::UnavailableError("store is shut down");
  }
  if (writer_->Stats().last_commit_ok && !ingest_failing_.load(std::memory_order_relaxed)) {
    return absl::OkStatus();
  }
  // Writes are failing. With no traffic nothing would find out that the cause went away, so
  // probe (through the writer, like any write; at most once per probe_interval_ms).
  std::lock_guard<std::mutex> lock(probe_mu_);
  const int64_t now = SteadyNowMs();
  if (last_probe_ms_ != 0 && now - last_probe_ms_ < tuning_.probe_interval_ms) {
    return last_probe_;
  }
  last_probe_ms_ = now;
  last_probe_ = Probe();
  if (last_probe_.ok()) ingest_failing_.store(false, std::memory_order_relaxed);
  return last_probe_;
}

absl::Status SqliteStore::Probe() {
  auto result = std::make_shared<std::promise<absl::Status>>();
  std::future<absl::Status> answer = result->get_future();
  absl::Status queued = Submit<bool>(
      [](WriteTxn& txn) -> absl::StatusOr<bool> {
        ProbeNotificationSpaceInTxn(txn);
        return true;
      },
      [result](absl::StatusOr<bool> outcome) { result->set_value(outcome.status()); },
      JobShape::kSingleStatement);
  if (!queued.ok()) return queued;
  // The writer waits up to busy_timeout for a lock; give it that and some.
  if (answer.wait_for(std::chrono::milliseconds(tuning_.busy_timeout_ms + 2000)) !=
      std::future_status::ready) {
    return absl::UnavailableError("database unavailable: probe timed out");
  }
  return answer.get();
}

StoreStats SqliteStore::Stats() {
  const WriterStats writer = writer_->Stats();
  StoreStats stats;
  stats.write_queue_depth = writer.queue_depth;
  stats.write_queue_capacity = writer.queue_capacity;
  stats.commits = writer.commits;
  stats.failed_commits = writer.failed_commits;
  stats.last_commit_ok = writer.last_commit_ok;
  stats.notifications_by_state = counters_.Snapshot(kNotificationsFamily);
  stats.registrations_by_platform_state = counters_.Snapshot(kRegistrationsFamily);
  return stats;
}

void SqliteStore::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  // Null only when Open failed half-way and is discarding the store.
  if (writer_ != nullptr) writer_->Stop();  // drains the queue: every accepted job is answered
  if (readers_ != nullptr) readers_->Close();
  if (checkpointer_ != nullptr) checkpointer_->Stop();  // last: truncates the WAL
  LogInfo("store_closed");
}

absl::Status SqliteStore::ReadFailure(const std::exception& e) { return StatusFromException(e); }

}  // namespace pushgate::store
