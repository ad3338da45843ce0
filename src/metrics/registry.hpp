// Metrics registry: counters, gauges and histograms with optional labels, rendered in the Prometheus text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/). Single-threaded:
// use it from the io_context thread that owns it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chiral::metrics {

// Label pairs in the order they are rendered. The same name with the same labels is the same series.
using Labels = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { counter, gauge, histogram };

class Counter {
 public:
  void inc(double by = 1) noexcept {
    if (by > 0) value_ += by;
  }
  // Mirrors a count kept elsewhere (e.g. relay::Counters) from a collector.
  void set(double total) noexcept { value_ = total; }
  double value() const noexcept { return value_; }

 private:
  double value_ = 0;
};

class Gauge {
 public:
  void set(double v) noexcept { value_ = v; }
  void inc(double by = 1) noexcept { value_ += by; }
  void dec(double by = 1) noexcept { value_ -= by; }
  double value() const noexcept { return value_; }

 private:
  double value_ = 0;
};

class Histogram {
 public:
  // `upper_bounds` are sorted and deduplicated here; +Inf is implicit.
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v) noexcept;
  const std::vector<double>& upper_bounds() const noexcept { return bounds_; }
  // Cumulative count of observations <= upper_bounds()[i]; index bounds.size() is the +Inf bucket.
  std::uint64_t cumulative_count(std::size_t i) const noexcept;
  std::uint64_t count() const noexcept { return count_; }
  double sum() const noexcept { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> buckets_;  // non-cumulative, one per bound plus +Inf
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// Default latency buckets (seconds), those of the Prometheus client libraries.
std::vector<double> default_buckets();
// `count` buckets starting at `start`, each `factor` times the previous one.
std::vector<double> exponential_buckets(double start, double factor, std::size_t count);

class Registry {
 public:
  using Collector = std::function<void(Registry&)>;

  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Returns the series, creating the family and/or series on first use; references stay valid for the
  // registry's lifetime. Throws std::invalid_argument on an invalid metric or label name, or when `name`
  // is already registered with another type (programming errors, found by tests, never at run time).
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> buckets = default_buckets(),
                       const Labels& labels = {});

  // Registers a family without any series yet (e.g. one whose series are all labelled by a reason seen
  // later); rendered as its HELP and TYPE lines alone until a series exists.
  void declare(std::string_view name, std::string_view help, MetricType type);

  // Runs before each render(): copy live values (table sizes, counters kept elsewhere) in.
  void add_collector(Collector fn) { collectors_.push_back(std::move(fn)); }
  void collect();

  // collect() then the exposition text: families in registration order, series in creation order.
  std::string render();
  // The exposition text of the current values, without running collectors.
  std::string render_current() const;

 private:
  struct Family;
  Family& family(std::string_view name, std::string_view help, MetricType type);

  std::vector<std::unique_ptr<Family>> families_;
  std::vector<Collector> collectors_;
};

// Exposition-format helpers (exposed for tests).
bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
// Shortest text that parses back to `v`; NaN, +Inf, -Inf as Prometheus spells them.
std::string format_value(double v);

}  // namespace chiral::metrics
