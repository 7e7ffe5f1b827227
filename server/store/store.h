// The store: the only module that knows SQL. SQLite is the embedded implementation
// (sqlite_store.h); a PostgreSQL one can follow behind this interface.
//
// Writes go through one writer that commits many requests per transaction (group commit).
// They are asynchronous: the callback runs on the writer thread after the transaction that
// holds the write has committed durably (or failed as a whole: nothing half-written). A full
// write queue is refused at once with UNAVAILABLE so callers can shed load (503 / UNAVAILABLE).
// Reads are synchronous and use their own connections.
#ifndef PUSHGATE_STORE_STORE_H_
#define PUSHGATE_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/types.h"

namespace pushgate::store {

template <typename T>
using Callback = std::function<void(absl::StatusOr<T>)>;

struct StoreStats {
  size_t write_queue_depth = 0;
  size_t write_queue_capacity = 0;
  uint64_t commits = 0;
  uint64_t failed_commits = 0;
  bool last_commit_ok = true;
  // notifications by state ("queued", ...), registrations by "platform/active|inactive".
  std::map<std::string, int64_t> notifications_by_state;
  std::map<std::string, int64_t> registrations_by_platform_state;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- token registry -----------------------------------------------------------------
  // Errors: UNAVAILABLE (queue full, database unusable).
  virtual absl::Status RegisterToken(RegistrationInput input, int64_t now_ms,
                                     Callback<RegisterResult> done) = 0;
  // platform == nullopt: the token on every platform. The int is how many active rows ended.
  virtual absl::Status UnregisterToken(std::string app_id, std::string token,
                                       std::optional<Platform> platform, int64_t now_ms,
                                       Callback<int> done) = 0;
  virtual absl::Status UnregisterSession(std::string app_id, std::string uid,
                                         std::string session_id, int64_t now_ms,
                                         Callback<int> done) = 0;
  virtual absl::Status UnregisterUser(std::string app_id, std::string uid, int64_t now_ms,
                                      Callback<int> done) = 0;
  virtual absl::StatusOr<std::vector<Registration>> ListTokens(const ListTokensQuery& q) = 0;

  // ---- notifications ----------------------------------------------------------------------
  // Stores a webhook payload, or finds the earlier one with the same dedupe hash received
  // within the dedupe window.
  virtual absl::Status IngestNotification(NewNotification n, Callback<IngestResult> done) = 0;

  // ---- operations -------------------------------------------------------------------------
  // OK when the last write transaction committed (or a probe write succeeds).
  virtual absl::Status CheckWritable() = 0;
  virtual StoreStats Stats() = 0;
  // Finishes queued writes, then stops the writer. Further writes answer UNAVAILABLE.
  virtual void Shutdown() = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_STORE_H_
