#include "metrics/registry.h"

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(Registry, CountersRenderWithHelpTypeAndLabels) {
  Registry r;
  CounterFamily& requests = r.AddCounter("requests_total", "Requests served.", {"route", "status"});
  requests.WithLabels({"webhook", "200"}).Increment();
  requests.WithLabels({"webhook", "200"}).Increment(2);
  requests.WithLabels({"healthz", "200"}).Increment();

  const std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# HELP requests_total Requests served.\n"
                              "# TYPE requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("requests_total{route=\"webhook\",status=\"200\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("requests_total{route=\"healthz\",status=\"200\"} 1\n"));
}

TEST(Registry, ChildReferencesAreStableAndShared) {
  Registry r;
  CounterFamily& f = r.AddCounter("c_total", "h", {"k"});
  Counter& a = f.WithLabels({"x"});
  for (int i = 0; i < 100; ++i) f.WithLabels({"other" + std::to_string(i)});
  EXPECT_EQ(&a, &f.WithLabels({"x"}));
}

TEST(Registry, SameNameAndShapeReturnsTheSameFamily) {
  Registry r;
  CounterFamily& first = r.AddCounter("shared_total", "h", {"status"});
  CounterFamily& second = r.AddCounter("shared_total", "other help ignored", {"status"});
  EXPECT_EQ(&first, &second);
  first.WithLabels({"413"}).Increment();
  EXPECT_EQ(second.WithLabels({"413"}).Value(), 1u);
  // Rendered once.
  const std::string text = r.Render();
  EXPECT_EQ(text.find("# TYPE shared_total"), text.rfind("# TYPE shared_total"));
}

TEST(Registry, CounterValuesReadEveryChildOfACounterFamilyOnly) {
  Registry r;
  CounterFamily& pushes = r.AddCounter("pushes_total", "h", {"channel", "outcome"});
  pushes.WithLabels({"fcm", "delivered"}).Increment(4);
  pushes.WithLabels({"apns", "retry"}).Increment();
  r.AddGauge("depth", "h").WithLabels(LabelValues{}).Set(7);

  const std::vector<std::pair<LabelValues, uint64_t>> values = r.CounterValues("pushes_total");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].first, (LabelValues{"apns", "retry"}));
  EXPECT_EQ(values[0].second, 1u);
  EXPECT_EQ(values[1].first, (LabelValues{"fcm", "delivered"}));
  EXPECT_EQ(values[1].second, 4u);
  EXPECT_TRUE(r.CounterValues("depth").empty());  // a gauge, not a counter
  EXPECT_TRUE(r.CounterValues("missing_total").empty());
}

TEST(RegistryDeathTest, ConflictingRegistrationAborts) {
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("x_total", "h", {"a"});
        r.AddGauge("x_total", "h", {"a"});
      },
      "metrics_conflicting_registration");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("bad-name", "h");
      },
      "metrics_invalid_name");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddCounter("y_total", "h", {"a", "b"}).WithLabels({"only-one"});
      },
      "metrics_label_count_mismatch");
}

