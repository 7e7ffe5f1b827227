#include "metrics/registry.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "metrics/text_format.h"

namespace pushgate::metrics {

namespace internal {
void FailLabelCount(std::string_view family, size_t expected, size_t got) {
  LogError(
      "metrics_label_count_mismatch",
      {{"first_label", family}, {"expected", absl::StrCat(expected)}, {"got", absl::StrCat(got)}});
  std::abort();
}
}  // namespace internal

namespace {

enum Kind { kCounter, kGauge, kHistogram, kGaugeCallback };

const char* TypeName(int kind) {
  switch (kind) {
    case kCounter:
      return "counter";
    case kHistogram:
      return "histogram";
    default:
      return "gauge";
  }
}

[[noreturn]] void Fail(std::string_view event, std::string_view name) {
  LogError(event, {{"metric", name}});
  std::abort();
}

}  // namespace

struct Registry::Entry {
  std::string name;
  std::string help;
  int kind = kCounter;
  std::vector<std::string> label_names;
  std::unique_ptr<CounterFamily> counters;
  std::unique_ptr<GaugeFamily> gauges;
  std::unique_ptr<HistogramFamily> histograms;
  std::vector<double> upper_bounds;  // histograms only
  GaugeCallback callback;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Entry& Registry::FindOrAdd(const std::string& name, int kind,
                                     const std::vector<std::string>& labels, bool* created) {
  if (!IsValidMetricName(name)) Fail("metrics_invalid_name", name);
  for (const std::string& label : labels) {
    if (!IsValidLabelName(label) || (kind == kHistogram && label == "le")) {
      Fail("metrics_invalid_label_name", name);
    }
  }
  for (auto& entry : entries_) {
    if (entry->name != name) continue;
    if (entry->kind != kind || entry->label_names != labels || kind == kGaugeCallback) {
      Fail("metrics_conflicting_registration", name);
    }
    *created = false;
    return *entry;
  }
  auto entry = std::make_unique<Entry>();
  entry->name = name;
  entry->kind = kind;
  entry->label_names = labels;
  entries_.push_back(std::move(entry));
  *created = true;
  return *entries_.back();
}

CounterFamily& Registry::AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  bool created = false;
  Entry& e = FindOrAdd(name, kCounter, label_names, &created);
  if (created) {
    e.help = std::move(help);
    e.counters = std::make_unique<CounterFamily>(std::move(label_names),
                                                 [] { return std::make_unique<Counter>(); });
  }
  return *e.counters;
}

GaugeFamily& Registry::AddGauge(std::string name, std::string help,
                                std::vector<std::string> label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  bool created = false;
  Entry& e = FindOrAdd(name, kGauge, label_names, &created);
  if (created) {
    e.help = std::move(help);
    e.gauges = std::make_unique<GaugeFamily>(std::move(label_names),
                                             [] { return std::make_unique<Gauge>(); });
  }
  return *e.gauges;
}

HistogramFamily& Registry::AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> upper_bounds) {
  for (size_t i = 1; i < upper_bounds.size(); ++i) {
    if (!(upper_bounds[i - 1] < upper_bounds[i])) Fail("metrics_unsorted_buckets", name);
  }
  std::lock_guard<std::mutex> lock(mu_);
  bool created = false;
  Entry& e = FindOrAdd(name, kHistogram, label_names, &created);
  if (created) {
    e.help = std::move(help);
    e.upper_bounds = upper_bounds;
    e.histograms = std::make_unique<HistogramFamily>(
        std::move(label_names),
        [bounds = std::move(upper_bounds)] { return std::make_unique<Histogram>(bounds); });
  } else if (e.upper_bounds != upper_bounds) {
    Fail("metrics_conflicting_registration", name);
  }
  return *e.histograms;
}

void Registry::AddGaugeCallback(std::string name, std::string help,
                                std::vector<std::string> label_names, GaugeCallback samples) {
  std::lock_guard<std::mutex> lock(mu_);
  bool created = false;
  Entry& e = FindOrAdd(name, kGaugeCallback, label_names, &created);
  e.help = std::move(help);
  e.callback = std::move(samples);
}

void Registry::AddScrapeHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  scrape_hooks_.push_back(std::move(hook));
}

std::string Registry::Render() const {
  // One scrape at a time: hooks and callbacks may share state without their own locking.
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& hook : scrape_hooks_) hook();

  std::string out;
  out.reserve(4096);
  for (const auto& entry : entries_) {
    const Entry& e = *entry;
    AppendHeader(out, e.name, e.help, TypeName(e.kind));
    switch (e.kind) {
      case kCounter:
        e.counters->ForEach([&](const LabelValues& labels, const Counter& c) {
          AppendSample(out, e.name, e.label_names, labels, "", "", absl::StrCat(c.Value()));
        });
        break;
      case kGauge:
        e.gauges->ForEach([&](const LabelValues& labels, const Gauge& g) {
          AppendSample(out, e.name, e.label_names, labels, "", "", FormatValue(g.Value()));
        });
        break;
      case kGaugeCallback:
        if (e.callback) {
          for (const GaugeSample& s : e.callback()) {
            if (s.labels.size() != e.label_names.size()) continue;
            AppendSample(out, e.name, e.label_names, s.labels, "", "", FormatValue(s.value));
          }
        }
        break;
      case kHistogram: {
        const std::string bucket_name = e.name + "_bucket";
        const std::string sum_name = e.name + "_sum";
        const std::string count_name = e.name + "_count";
        e.histograms->ForEach([&](const LabelValues& labels, const Histogram& h) {
          const Histogram::Snapshot s = h.Read();
          for (size_t i = 0; i < s.upper_bounds.size(); ++i) {
            AppendSample(out, bucket_name, e.label_names, labels, "le",
                         FormatValue(s.upper_bounds[i]), absl::StrCat(s.cumulative[i]));
          }
          AppendSample(out, bucket_name, e.label_names, labels, "le", "+Inf",
                       absl::StrCat(s.count()));
          AppendSample(out, sum_name, e.label_names, labels, "", "", FormatValue(s.sum));
          AppendSample(out, count_name, e.label_names, labels, "", "", absl::StrCat(s.count()));
        });
        break;
      }
    }
  }
  return out;
}

std::vector<std::pair<LabelValues, uint64_t>> Registry::CounterValues(std::string_view name) const {
  std::vector<std::pair<LabelValues, uint64_t>> values;
  const CounterFamily* family = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& entry : entries_) {
      if (entry->name == name && entry->kind == kCounter) family = entry->counters.get();
    }
  }
  // Families are never removed, so the pointer outlives the lock.
  if (family == nullptr) return values;
  family->ForEach([&values](const LabelValues& labels, const Counter& counter) {
    values.emplace_back(labels, counter.Value());
  });
  return values;
}

}  // namespace pushgate::metrics
