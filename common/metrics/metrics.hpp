#pragma once
// The daemons' metrics, served at /metrics in the Prometheus text exposition format (version
// 0.0.4): counters, gauges and histograms with labels. The writer is ours and small on purpose
// (the format is a few line rules; Debian's prometheus-cpp would bring its own HTTP server, while
// the daemons already serve HTTP with Boost.Beast); tests/unit/app/test_metrics.cpp checks it.
//
// Registration takes a lock and returns a reference that stays valid for the life of the process
// (metrics are never removed), so hot paths look a metric up once and then only touch atomics:
//
//   static auto& accepted = metrics::global().counter("sc_otp_confirmations_total",
//                                                     "OTP confirmations by outcome",
//                                                     {{"outcome", "accepted"}});
//   accepted.increment();
//
// A counter whose label values are known only when it is counted (the suite a handshake
// negotiated, the alert a peer sent) is reached through its family, registered once with the
// label names; after the first use of a set of values, `with` costs a shared lock and a few
// string comparisons, never a rendered label string:
//
//   static auto& handshakes = metrics::global().counter_family(
//       "sc_tls_handshakes_total", "TLS 1.3 handshakes", {"suite", "outcome"});
//   handshakes.with({suite, "completed"}).increment();
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sc::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void increment(std::uint64_t by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative buckets (upper bounds, ascending) plus +Inf, a sum and a count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  const std::vector<double>& upper_bounds() const { return bounds_; }
  std::vector<std::uint64_t> cumulative_counts() const;  // one per bound, then +Inf
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, +Inf last
  std::atomic<double> sum_{0};
};

enum class MetricType { counter, gauge, histogram };

class Registry;

// The counters of one name, one per set of label values (label names fixed at registration).
// Meant for label values drawn from small sets (enumerations, alert names): every set seen is
// kept for the life of the process, as the registry keeps every metric.
class CounterFamily {
 public:
  // The counter for these label values, in the order of the family's label names
  // (std::logic_error for another number of values).
  Counter& with(std::initializer_list<std::string_view> values);

  CounterFamily(Registry& registry, std::string name, std::string help,
                std::vector<std::string> label_names);
  CounterFamily(const CounterFamily&) = delete;
  CounterFamily& operator=(const CounterFamily&) = delete;

  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  struct Known {
    std::vector<std::string> values;
    Counter* counter;
  };
  Counter* find(std::initializer_list<std::string_view> values) const;  // under mutex_

  Registry& registry_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  mutable std::shared_mutex mutex_;
  std::vector<Known> known_;
};

class Registry {
 public:
  // The same name and labels give the same metric; a name keeps the type and help it was first
  // registered with (std::logic_error otherwise). Names: [a-zA-Z_:][a-zA-Z0-9_:]*.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> upper_bounds, const Labels& labels = {});
  // The family of a counter name (the same family for the same name; std::logic_error if the
  // name is another type or the family was registered with other label names).
  CounterFamily& counter_family(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names);
  // A gauge read when scraped (open connections, seconds until the certificate expires).
  void gauge_callback(const std::string& name, const std::string& help, const Labels& labels,
                      std::function<double()> read);

  // Every metric, grouped by name (# HELP, # TYPE, then one line per label set).
  std::string exposition() const;

 private:
  struct Family {
    MetricType type;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // by rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::map<std::string, std::function<double()>> callbacks;
  };
  Family& family(const std::string& name, const std::string& help, MetricType type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  std::map<std::string, std::unique_ptr<CounterFamily>> counter_families_;
};

// The process's registry (what /metrics serves).
Registry& global();

// `{a="x",b="y"}` with \, " and newlines escaped; "" for no labels.
std::string render_labels(const Labels& labels);
// Latency buckets in seconds, 0.5 ms to 10 s.
std::vector<double> latency_buckets();

}  // namespace sc::metrics