TEST(Registry, LabelValuesAreEscaped) {
  Registry r;
  r.AddGauge("g", "h", {"path"}).WithLabels({"a\"b\\c\nd"}).Set(1);
  EXPECT_THAT(r.Render(), HasSubstr("g{path=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

TEST(Registry, GaugesSetAndAdd) {
  Registry r;
  Gauge& g = r.AddGauge("temperature", "h").WithLabels({});
  g.Set(1.5);
  g.Add(2);
  g.Add(-0.25);
  EXPECT_DOUBLE_EQ(g.Value(), 3.25);
  EXPECT_THAT(r.Render(), HasSubstr("\ntemperature 3.25\n"));
}

TEST(Registry, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry r;
  Histogram& h = r.AddHistogram("latency_seconds", "h", {}, {0.1, 0.5, 1}).WithLabels({});
  for (double v : {0.05, 0.1, 0.3, 0.7, 5.0}) h.Observe(v);

  const Histogram::Snapshot s = h.Read();
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative[0], 2u);  // 0.05 and 0.1 (le is inclusive)
  EXPECT_EQ(s.cumulative[1], 3u);
  EXPECT_EQ(s.cumulative[2], 4u);
  EXPECT_EQ(s.count(), 5u);
  EXPECT_DOUBLE_EQ(s.sum, 6.15);

  const std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE latency_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{le=\"0.1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{le=\"0.5\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{le=\"1\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{le=\"+Inf\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_sum 6.15\n"));
  EXPECT_THAT(text, HasSubstr("latency_seconds_count 5\n"));
}

TEST(Registry, HistogramWithLabelsPutsLeLast) {
  Registry r;
  r.AddHistogram("h_seconds", "h", {"route"}, {1}).WithLabels({"webhook"}).Observe(0.5);
  EXPECT_THAT(r.Render(), HasSubstr("h_seconds_bucket{route=\"webhook\",le=\"1\"} 1\n"));
}

TEST(Registry, GaugeCallbacksRunAtEachScrapeAfterHooks) {
  Registry r;
  int snapshot = 0;
  int scrapes = 0;
  r.AddScrapeHook([&] { snapshot = ++scrapes * 10; });
  r.AddGaugeCallback("queue_depth", "h", {}, [&] {
    return std::vector<GaugeSample>{{{}, static_cast<double>(snapshot)}};
  });
  r.AddGaugeCallback("by_state", "h", {"state"}, [&] {
    return std::vector<GaugeSample>{{{"queued"}, 1}, {{"done"}, 2}, {{"too", "many"}, 3}};
  });
  EXPECT_THAT(r.Render(), HasSubstr("\nqueue_depth 10\n"));
  const std::string second = r.Render();
  EXPECT_THAT(second, HasSubstr("\nqueue_depth 20\n"));
  EXPECT_THAT(second, HasSubstr("# TYPE by_state gauge\nby_state{state=\"queued\"} 1\n"));
  EXPECT_THAT(second, Not(HasSubstr("too")));  // wrong label count is skipped
}

TEST(Registry, FamiliesRenderInRegistrationOrder) {
  Registry r;
  r.AddCounter("zeta_total", "h").WithLabels({}).Increment();
  r.AddCounter("alpha_total", "h").WithLabels({}).Increment();
  const std::string text = r.Render();
  EXPECT_LT(text.find("zeta_total"), text.find("alpha_total"));
}

TEST(Registry, EverySampleLineIsWellFormed) {
  Registry r;
  r.AddCounter("a_total", "h", {"x"}).WithLabels({"1"}).Increment();
  r.AddHistogram("b_seconds", "h", {"y"}, {0.001, 0.01}).WithLabels({"z"}).Observe(0.002);
  r.AddGaugeCallback("c", "h", {}, [] { return std::vector<GaugeSample>{{{}, 0.5}}; });
  for (const std::string& line : Lines(r.Render())) {
    if (line.rfind("# ", 0) == 0) {
      EXPECT_TRUE(line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) << line;
      continue;
    }
    EXPECT_THAT(
        line,
        ::testing::MatchesRegex(
            R"([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? [-+0-9.eInfNa]+)"))
        << line;
  }
}

TEST(Registry, ConcurrentIncrementsAreNotLost) {
  Registry r;
  CounterFamily& f = r.AddCounter("n_total", "h", {"t"});
  Histogram& h = r.AddHistogram("d_seconds", "h", {}, {1}).WithLabels({});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Counter& c = f.WithLabels({"same"});
      for (int i = 0; i < kPerThread; ++i) {
        c.Increment();
        h.Observe(0.5);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.WithLabels({"same"}).Value(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(h.Read().count(), uint64_t{kThreads} * kPerThread);
  EXPECT_DOUBLE_EQ(h.Read().sum, 0.5 * kThreads * kPerThread);
}

}  // namespace
}  // namespace pushgate::metrics
