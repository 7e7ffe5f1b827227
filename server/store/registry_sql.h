// The token registry's SQL. Write functions run inside a writer batch (WriteTxn) and report
// how they moved rows between the counted "platform/active|inactive" states.
#ifndef PUSHGATE_STORE_REGISTRY_SQL_H_
#define PUSHGATE_STORE_REGISTRY_SQL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/statement_cache.h"
#include "store/types.h"
#include "store/write_txn.h"

namespace pushgate::store {

// Upsert keyed by (app, platform, token), then retire the session's previous token for the
// platform ("replaced"), then enforce the per-user cap by retiring the least recently updated
// ("cap_exceeded"; never the registration just made). max_per_user <= 0 means no cap.
// Several statements: run it as a JobShape::kMultiStatement job.
absl::StatusOr<RegisterResult> RegisterTokenInTxn(WriteTxn& txn, const RegistrationInput& input,
                                                  int64_t now_ms, int max_per_user);

// Each ends the matching ACTIVE registrations and returns how many; single statements.
absl::StatusOr<int> EndTokenInTxn(WriteTxn& txn, const std::string& app_id,
                                  const std::string& token, std::optional<Platform> platform,
                                  int64_t now_ms);
absl::StatusOr<int> EndSessionInTxn(WriteTxn& txn, const std::string& app_id,
                                    const std::string& uid, const std::string& session_id,
                                    int64_t now_ms);
absl::StatusOr<int> EndUserInTxn(WriteTxn& txn, const std::string& app_id, const std::string& uid,
                                 int64_t now_ms);

// Newest first; `limit` outside 1..1000 becomes 100 (<= 0) or 1000.
absl::StatusOr<std::vector<Registration>> ListRegistrations(StatementCache& statements,
                                                            const ListTokensQuery& query);

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_REGISTRY_SQL_H_
