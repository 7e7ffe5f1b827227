#include "admin/rate_history.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgate::admin {
namespace {

const RateSeries* Find(const std::vector<RateSeries>& all, const std::string& name) {
  for (const RateSeries& s : all) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

TEST(RateHistory, TheFirstReadingOnlyPrimesThenEachReadingAddsRatesPerSecond) {
  RateHistory h;
  h.Record(1'000'000, {{"in", 100}});
  EXPECT_TRUE(h.Series().empty());
  h.Record(1'010'000, {{"in", 150}});  // +50 in 10 s
  h.Record(1'020'000, {{"in", 150}});  // nothing
  h.Record(1'025'000, {{"in", 160}});  // +10 in 5 s
  std::vector<RateSeries> series = h.Series();
  ASSERT_EQ(series.size(), 1u);
  ASSERT_EQ(series[0].points.size(), 3u);
  EXPECT_EQ(series[0].points[0].at_ms, 1'010'000);
  EXPECT_DOUBLE_EQ(series[0].points[0].per_second, 5.0);
  EXPECT_DOUBLE_EQ(series[0].points[1].per_second, 0.0);
  EXPECT_DOUBLE_EQ(series[0].points[2].per_second, 2.0);
}

TEST(RateHistory, ARestartedCounterCountsFromZeroAndLateSeriesStartAtZero) {
  RateHistory h;
  h.Record(0, {{"in", 500}});
  h.Record(10'000, {{"in", 20}});  // went down: restarted, 20 new
  h.Record(20'000, {{"in", 40}, {"fcm", 30}});
  std::vector<RateSeries> series = h.Series();
  const RateSeries* in = Find(series, "in");
  const RateSeries* fcm = Find(series, "fcm");
  ASSERT_NE(in, nullptr);
  ASSERT_NE(fcm, nullptr);
  EXPECT_DOUBLE_EQ(in->points[0].per_second, 2.0);
  EXPECT_DOUBLE_EQ(in->points[1].per_second, 2.0);
  ASSERT_EQ(fcm->points.size(), 2u);
  EXPECT_DOUBLE_EQ(fcm->points[0].per_second, 0.0);  // did not exist yet
  EXPECT_DOUBLE_EQ(fcm->points[1].per_second, 3.0);  // from zero: 30 in 10 s
}

TEST(RateHistory, KeepsOnlyTheLastHour) {
  RateHistory h;
  uint64_t total = 0;
  for (int64_t t = 0; t <= 2 * RateHistory::kWindowMs; t += RateHistory::kIntervalMs) {
    h.Record(t, {{"in", total}});
    total += 10;
  }
  std::vector<RateSeries> series = h.Series();
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].points.size(), RateHistory::kCapacity);
  EXPECT_GT(series[0].points.front().at_ms, RateHistory::kWindowMs);
  EXPECT_EQ(series[0].points.back().at_ms, 2 * RateHistory::kWindowMs);
  // A long gap also ages samples out, whatever their number.
  h.Record(4 * RateHistory::kWindowMs, {{"in", total}});
  EXPECT_EQ(h.Series()[0].points.size(), 1u);
}

TEST(RateHistory, AClockThatDoesNotMoveAddsNoSample) {
  RateHistory h;
  h.Record(10'000, {{"in", 1}});
  h.Record(10'000, {{"in", 5}});
  h.Record(5'000, {{"in", 7}});
  EXPECT_TRUE(h.Series().empty());
  h.Record(20'000, {{"in", 17}});
  ASSERT_EQ(h.Series().size(), 1u);
  EXPECT_DOUBLE_EQ(h.Series()[0].points[0].per_second, 1.0);  // 10 since the last total, 10 s
}

}  // namespace
}  // namespace pushgate::admin
