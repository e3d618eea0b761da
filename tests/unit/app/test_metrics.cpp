// The Prometheus text exposition format (0.0.4) as /metrics serves it: HELP and TYPE once per
// name, label values escaped, histograms cumulative with +Inf, _sum and _count, and counters
// that several threads increment without losing counts.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>
#include <thread>

#include "common/metrics/metrics.hpp"

using namespace sc::metrics;

namespace {

// Every line is a comment (# HELP / # TYPE) or `name{labels} value`, as the format defines.
bool is_exposition_line(const std::string& line) {
  static const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$)");
  static const std::regex sample(
      R"re(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$)re");
  return std::regex_match(line, comment) || std::regex_match(line, sample);
}

}  // namespace

TEST_CASE("Counters, gauges and labels render in the text format", "[metrics]") {
  Registry registry;
  registry.counter("sc_handshakes_total", "TLS handshakes", {{"outcome", "ok"}}).increment(3);
  registry.counter("sc_handshakes_total", "TLS handshakes", {{"outcome", "failed"}}).increment();
  registry.gauge("sc_open_connections", "open connections").set(7);
  registry.gauge_callback("sc_certificate_expiry_seconds", "when our certificate expires",
                          {{"role", "bank"}}, [] { return 1.8e9; });
  registry.counter("sc_alerts_sent_total", "alerts",
                   {{"description", "a \"quoted\" \\ value\nwith a newline"}});
  const std::string text = registry.exposition();
  CHECK_THAT(text, Catch::Contains("# TYPE sc_handshakes_total counter\n"));
  CHECK_THAT(text, Catch::Contains("sc_handshakes_total{outcome=\"ok\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("sc_handshakes_total{outcome=\"failed\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("sc_open_connections 7\n"));
  CHECK_THAT(text, Catch::Contains("sc_certificate_expiry_seconds{role=\"bank\"} 1800000000\n"));
  CHECK_THAT(text, Catch::Contains(R"(description="a \"quoted\" \\ value\nwith a newline")"));
  // HELP and TYPE once per name, even with two label sets.
  std::size_t types = 0;
  for (std::size_t at = text.find("# TYPE sc_handshakes_total"); at != std::string::npos;
       at = text.find("# TYPE sc_handshakes_total", at + 1)) {
    ++types;
  }
  CHECK(types == 1);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK(is_exposition_line(line));
  }
}

TEST_CASE("Histograms are cumulative, with +Inf, _sum and _count", "[metrics]") {
  Registry registry;
  Histogram& latency = registry.histogram("sc_store_seconds", "store latency", {0.001, 0.01},
                                          {{"operation", "confirm"}});
  latency.observe(0.0005);
  latency.observe(0.001);  // le is inclusive
  latency.observe(0.005);
  latency.observe(3);
  const std::string text = registry.exposition();
  CHECK_THAT(text,
             Catch::Contains("sc_store_seconds_bucket{operation=\"confirm\",le=\"0.001\"} 2\n"));
  CHECK_THAT(text,
             Catch::Contains("sc_store_seconds_bucket{operation=\"confirm\",le=\"0.01\"} 3\n"));
  CHECK_THAT(text,
             Catch::Contains("sc_store_seconds_bucket{operation=\"confirm\",le=\"+Inf\"} 4\n"));
  CHECK_THAT(text, Catch::Contains("sc_store_seconds_count{operation=\"confirm\"} 4\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE sc_store_seconds histogram\n"));
  CHECK(latency.sum() == Approx(3.0065));
}

TEST_CASE("The same name and labels are the same metric; types do not mix", "[metrics]") {
  Registry registry;
  Counter& first = registry.counter("sc_x_total", "x", {{"a", "1"}});
  Counter& again = registry.counter("sc_x_total", "x", {{"a", "1"}});
  CHECK(&first == &again);
  CHECK_THROWS_AS(registry.gauge("sc_x_total", "x"), std::logic_error);
  CHECK_THROWS_AS(registry.counter("9bad", "x"), std::logic_error);
  CHECK_THROWS_AS(registry.counter("sc_y_total", "y", {{"bad-label", "v"}}), std::logic_error);
}

TEST_CASE("Counters lose nothing under concurrent increments", "[metrics]") {
  Registry registry;
  Counter& counter = registry.counter("sc_concurrent_total", "c");
  Gauge& gauge = registry.gauge("sc_concurrent_gauge", "g");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter.increment();
        gauge.add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(counter.value() == 40000);
  CHECK(gauge.value() == 40000);
}

TEST_CASE("A counter family reaches the registry's counter for each set of label values",
          "[metrics]") {
  Registry registry;
  CounterFamily& handshakes =
      registry.counter_family("sc_handshakes_total", "TLS handshakes", {"suite", "outcome"});
  std::string suite = "TLS_AES_128_GCM_SHA256";
  handshakes.with({suite, "completed"}).increment(2);
  handshakes.with({suite, "failed"}).increment();
  suite = "TLS_CHACHA20_POLY1305_SHA256";  // the family keeps its own copy of the values
  handshakes.with({suite, "completed"}).increment();

  CHECK(&handshakes.with({"TLS_AES_128_GCM_SHA256", "completed"}) ==
        &registry.counter("sc_handshakes_total", "TLS handshakes",
                          {{"suite", "TLS_AES_128_GCM_SHA256"}, {"outcome", "completed"}}));
  CHECK(&registry.counter_family("sc_handshakes_total", "TLS handshakes", {"suite", "outcome"}) ==
        &handshakes);
  const std::string text = registry.exposition();
  CHECK_THAT(
      text, Catch::Contains(
                "sc_handshakes_total{suite=\"TLS_AES_128_GCM_SHA256\",outcome=\"completed\"} 2\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "sc_handshakes_total{suite=\"TLS_AES_128_GCM_SHA256\",outcome=\"failed\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("sc_handshakes_total{suite=\"TLS_CHACHA20_POLY1305_SHA256\","
                                   "outcome=\"completed\"} 1\n"));
}

TEST_CASE("A counter family refuses other label names, counts and types", "[metrics]") {
  Registry registry;
  CounterFamily& family = registry.counter_family("sc_x_total", "x", {"a", "b"});
  CHECK_THROWS_AS(family.with({"only one"}), std::logic_error);
  CHECK_THROWS_AS(family.with({"1", "2", "3"}), std::logic_error);
  CHECK_THROWS_AS(registry.counter_family("sc_x_total", "x", {"a"}), std::logic_error);
  CHECK_THROWS_AS(registry.counter_family("sc_x_total", "x", {"b", "a"}), std::logic_error);
  CHECK_THROWS_AS(registry.counter_family("sc_y_total", "y", {"bad-label"}), std::logic_error);
  registry.gauge("sc_g", "g");
  CHECK_THROWS_AS(registry.counter_family("sc_g", "g", {"a"}), std::logic_error);
}

TEST_CASE("A counter family loses nothing when threads add label sets concurrently", "[metrics]") {
  Registry registry;
  CounterFamily& alerts = registry.counter_family("sc_alerts_total", "alerts", {"description"});
  const char* const names[] = {"decode_error", "bad_record_mac", "handshake_failure"};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3000; ++i) alerts.with({names[(i + t) % 3]}).increment();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const char* name : names) {
    INFO(name);
    CHECK(alerts.with({name}).value() == 4000);
  }
}
