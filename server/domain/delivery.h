// A delivery: one notification to one registration (or one forward hook) over one channel,
// with the log of its attempts.
//
// States: pending → sending → delivered | retry_wait → sending … | failed | skipped.
#ifndef PUSHGATE_DOMAIN_DELIVERY_H_
#define PUSHGATE_DOMAIN_DELIVERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pushgate::domain {

// Names are stored as text and appear in logs, metrics and the API; they never change.
enum class Channel { kApns, kApnsVoip, kFcm, kWebPush, kWebhook, kLog };
const char* ChannelName(Channel c);
std::optional<Channel> ChannelFromName(const std::string& name);

enum class DeliveryState { kPending, kSending, kDelivered, kRetryWait, kFailed, kSkipped };
const char* DeliveryStateName(DeliveryState s);
std::optional<DeliveryState> DeliveryStateFromName(const std::string& name);
bool IsTerminal(DeliveryState s);  // delivered, failed, skipped

struct AttemptRecord {
  int number = 0;  // 1 for the first attempt
  int64_t started_at_ms = 0;
  int64_t ended_at_ms = 0;
  int http_status = 0;  // 0: no HTTP answer
  std::string reason;
  std::string provider_message_id;
};

struct DeliveryRecord {
  int64_t id = 0;
  int64_t notification_id = 0;
  int64_t registration_id = 0;  // 0 for a forward-hook delivery
  Channel channel = Channel::kLog;
  std::string hook;  // the forward hook's name (channel webhook); "" for a device delivery
  DeliveryState state = DeliveryState::kPending;
  // Attempts since the last redrive: the retry policy's budget (a redrive resets it).
  int attempt_count = 0;
  // Entries in the attempt log, across redrives (claims only): the next attempt is number
  // attempts_logged + 1.
  int attempts_logged = 0;
  int64_t next_attempt_at_ms = 0;
  std::string provider_message_id;
  int last_http_status = 0;
  std::string last_reason;
  std::string target_hint;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::vector<AttemptRecord> attempts;  // filled by reads for the status API only
  // Device receipts (store/receipt_store.h; status API reads only): when pushgate recorded
  // them and the device's own times; 0 when not reported.
  int64_t received_at_ms = 0;
  int64_t received_device_at_ms = 0;
  int64_t opened_at_ms = 0;
  int64_t opened_device_at_ms = 0;
};

}  // namespace pushgate::domain

#endif  // PUSHGATE_DOMAIN_DELIVERY_H_
