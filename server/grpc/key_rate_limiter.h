// Per-API-key request rate limits for the gRPC services: one token bucket per key, refilled
// at the key's requests_per_second up to its burst. Time is passed in, so the policy is
// tested without sleeping. Memory is bounded by the number of configured keys.
#ifndef PUSHGATE_GRPC_KEY_RATE_LIMITER_H_
#define PUSHGATE_GRPC_KEY_RATE_LIMITER_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "config/config.h"

namespace pushgate::grpc_api {

class KeyRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    bool allowed = true;
    int64_t retry_after_ms = 0;  // when refused: until the next request would be allowed
  };

  // Takes one request from `key_id`'s bucket. A new key starts with a full burst; a changed
  // limit (after a reload) applies from this call on, the tokens already earned kept up to
  // the new burst. requests_per_second 0: always allowed.
  Decision Admit(const std::string& key_id, const config::RateLimit& limit, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point refilled;
  };
  std::mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_;
};

}  // namespace pushgate::grpc_api

#endif  // PUSHGATE_GRPC_KEY_RATE_LIMITER_H_
