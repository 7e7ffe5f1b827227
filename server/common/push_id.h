// The push id: what every push carries (APNs payload and apns-id, FCM data, Web Push data, under
// kPushIdKey) so that the app can report a receipt for exactly that push, and what
// Receipts.ReportReceipt takes back.
//
// A canonical lowercase UUID (RFC 9562 version 8, "custom"), laid out so that it needs no
// storage and no index:
//   bytes 0-5   the delivery id (48 bits, big-endian)
//   bytes 6-7   version 8, then the attempt's number in the delivery's log (12 bits)
//   bytes 8-15  variant 10, then 62 bits of HMAC-SHA256(installation key, delivery id, attempt)
// The key is 32 random bytes per database (migration 0007), so two installations send
// different ids for the same delivery and attempt, and an id cannot be made up without the key.
// The same attempt sent again after a crash carries the same id (APNs deduplicates on apns-id).
// Pure: no I/O.
#ifndef PUSHGATE_COMMON_PUSH_ID_H_
#define PUSHGATE_COMMON_PUSH_ID_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pushgate {

// The key under which the push id travels in every channel's payload.
inline constexpr char kPushIdKey[] = "pushgate_push_id";

struct PushIdParts {
  int64_t delivery_id = 0;
  int attempt = 0;  // the attempt's number in the delivery's log, modulo 4096
};

class PushIdCodec {
 public:
  // `key`: the installation's secret bytes (at least 16).
  explicit PushIdCodec(std::string key) : key_(std::move(key)) {}

  // The id of one attempt. Delivery ids beyond 48 bits (2.8e14 deliveries) and attempt numbers
  // beyond 12 bits wrap: only the 4097th attempt of one delivery repeats its first id.
  std::string Make(int64_t delivery_id, int attempt) const;

  // The delivery and attempt an id names, or nullopt when it is malformed, made with another
  // key (another installation) or altered. Case-insensitive; compares the tag in constant time.
  std::optional<PushIdParts> Open(std::string_view push_id) const;

 private:
  std::string key_;
};

}  // namespace pushgate

#endif  // PUSHGATE_COMMON_PUSH_ID_H_
