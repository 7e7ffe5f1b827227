// A small Prometheus registry: counter, gauge and histogram families with labels, plus gauges
// computed at scrape time from a callback. Rendered in the text format (text_format.h).
//
// Cost model: looking up a label set takes a mutex and a map search, so callers do it once per
// distinct label set and keep the returned reference (children are never removed, so the
// reference stays valid for the registry's life). Updating a metric is one relaxed atomic.
//
// Registering a name twice with the same kind and label names returns the same family, so
// independent pieces of code can share a family by name. A mismatch (other kind or labels), an
// invalid name or a wrong number of label values is a programming error: it is logged and the
// process aborts, which tests catch at once.
#ifndef PUSHGATE_METRICS_REGISTRY_H_
#define PUSHGATE_METRICS_REGISTRY_H_

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/metric_types.h"

namespace pushgate::metrics {

using LabelValues = std::vector<std::string>;

namespace internal {
// Logs and aborts; out of line so the template stays small.
[[noreturn]] void FailLabelCount(std::string_view family, size_t expected, size_t got);
}  // namespace internal

template <typename Metric>
class Family {
 public:
  using Factory = std::function<std::unique_ptr<Metric>()>;

  Family(std::vector<std::string> label_names, Factory make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The child for these label values (created on first use). Keep the reference.
  Metric& WithLabels(LabelValues values) {
    if (values.size() != label_names_.size()) {
      internal::FailLabelCount(label_names_.empty() ? "" : label_names_[0], label_names_.size(),
                               values.size());
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = children_.find(values);
    if (it == children_.end()) it = children_.emplace(std::move(values), make_()).first;
    return *it->second;
  }
  Metric& WithLabels(std::initializer_list<std::string_view> values) {
    LabelValues copy;
    copy.reserve(values.size());
    for (std::string_view v : values) copy.emplace_back(v);
    return WithLabels(std::move(copy));
  }

  const std::vector<std::string>& label_names() const { return label_names_; }

  // Visits children in label-value order.
  void ForEach(const std::function<void(const LabelValues&, const Metric&)>& visit) const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [labels, metric] : children_) visit(labels, *metric);
  }

 private:
  const std::vector<std::string> label_names_;
  const Factory make_;
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<Metric>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

struct GaugeSample {
  LabelValues labels;
  double value = 0;
};
using GaugeCallback = std::function<std::vector<GaugeSample>()>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  // `upper_bounds` ascending, without +Inf.
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::vector<double> upper_bounds);
  // Samples produced at each scrape (e.g. from the store's statistics). Each returned sample
  // must carry one value per label name; samples that do not are skipped.
  void AddGaugeCallback(std::string name, std::string help, std::vector<std::string> label_names,
                        GaugeCallback samples);
  // Runs at the start of every Render, before any gauge callback: lets several callbacks share
  // one expensive snapshot.
  void AddScrapeHook(std::function<void()> hook);

  // The whole registry in the text format, families in registration order.
  std::string Render() const;

  // Every child of the counter family `name` with its value, in label-value order; empty when
  // no counter of that name is registered. For in-process readers (the admin status page).
  std::vector<std::pair<LabelValues, uint64_t>> CounterValues(std::string_view name) const;

 private:
  struct Entry;
  Entry& FindOrAdd(const std::string& name, int kind, const std::vector<std::string>& labels,
                   bool* created);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::function<void()>> scrape_hooks_;
};

}  // namespace pushgate::metrics

#endif  // PUSHGATE_METRICS_REGISTRY_H_
