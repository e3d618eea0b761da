// A TLS 1.3 load generator built on our client (net::connect), so it drives our server and
// `openssl s_server` the same way.
//
//   bench_load handshakes --connect HOST:PORT --ca-file CA [--suite NAME] [--concurrency N]
//                         [--seconds S] [--server-name NAME]
//     N coroutines each repeat: connect, full handshake, close_notify, close. Prints
//     "handshakes_per_s X" and "failures N".
//   bench_load hold --connect HOST:PORT --ca-file CA [--count N] [--concurrency N]
//     Opens N channels (full handshakes) and keeps them idle; prints "held N" once all are
//     open, then waits for standard input to close and exits.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "common/net/tls_stream.hpp"
#include "tests/bench/bench_support.hpp"

namespace {

using namespace sc;
namespace asio = net::asio;

constexpr const char* kUsage =
    "usage: bench_load handshakes|hold --connect HOST:PORT --ca-file CA [--suite NAME]\n"
    "       [--concurrency N] [--seconds S] [--count N] [--server-name NAME]";

struct Target {
  std::string host;
  std::uint16_t port = 0;
  tls::ClientConfig config;
};

Target make_target(const bench::Arguments& args) {
  Target target;
  std::tie(target.host, target.port) = net::parse_host_port(args.text("connect"));
  target.config.server_name = args.text("server-name", "localhost");
  target.config.verifier = bench::load_verifier(args.text("ca-file"));
  std::string suite = args.text("suite", "");
  if (!suite.empty()) {
    auto found = tls::cipher_suite_from_name(suite);
    if (!found) throw std::invalid_argument("unknown suite " + suite);
    target.config.cipher_suites = {*found};
  }
  return target;
}

struct Counters {
  long handshakes = 0;
  long failures = 0;
  std::string last_failure;
};

asio::awaitable<void> handshake_loop(const Target& target, bench::Clock::time_point deadline,
                                     Counters& counters) {
  while (bench::Clock::now() < deadline) {
    try {
      auto stream = co_await net::connect(target.host, target.port, target.config, {});
      ++counters.handshakes;
      co_await stream->shutdown();
    } catch (const std::exception& error) {
      ++counters.failures;
      counters.last_failure = error.what();
    }
  }
}

int run_handshakes(const bench::Arguments& args) {
  const Target target = make_target(args);
  const int concurrency = static_cast<int>(args.number("concurrency", 8));
  const double seconds = args.number("seconds", 5);
  asio::io_context io;
  Counters counters;
  const auto start = bench::Clock::now();
  const auto deadline = start + std::chrono::duration_cast<bench::Clock::duration>(
                                    std::chrono::duration<double>(seconds));
  for (int i = 0; i < concurrency; ++i) {
    asio::co_spawn(io, handshake_loop(target, deadline, counters), asio::detached);
  }
  io.run();
  const double elapsed = bench::seconds_since(start);
  std::printf("handshakes_per_s %.1f\nfailures %ld\n", counters.handshakes / elapsed,
              counters.failures);
  if (counters.failures > 0)
    std::fprintf(stderr, "last failure: %s\n", counters.last_failure.c_str());
  return counters.handshakes > 0 ? 0 : 1;
}

asio::awaitable<void> open_channels(const Target& target, long& remaining,
                                    std::vector<std::shared_ptr<net::TlsStream>>& held,
                                    Counters& counters) {
  while (remaining > 0) {
    --remaining;
    try {
      net::Timeouts timeouts;
      timeouts.handshake = std::chrono::seconds(60);
      timeouts.idle = std::chrono::hours(1);
      held.push_back(co_await net::connect(target.host, target.port, target.config, timeouts));
    } catch (const std::exception& error) {
      ++counters.failures;
      counters.last_failure = error.what();
    }
  }
}

int run_hold(const bench::Arguments& args) {
  const Target target = make_target(args);
  long remaining = static_cast<long>(args.number("count", 1000));
  const int concurrency = static_cast<int>(args.number("concurrency", 16));
  asio::io_context io;
  std::vector<std::shared_ptr<net::TlsStream>> held;
  Counters counters;
  for (int i = 0; i < concurrency; ++i) {
    asio::co_spawn(io, open_channels(target, remaining, held, counters), asio::detached);
  }
  io.run();
  std::printf("held %zu\nfailures %ld\n", held.size(), counters.failures);
  std::fflush(stdout);
  if (counters.failures > 0)
    std::fprintf(stderr, "last failure: %s\n", counters.last_failure.c_str());
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) throw std::invalid_argument(kUsage);
    const std::string mode = argv[1];
    const bench::Arguments args(argc - 1, argv + 1, kUsage);
    if (mode == "handshakes") return run_handshakes(args);
    if (mode == "hold") return run_hold(args);
    throw std::invalid_argument(std::string("unknown mode ") + mode + "\n" + kUsage);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_load: %s\n", error.what());
    return 2;
  }
}
