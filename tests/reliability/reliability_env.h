// Shared ground for the reliability tests (crashes, provider faults, hostile input, soak): the
// real pushgate binary with app "app123" sending to the APNs fake (tests/fakes/apns) through
// configuration only, a registrar for device tokens, a steady webhook poster, the database
// read back with SQLite, and the process's resources read from /proc and /metrics.
#ifndef PUSHGATE_TESTS_RELIABILITY_RELIABILITY_ENV_H_
#define PUSHGATE_TESTS_RELIABILITY_RELIABILITY_ENV_H_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fakes/fake_process.h"
#include "gateway_fixture.h"
#include "harness.h"
#include "nlohmann/json.hpp"

namespace pushgate::testing {

// A 64-hex-digit APNs device token that is unique per `n`.
std::string DeviceToken(int n);

// Starts the APNs fake (tests/integration/gateway_fixture.h) in `dir`. Without node or openssl,
// or when the fake does not start, the test fails (saying what to install). Use as
//   ASSERT_NO_FATAL_FAILURE(StartFake(&fake, dir));
void StartFake(FakeApns* fake, const std::string& dir);

// Engine settings that make retries quick enough for a test.
nlohmann::json FastEngine();

// The config: app123 (webhook cometchat/secret-pass, API key test-api-key) sends to the fake
// through resolve + ca_file; app456 (other/other-pass, other-api-key) has the log channel.
// `apns_overrides` replaces keys of app123's "apns" block (e.g. a wrong CA or key).
nlohmann::json ReliabilityConfig(const std::string& data_dir, const FakeApns& fake,
                                 const nlohmann::json& engine = FastEngine(),
                                 const nlohmann::json& apns_overrides = nlohmann::json::object());

// Registers one sandbox APNs token per user over the real gRPC API.
void RegisterApnsToken(const std::string& grpc_address, const std::string& uid,
                       const std::string& token);
// Registers an Android FCM registration token.
void RegisterFcmToken(const std::string& grpc_address, const std::string& uid,
                      const std::string& token);

// The delivery rows of the database, read with SQLite while or after the server runs.
struct DeliveryRow {
  int64_t notification_id = 0;
  std::string notification_state;
  std::string state;
  std::string provider_message_id;
  std::string last_reason;
  int64_t attempt_count = 0;
  nlohmann::json attempts;  // [[number, started_at, ended_at, http_status, reason, id], ...]
};
std::vector<DeliveryRow> ReadDeliveries(const std::string& db_path);
// Notifications not yet settled ('queued' or 'dispatching').
int64_t UnsettledNotifications(const std::string& db_path);
std::string IntegrityCheck(const std::string& db_path);
// Registrations of the app that are no longer active.
int64_t RetiredRegistrations(const std::string& db_path);

// What a running process holds, from /proc/<pid>.
struct ProcessSample {
  int64_t rss_kib = 0;
  int64_t open_fds = 0;
};
ProcessSample SampleProcess(pid_t pid);
// The sum of every sample of `name` in the Prometheus text at `metrics_url` (lines starting with
// `name` followed by a space or '{': all its label sets), or -1 when there is none.
double MetricValue(const std::string& metrics_url, const std::string& name);

// POSTs distinct chats, round robin over `uids`, one after the other, to whatever port
// `port` holds (0: the server is down; the poster waits). Keeps every acknowledged id.
class WebhookPoster {
 public:
  WebhookPoster(std::vector<std::string> uids, std::chrono::milliseconds pause,
                int64_t first_number = 0);
  ~WebhookPoster() { Stop(); }
  void Start(std::atomic<int>* port);
  void Stop();

  std::vector<int64_t> AcknowledgedIds() const;
  int64_t acknowledged() const { return acknowledged_.load(); }
  // Answers other than 200 while the server was up, and one example of them.
  int64_t refused() const { return refused_.load(); }
  std::string last_refusal() const;

 private:
  void Run(std::atomic<int>* port);

  std::vector<std::string> uids_;
  std::chrono::milliseconds pause_;
  int64_t next_number_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<int64_t> ids_;
  std::string last_refusal_;
  std::atomic<int64_t> acknowledged_{0};
  std::atomic<int64_t> refused_{0};
};

// The APNs fake's recorded requests that reached the handler, grouped by apns-id: the
// receive times (ms) of those answered 200 or still unanswered.
std::map<std::string, std::vector<int64_t>> ReceivedByApnsId(const nlohmann::json& requests);

}  // namespace pushgate::testing

#endif  // PUSHGATE_TESTS_RELIABILITY_RELIABILITY_ENV_H_
