// Soak: steady webhook load with deliveries to the APNs fake, RSS, open fds and the write
// queue's depth sampled; after a warm-up none of them grows. Bounded for CI (90 s by default);
// longer by hand:
//
//   PUSHGATE_SOAK_SECONDS=1800 build/tests/reliability/soak_test
//
// The bounds are generous (a real leak exceeds them, noise does not) and say nothing about
// speed. The samples and peak RSS are printed for docs/BENCHMARKS.md.
#include <algorithm>
#include <cstdlib>

#include "gtest/gtest.h"
#include "reliability_env.h"

namespace pushgate::testing {
namespace {

using nlohmann::json;

struct Sample {
  int64_t at_s = 0;
  ProcessSample process;
  double queue_depth = 0;
  double in_flight = 0;
  int64_t acknowledged = 0;
};

int SoakSeconds() {
  const char* v = std::getenv("PUSHGATE_SOAK_SECONDS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 90;
}

TEST(SoakTest, NoGrowthAfterWarmUp) {
  TempDir dir;
  FakeApns fake;
  ASSERT_NO_FATAL_FAILURE(StartFake(&fake, dir.path()));
  const std::string data_dir = dir.path() + "/data";
  json config = ReliabilityConfig(data_dir, fake);
  // SQLite's page cache grows with the database until it reaches cache_size; a small cache
  // reaches it during the warm-up, so later growth means a leak, not a filling cache.
  config["store"] = {{"cache_size_kib", 2048}};
  auto server = PushgateProcess::Start({config.dump(2), data_dir});
  ASSERT_NE(server, nullptr);
  constexpr int kUsers = 32;
  std::vector<std::string> uids;
  for (int u = 0; u < kUsers; ++u) {
    uids.push_back("soak-user-" + std::to_string(u));
    RegisterApnsToken(server->grpc_address(), uids.back(), DeviceToken(u));
  }
  fake.Control("POST", "/control/latency", {{"ms", 10}});

  const int seconds = SoakSeconds();
  const int warm_up = std::max(20, seconds / 4);
  std::atomic<int> port{server->http_port()};
  std::vector<std::unique_ptr<WebhookPoster>> posters;
  for (int i = 0; i < 2; ++i) {
    posters.push_back(std::make_unique<WebhookPoster>(uids, std::chrono::milliseconds(1),
                                                      int64_t{i} * 1'000'000'000));
    posters.back()->Start(&port);
  }
  const std::string metrics = server->http_url("/metrics");
  std::vector<Sample> samples;
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (elapsed >= std::chrono::seconds(seconds)) break;
    std::this_thread::sleep_for(std::chrono::seconds(2));
    Sample s;
    s.at_s = std::chrono::duration_cast<std::chrono::seconds>(elapsed).count() + 2;
    s.process = SampleProcess(server->pid());
    s.queue_depth = MetricValue(metrics, "pushgate_store_write_queue_depth");
    s.in_flight = MetricValue(metrics, "pushgate_deliveries_in_flight");
    for (const auto& p : posters) s.acknowledged += p->acknowledged();
    samples.push_back(s);
    // The fake keeps every request it saw; a long soak would grow the fake, not pushgate.
    fake.Control("DELETE", "/control/requests");
  }
  int64_t acknowledged = 0;
  for (auto& p : posters) {
    p->Stop();
    EXPECT_EQ(p->refused(), 0) << p->last_refusal();
    acknowledged += p->acknowledged();
  }
  ASSERT_TRUE(WaitFor([&] { return UnsettledNotifications(data_dir + "/pushgate.db") == 0; },
                      std::chrono::seconds(120)));
  EXPECT_TRUE(
      WaitFor([&] { return MetricValue(metrics, "pushgate_store_write_queue_depth") == 0; }));
  const auto rows = ReadDeliveries(data_dir + "/pushgate.db");
  const int64_t delivered = std::count_if(
      rows.begin(), rows.end(), [](const DeliveryRow& r) { return r.state == "delivered"; });
  EXPECT_EQ(delivered, static_cast<int64_t>(rows.size()));

  // After the warm-up: the first half sets the level, the second half must stay near it.
  std::vector<Sample> steady;
  for (const Sample& s : samples) {
    if (s.at_s > warm_up) steady.push_back(s);
  }
  ASSERT_GE(steady.size(), 4u) << "soak too short to judge";
  const size_t half = steady.size() / 2;
  auto max_of = [](auto begin, auto end, auto field) {
    int64_t m = 0;
    for (auto it = begin; it != end; ++it) m = std::max<int64_t>(m, field(*it));
    return m;
  };
  auto rss = [](const Sample& s) { return s.process.rss_kib; };
  auto fds = [](const Sample& s) { return s.process.open_fds; };
  auto depth = [](const Sample& s) { return static_cast<int64_t>(s.queue_depth); };
  const int64_t rss_level = max_of(steady.begin(), steady.begin() + half, rss);
  const int64_t rss_later = max_of(steady.begin() + half, steady.end(), rss);
  const int64_t fds_level = max_of(steady.begin(), steady.begin() + half, fds);
  const int64_t fds_later = max_of(steady.begin() + half, steady.end(), fds);
  const int64_t peak_rss = max_of(samples.begin(), samples.end(), rss);
  const int64_t peak_depth = max_of(samples.begin(), samples.end(), depth);
  // 25% or 32 MiB, whichever is more: a leak of a few hundred bytes per notification passes
  // that within a few minutes at this rate.
#ifndef PUSHGATE_SANITIZED
  EXPECT_LE(rss_later, rss_level + std::max<int64_t>(rss_level / 4, 32 * 1024))
      << "RSS grew after the warm-up";
#endif  // ASan's quarantine (up to 256 MiB of freed memory) grows RSS by design; leaks are LSan's
  EXPECT_LE(fds_later, fds_level + 8) << "open files grew after the warm-up";
  EXPECT_LT(peak_depth, 20'000 / 2) << "the write queue backed up";

  std::printf(
      "soak: %d s (warm-up %d s), %lld acknowledged (%.0f/s), %lld deliveries all "
      "delivered\n",
      seconds, warm_up, static_cast<long long>(acknowledged),
      static_cast<double>(acknowledged) / seconds, static_cast<long long>(rows.size()));
  std::printf(
      "soak: peak RSS %lld KiB; steady RSS %lld -> %lld KiB; fds %lld -> %lld; peak "
      "write queue %lld\n",
      static_cast<long long>(peak_rss), static_cast<long long>(rss_level),
      static_cast<long long>(rss_later), static_cast<long long>(fds_level),
      static_cast<long long>(fds_later), static_cast<long long>(peak_depth));
  std::printf("soak: t_s rss_kib fds queue_depth in_flight acknowledged\n");
  for (const Sample& s : samples) {
    std::printf("soak: %lld %lld %lld %.0f %.0f %lld\n", static_cast<long long>(s.at_s),
                static_cast<long long>(s.process.rss_kib),
                static_cast<long long>(s.process.open_fds), s.queue_depth, s.in_flight,
                static_cast<long long>(s.acknowledged));
  }
  RecordProperty("peak_rss_kib", static_cast<int>(peak_rss));
  RecordProperty("acknowledged", static_cast<int>(acknowledged));
  EXPECT_EQ(server->Terminate(), 0);
}

}  // namespace
}  // namespace pushgate::testing
