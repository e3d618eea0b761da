#include "common/metrics/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace sc::metrics {
namespace {

bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  const auto allowed = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
  };
  if (!allowed(name.front(), true)) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return allowed(c, false); });
}

// A label name is a metric name without colons (the format reserves them for metric names).
void check_label_name(const std::string& label) {
  if (!valid_name(label) || label.find(':') != std::string::npos) {
    throw std::logic_error("invalid label name \"" + label + "\"");
  }
}

std::string escaped(const std::string& text, bool quote_too) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote_too) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  return "untyped";
}

// The label set with one more label (a histogram's le).
std::string with_label(const std::string& rendered, const std::string& name,
                       const std::string& value) {
  const std::string extra = name + "=\"" + value + "\"";
  if (rendered.empty()) return "{" + extra + "}";
  return rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

}  // namespace

void Gauge::add(double delta) {
  double current = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
    throw std::logic_error("histogram bounds must ascend");
  }
  counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  double current = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(current, current + value, std::memory_order_relaxed)) {
  }
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> cumulative(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  return cumulative;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    check_label_name(labels[i].first);
    if (i > 0) out += ",";
    out += labels[i].first + "=\"" + escaped(labels[i].second, true) + "\"";
  }
  return out + "}";
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Family& Registry::family(const std::string& name, const std::string& help,
                                   MetricType type) {
  if (!valid_name(name)) throw std::logic_error("invalid metric name \"" + name + "\"");
  auto [found, inserted] = families_.try_emplace(name, Family{type, help, {}, {}, {}, {}});
  if (!inserted && found->second.type != type) {
    throw std::logic_error("metric " + name + " was registered as a " +
                           type_name(found->second.type));
  }
  return found->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, MetricType::counter).counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, MetricType::gauge).gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> upper_bounds, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, MetricType::histogram).histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(upper_bounds));
  return *slot;
}

CounterFamily& Registry::counter_family(const std::string& name, const std::string& help,
                                        std::vector<std::string> label_names) {
  std::lock_guard lock(mutex_);
  family(name, help, MetricType::counter);  // checks the name and reserves it for counters
  for (const std::string& label : label_names) check_label_name(label);
  auto& slot = counter_families_[name];
  if (!slot) {
    slot = std::make_unique<CounterFamily>(*this, name, help, std::move(label_names));
  } else if (slot->label_names() != label_names) {
    throw std::logic_error("counter family " + name + " was registered with other label names");
  }
  return *slot;
}

void Registry::gauge_callback(const std::string& name, const std::string& help,
                              const Labels& labels, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  family(name, help, MetricType::gauge).callbacks[render_labels(labels)] = std::move(read);
}

std::string Registry::exposition() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + " " + escaped(family.help, false) + "\n";
    out += "# TYPE " + name + " " + type_name(family.type) + "\n";
    for (const auto& [labels, counter] : family.counters) {
      out += name + labels + " " + std::to_string(counter->value()) + "\n";
    }
    for (const auto& [labels, gauge] : family.gauges) {
      out += name + labels + " " + number(gauge->value()) + "\n";
    }
    for (const auto& [labels, read] : family.callbacks) {
      out += name + labels + " " + number(read()) + "\n";
    }
    for (const auto& [labels, histogram] : family.histograms) {
      const std::vector<std::uint64_t> counts = histogram->cumulative_counts();
      const auto& bounds = histogram->upper_bounds();
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        out += name + "_bucket" + with_label(labels, "le", number(bounds[i])) + " " +
               std::to_string(counts[i]) + "\n";
      }
      out += name + "_bucket" + with_label(labels, "le", "+Inf") + " " +
             std::to_string(counts.back()) + "\n";
      out += name + "_sum" + labels + " " + number(histogram->sum()) + "\n";
      out += name + "_count" + labels + " " + std::to_string(counts.back()) + "\n";
    }
  }
  return out;
}

CounterFamily::CounterFamily(Registry& registry, std::string name, std::string help,
                             std::vector<std::string> label_names)
    : registry_(registry),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

Counter* CounterFamily::find(std::initializer_list<std::string_view> values) const {
  for (const Known& known : known_) {
    if (std::equal(known.values.begin(), known.values.end(), values.begin(), values.end())) {
      return known.counter;
    }
  }
  return nullptr;
}

Counter& CounterFamily::with(std::initializer_list<std::string_view> values) {
  if (values.size() != label_names_.size()) {
    throw std::logic_error("counter family " + name_ + " takes " +
                           std::to_string(label_names_.size()) + " label values, not " +
                           std::to_string(values.size()));
  }
  {
    std::shared_lock lock(mutex_);
    if (Counter* counter = find(values)) return *counter;
  }
  std::unique_lock lock(mutex_);
  if (Counter* counter = find(values)) return *counter;  // another thread added it meanwhile
  Labels labels;
  std::vector<std::string> kept;
  auto value = values.begin();
  for (const std::string& label : label_names_) {
    labels.emplace_back(label, std::string(*value));
    kept.emplace_back(*value++);
  }
  Counter& counter = registry_.counter(name_, help_, labels);
  known_.push_back(Known{std::move(kept), &counter});
  return counter;
}

Registry& global() {
  static Registry registry;
  return registry;
}

}  // namespace sc::metrics
