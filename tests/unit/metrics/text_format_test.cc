#include "metrics/text_format.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "gtest/gtest.h"

namespace pushgate::metrics {
namespace {

TEST(EscapeLabelValue, EscapesBackslashQuoteAndNewline) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue(R"(a\b)"), R"(a\\b)");
  EXPECT_EQ(EscapeLabelValue(R"(say "hi")"), R"(say \"hi\")");
  EXPECT_EQ(EscapeLabelValue("two\nlines"), R"(two\nlines)");
}

TEST(EscapeHelp, KeepsQuotesButEscapesBackslashAndNewline) {
  EXPECT_EQ(EscapeHelp(R"(a "quoted" \ text)"), R"(a "quoted" \\ text)");
  EXPECT_EQ(EscapeHelp("line\nbreak"), R"(line\nbreak)");
}

TEST(FormatValue, RoundTripsAndSpellsSpecialValues) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  for (double v : {0.1, 0.005, 1e-7, 123456.789, 2.5e300, 1.0 / 3.0}) {
    const std::string text = FormatValue(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
  EXPECT_EQ(FormatValue(0.005), "0.005");  // short where a short form is exact
}

TEST(Names, FollowThePrometheusGrammar) {
  EXPECT_TRUE(IsValidMetricName("pushgate_http_requests_total"));
  EXPECT_TRUE(IsValidMetricName("ns:sub_metric"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("9lives"));
  EXPECT_FALSE(IsValidMetricName("has-dash"));
  EXPECT_TRUE(IsValidLabelName("route"));
  EXPECT_TRUE(IsValidLabelName("_private"));
  EXPECT_FALSE(IsValidLabelName("__reserved"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName(""));
}

TEST(AppendSample, WritesLabelsInOrderAndTheExtraLabelLast) {
  std::string out;
  AppendSample(out, "m", {"a", "b"}, {"x", "y\"z"}, "le", "0.5", "7");
  EXPECT_EQ(out, "m{a=\"x\",b=\"y\\\"z\",le=\"0.5\"} 7\n");
  out.clear();
  AppendSample(out, "m", {}, {}, "", "", "1");
  EXPECT_EQ(out, "m 1\n");
  out.clear();
  AppendSample(out, "m", {}, {}, "le", "+Inf", "1");
  EXPECT_EQ(out, "m{le=\"+Inf\"} 1\n");
}

TEST(AppendHeader, WritesHelpThenType) {
  std::string out;
  AppendHeader(out, "m", "Help with \\ and\nnewline.", "counter");
  EXPECT_EQ(out, "# HELP m Help with \\\\ and\\nnewline.\n# TYPE m counter\n");
}

}  // namespace
}  // namespace pushgate::metrics
