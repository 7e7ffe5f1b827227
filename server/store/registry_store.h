// The token registry's view of the store (grpc/ TokenRegistry): register and end device
// registrations, list them.
//
// Writes are asynchronous: `done` runs on the writer thread after the transaction that holds
// the write committed durably (or failed as a whole: nothing half-written). A full write queue
// is refused at once with UNAVAILABLE, and `done` is then never called.
#ifndef PUSHGATE_STORE_REGISTRY_STORE_H_
#define PUSHGATE_STORE_REGISTRY_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "domain/registration.h"
#include "store/callback.h"
#include "store/types.h"

namespace pushgate::store {

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

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
  // Synchronous, on a read connection.
  virtual absl::StatusOr<std::vector<Registration>> ListTokens(const ListTokensQuery& q) = 0;
};

}  // namespace pushgate::store

#endif  // PUSHGATE_STORE_REGISTRY_STORE_H_
