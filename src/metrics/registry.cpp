// Prometheus text exposition format 0.0.4 rendering of the metrics registry.
#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace chiral::metrics {

namespace {

constexpr std::string_view type_name(MetricType t) {
  switch (t) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    default: return "histogram";
  }
}

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

void append_labels(std::string& out, const Labels& labels, std::string_view le = {}) {
  if (labels.empty() && le.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += escape_label_value(v);
    out += '"';
  }
  if (!le.empty()) {
    if (!first) out += ',';
    out += "le=\"";
    out += le;
    out += '"';
  }
  out += '}';
}

}  // namespace

struct Registry::Family {
  std::string name;
  std::string help;
  MetricType type;
  std::vector<double> buckets;  // histograms: the first registration's bounds
  struct Series {
    Labels labels;
    std::variant<Counter, Gauge, Histogram> metric;
  };
  std::vector<std::unique_ptr<Series>> series;

  Series* find(const Labels& labels) {
    for (auto& s : series) {
      if (s->labels == labels) return s.get();
    }
    return nullptr;
  }
};

// ---- Histogram ----

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::erase_if(bounds_, [](double b) { return std::isnan(b) || std::isinf(b); });
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  buckets_.assign(bounds_.size() + 1, 0);
}

void Histogram::observe(double v) noexcept {
  if (std::isnan(v)) return;
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // first bound >= v (le semantics)
  ++buckets_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += v;
}

std::uint64_t Histogram::cumulative_count(std::size_t i) const noexcept {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k <= i && k < buckets_.size(); ++k) n += buckets_[k];
  return n;
}

std::vector<double> default_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> exponential_buckets(double start, double factor, std::size_t count) {
  std::vector<double> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i, start *= factor) out.push_back(start);
  return out;
}

// ---- Registry ----

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::family(std::string_view name, std::string_view help, MetricType type) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
  for (auto& f : families_) {
    if (f->name == name) {
      if (f->type != type) {
        throw std::invalid_argument("metric '" + std::string(name) + "' already registered as " +
                                    std::string(type_name(f->type)));
      }
      if (f->help.empty()) f->help = std::string(help);
      return *f;
    }
  }
  auto f = std::make_unique<Family>();
  f->name = std::string(name);
  f->help = std::string(help);
  f->type = type;
  families_.push_back(std::move(f));
  return *families_.back();
}

namespace {

void check_labels(std::string_view metric, const Labels& labels, bool histogram) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto& k = labels[i].first;
    if (!valid_label_name(k) || (histogram && k == "le")) {
      throw std::invalid_argument("invalid label name '" + k + "' on metric '" + std::string(metric) + "'");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (labels[j].first == k) {
        throw std::invalid_argument("duplicate label '" + k + "' on metric '" + std::string(metric) + "'");
      }
    }
  }
}

}  // namespace

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  auto& f = family(name, help, MetricType::counter);
  if (auto* s = f.find(labels)) return std::get<Counter>(s->metric);
  check_labels(name, labels, false);
  auto s = std::make_unique<Family::Series>(Family::Series{labels, Counter{}});
  f.series.push_back(std::move(s));
  return std::get<Counter>(f.series.back()->metric);
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  auto& f = family(name, help, MetricType::gauge);
  if (auto* s = f.find(labels)) return std::get<Gauge>(s->metric);
  check_labels(name, labels, false);
  auto s = std::make_unique<Family::Series>(Family::Series{labels, Gauge{}});
  f.series.push_back(std::move(s));
  return std::get<Gauge>(f.series.back()->metric);
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> buckets,
                               const Labels& labels) {
  auto& f = family(name, help, MetricType::histogram);
  if (auto* s = f.find(labels)) return std::get<Histogram>(s->metric);
  check_labels(name, labels, true);
  if (f.series.empty()) f.buckets = std::move(buckets);
  auto s = std::make_unique<Family::Series>(Family::Series{labels, Histogram(f.buckets)});
  f.series.push_back(std::move(s));
  return std::get<Histogram>(f.series.back()->metric);
}

void Registry::declare(std::string_view name, std::string_view help, MetricType type) {
  (void)family(name, help, type);
}

void Registry::collect() {
  for (auto& c : collectors_) c(*this);
}

std::string Registry::render() {
  collect();
  return render_current();
}

std::string Registry::render_current() const {
  std::string out;
  out.reserve(256 * families_.size());
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    out += escape_help(f->help);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += type_name(f->type);
    out += '\n';
    for (const auto& s : f->series) {
      if (f->type == MetricType::histogram) {
        const auto& h = std::get<Histogram>(s->metric);
        const auto& bounds = h.upper_bounds();
        for (std::size_t i = 0; i <= bounds.size(); ++i) {
          out += f->name;
          out += "_bucket";
          const std::string le = i < bounds.size() ? format_value(bounds[i]) : std::string("+Inf");
          append_labels(out, s->labels, le);
          out += ' ';
          out += std::to_string(h.cumulative_count(i));
          out += '\n';
        }
        out += f->name;
        out += "_sum";
        append_labels(out, s->labels);
        out += ' ';
        out += format_value(h.sum());
        out += '\n';
        out += f->name;
        out += "_count";
        append_labels(out, s->labels);
        out += ' ';
        out += std::to_string(h.count());
        out += '\n';
      } else {
        const double v = f->type == MetricType::counter ? std::get<Counter>(s->metric).value() : std::get<Gauge>(s->metric).value();
        out += f->name;
        append_labels(out, s->labels);
        out += ' ';
        out += format_value(v);
        out += '\n';
      }
    }
  }
  return out;
}

// ---- format helpers ----

bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(name_start(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return name_char(c) || c == ':'; });
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || !name_start(name[0])) return false;
  if (name.starts_with("__")) return false;  // reserved for Prometheus itself
  return std::all_of(name.begin(), name.end(), name_char);
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Integral values below 2^53 print exactly without an exponent (counters stay readable).
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace chiral::metrics
