#include "grpc/key_rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace pushgate::grpc_api {

KeyRateLimiter::Decision KeyRateLimiter::Admit(const std::string& key_id,
                                               const config::RateLimit& limit,
                                               Clock::time_point now) {
  if (limit.requests_per_second <= 0) return {};
  const double burst = std::max(1, limit.burst);
  const double rate = limit.requests_per_second;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key_id, Bucket{burst, now});
  Bucket& bucket = it->second;
  if (!inserted && now > bucket.refilled) {
    const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
    bucket.tokens = std::min(burst, bucket.tokens + elapsed * rate);
    bucket.refilled = now;
  }
  bucket.tokens = std::min(bucket.tokens, burst);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  const double wait_ms = (1.0 - bucket.tokens) / rate * 1000.0;
  return {false, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_ms)))};
}

}  // namespace pushgate::grpc_api
