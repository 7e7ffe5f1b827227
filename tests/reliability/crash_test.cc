// The real binary under a steady webhook load, SIGKILLed at random moments and restarted: no
// acknowledged notification is lost, every delivery ends delivered, only what was in flight at
// a kill reaches APNs twice, and the database stays intact.
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reliability_env.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;

struct Kill {
  int64_t killed_at = 0;     // SIGKILL sent
  int64_t restarted_at = 0;  // the new process was started after this
};

// True when a kill happened between two sends of the same apns-id: the first reached the fake
// before that kill's restart began (bytes the dead process had written may arrive a moment
// after the SIGKILL) and the second came after the SIGKILL.
// The fake stamps a request when Node has read all of it, which can be a little after the
// sender died: a killed process's last writes (a corked HTTP/2 pass included) are flushed by the
// kernel when it closes the dead process's sockets, and Node reads them when its loop gets there.
constexpr int64_t kReadLagMs = 1000;

struct Arrival {
  int64_t at = 0;          // the fake's receivedAt
  int64_t connection = 0;  // the fake's connection id
};

// A resend is legitimate only when the first copy was in flight at a kill: it came on a
// connection that died with the killed process (so not the resend's connection), and it was
// written before that process was gone.
bool KillBetween(const std::vector<Kill>& kills, const Arrival& first, const Arrival& second) {
  if (first.connection == second.connection) return false;
  for (const Kill& k : kills) {
    if (first.at < k.restarted_at + kReadLagMs && second.at >= k.killed_at) return true;
  }
  return false;
}

std::map<std::string, std::vector<Arrival>> ArrivalsByApnsId(const nlohmann::json& requests) {
  std::map<std::string, std::vector<Arrival>> out;
  for (const nlohmann::json& r : requests) {
    if (!(r["status"] == 200 || r["status"].is_null())) continue;
    const nlohmann::json& h = r["headers"];
    if (!h.contains("apns-id") || !h["apns-id"].is_string()) continue;
    out[h["apns-id"].get<std::string>()].push_back(
        Arrival{r["receivedAt"].get<int64_t>(), r["connection"].get<int64_t>()});
  }
  return out;
}

TEST(CrashTest, RandomSigkillsUnderLoadLoseNothingAndResendOnlyWhatWasInFlight) {
  TempDir dir;
  FakeApns fake;
  ASSERT_NO_FATAL_FAILURE(StartFake(&fake, dir.path()));
  // Slow answers keep deliveries in flight, so kills land mid-delivery too.
  fake.Control("POST", "/control/latency", {{"ms", 30}});
  const std::string data_dir = dir.path() + "/data";
  const std::string db = data_dir + "/pushgate.db";
  const std::string config = ReliabilityConfig(data_dir, fake).dump(2);

  constexpr int kUsers = 16;
  std::vector<std::string> uids;
  auto server = PushgateProcess::Start({config, data_dir});
  ASSERT_NE(server, nullptr);
  for (int u = 0; u < kUsers; ++u) {
    uids.push_back("crash-user-" + std::to_string(u));
    RegisterApnsToken(server->grpc_address(), uids.back(), DeviceToken(u));
  }

  std::atomic<int> port{server->http_port()};
  WebhookPoster poster(uids, std::chrono::milliseconds(2));
  poster.Start(&port);

  const unsigned seed = std::random_device{}();
  RecordProperty("seed", static_cast<int>(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> pause_ms(150, 1200);
  constexpr int kKills = 12;
  std::vector<Kill> kills;
  for (int i = 0; i < kKills; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
    Kill k;
    k.killed_at = NowMs();
    port = 0;
    server->Kill9();
    k.restarted_at = NowMs();
    kills.push_back(k);
    server = PushgateProcess::Start({config, data_dir});
    ASSERT_NE(server, nullptr) << "restart " << i + 1 << " (seed " << seed << ")";
    port = server->http_port();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  poster.Stop();
  fake.Control("POST", "/control/latency", {{"ms", 0}});

  const std::vector<int64_t> acknowledged = poster.AcknowledgedIds();
  RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));
  ASSERT_GT(acknowledged.size(), 50u) << "too little load to prove anything";
  ASSERT_TRUE(WaitFor([&] { return UnsettledNotifications(db) == 0; }, std::chrono::seconds(120)))
      << UnsettledNotifications(db) << " notifications still unsettled (seed " << seed << ")";
  EXPECT_EQ(server->Terminate(), 0);
  EXPECT_EQ(IntegrityCheck(db), "ok");

  std::map<int64_t, std::vector<DeliveryRow>> by_notification;
  for (DeliveryRow& row : ReadDeliveries(db)) {
    by_notification[row.notification_id].push_back(std::move(row));
  }
  const auto received = ArrivalsByApnsId(fake.Requests());
  std::set<int64_t> seen;
  for (int64_t id : acknowledged) {
    EXPECT_TRUE(seen.insert(id).second) << "id " << id << " acknowledged for two payloads";
    auto it = by_notification.find(id);
    ASSERT_NE(it, by_notification.end()) << "acknowledged notification " << id << " lost";
    // One registration per user: one delivery, delivered, and APNs got it.
    ASSERT_EQ(it->second.size(), 1u) << id;
    const DeliveryRow& d = it->second.front();
    EXPECT_EQ(d.notification_state, "done") << id;
    EXPECT_EQ(d.state, "delivered") << id << " " << d.last_reason;
    EXPECT_EQ(received.count(d.provider_message_id), 1u)
        << id << ": apns-id " << d.provider_message_id << " never reached the fake";
  }

  int resent = 0;
  for (const auto& [apns_id, arrivals] : received) {
    for (size_t i = 1; i < arrivals.size(); ++i) {
      EXPECT_TRUE(KillBetween(kills, arrivals[i - 1], arrivals[i]))
          << apns_id << " sent twice with no kill in between (seed " << seed << "): at "
          << arrivals[i - 1].at << " on connection " << arrivals[i - 1].connection << ", then at "
          << arrivals[i].at << " on connection " << arrivals[i].connection;
    }
    if (arrivals.size() > 1) ++resent;
  }
  RecordProperty("resent_after_kills", resent);
  std::printf("crash test: seed %u, %d kills, %zu acknowledged, %d resent after a kill\n", seed,
              kKills, acknowledged.size(), resent);
}

}  // namespace
}  // namespace pushgate::testing
