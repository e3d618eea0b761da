// A TLS 1.3 load generator built on our client engine and TlsStream, so it drives our server,
// nginx and `openssl s_server` the same way.
//
//   bench_load handshakes --connect HOST:PORT --ca-file CA [--suite NAME] [--concurrency N]
//                         [--seconds S] [--server-name NAME] [--cert F --key F] [--threads T]
//     T threads (each with its own io_context) run N coroutines each; a coroutine repeats:
//     connect, full handshake, close_notify, close. Prints "handshakes N", "seconds S",
//     "handshakes_per_s X" and "failures N".
//   bench_load hold --connect HOST:PORT --ca-file CA [--count N] [--concurrency N] [--threads T]
//                   [--sources A,B,... | --source-count K] [--cert F --key F]
//     Opens N channels (full handshakes) and keeps them idle; prints "held N" once all are
//     open (or failed), then waits for standard input to close and exits. One source address
//     has about 28,000 ephemeral ports towards one server port: --sources binds the sockets
//     to the given local addresses in turn, --source-count K to 127.0.0.1 ... 127.0.0.K.
//
// --cert/--key: the client certificate sent when the server asks for one (mutual auth).
// The open-files limit is raised to the hard limit at start (one descriptor per channel).
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "common/app/channel_options.hpp"
#include "common/net/tls_stream.hpp"
#include "tests/bench/bench_support.hpp"

namespace {

using namespace sc;
namespace asio = net::asio;
using net::tcp;

constexpr const char* kUsage =
    "usage: bench_load handshakes|hold --connect HOST:PORT --ca-file CA [--suite NAME]\n"
    "       [--concurrency N] [--threads T] [--seconds S] [--count N] [--server-name NAME]\n"
    "       [--cert FILE --key FILE] [--sources ADDR,ADDR,... | --source-count K]";

// What every connection of one thread needs; each thread builds its own (no sharing of the
// verifier or the key between threads).
struct Target {
  tcp::endpoint server;
  std::string label;
  tls::ClientConfig config;
};

tcp::endpoint resolve(const std::string& host, std::uint16_t port) {
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, std::to_string(port));
  if (results.empty()) throw std::runtime_error("cannot resolve " + host);
  return results.begin()->endpoint();
}

Target make_target(const bench::Arguments& args) {
  Target target;
  const auto [host, port] = net::parse_host_port(args.text("connect"));
  target.server = resolve(host, port);
  target.label = host + ":" + std::to_string(port);
  target.config.server_name = args.text("server-name", "localhost");
  target.config.verifier = bench::load_verifier(args.text("ca-file"));
  const std::string suite = args.text("suite", "");
  if (!suite.empty()) {
    auto found = tls::cipher_suite_from_name(suite);
    if (!found) throw std::invalid_argument("unknown suite " + suite);
    target.config.cipher_suites = {*found};
  }
  const std::string certificate = args.text("cert", "");
  const std::string key = args.text("key", "");
  if (certificate.empty() != key.empty()) {
    throw std::invalid_argument("give both --cert and --key, or neither");
  }
  if (!certificate.empty()) target.config.credentials = app::load_credentials(certificate, key);
  return target;
}

// --sources A,B,... or --source-count K (127.0.0.1 ... 127.0.0.K); empty: the kernel chooses.
std::vector<asio::ip::address> source_addresses(const bench::Arguments& args) {
  std::vector<asio::ip::address> sources;
  const std::string list = args.text("sources", "");
  const long count = static_cast<long>(args.number("source-count", 0));
  if (!list.empty() && count > 0) throw std::invalid_argument("give --sources or --source-count");
  std::size_t start = 0;
  while (start < list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    sources.push_back(asio::ip::make_address(list.substr(start, comma - start)));
    start = comma + 1;
  }
  if (count > 254) throw std::invalid_argument("--source-count is at most 254 (127.0.0.1-254)");
  for (long i = 0; i < count; ++i) {
    sources.push_back(asio::ip::make_address("127.0.0." + std::to_string(1 + i)));
  }
  return sources;
}

// One descriptor per channel: take all the hard limit allows (a shell's soft limit is often
// 1024). Says so when the hard limit is below what was asked for.
void raise_open_files_limit(long wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    std::perror("bench_load: setrlimit(RLIMIT_NOFILE)");
    return;
  }
  if (limit.rlim_max != RLIM_INFINITY && static_cast<long>(limit.rlim_max) < wanted + 64) {
    std::fprintf(stderr,
                 "bench_load: the open-files hard limit is %lu, below the %ld channels asked for; "
                 "raise it (ulimit -Hn, as root) or expect failures\n",
                 static_cast<unsigned long>(limit.rlim_max), wanted);
  }
}

// Connects (from source when given) and completes the handshake within timeouts.handshake.
asio::awaitable<std::shared_ptr<net::TlsStream>> open_channel(
    const Target& target, const std::optional<asio::ip::address>& source, net::Timeouts timeouts) {
  const auto started = net::TlsStream::Clock::now();
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  socket.open(target.server.protocol());
  if (source) {
    // The port is chosen at connect time, by the whole 4-tuple: each source address then has
    // its own ~28,000 ephemeral ports towards the server.
    const int on = 1;
    if (::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof on) !=
        0) {
      throw std::system_error(errno, std::generic_category(),
                              "setsockopt(IP_BIND_ADDRESS_NO_PORT)");
    }
    socket.bind(tcp::endpoint(*source, 0));
  }
  co_await socket.async_connect(target.server, asio::use_awaitable);
  socket.set_option(tcp::no_delay(true));
  tls::ClientConfig config = target.config;
  auto engine = tls::ClientEngine::create(std::move(config));
  auto stream = std::make_shared<net::TlsStream>(std::move(socket), std::move(engine), timeouts,
                                                 target.label, started);
  co_await stream->handshake();
  co_return stream;
}

struct Counters {
  long handshakes = 0;
  long failures = 0;
  std::string last_failure;
};

// ---------------------------------------------------------------- handshakes
asio::awaitable<void> handshake_loop(const Target& target, bench::Clock::time_point deadline,
                                     Counters& counters) {
  const std::optional<asio::ip::address> any_source;  // named, not temporaries in co_await (GCC 12)
  const net::Timeouts timeouts;
  while (bench::Clock::now() < deadline) {
    try {
      auto stream = co_await open_channel(target, any_source, timeouts);
      ++counters.handshakes;
      co_await stream->shutdown();
    } catch (const std::exception& error) {
      ++counters.failures;
      counters.last_failure = error.what();
    }
  }
}

// One thread's share: its own io_context, target and counters.
struct HandshakeWorker {
  explicit HandshakeWorker(const bench::Arguments& args) : target(make_target(args)) {}
  Target target;
  Counters counters;
  asio::io_context io;
};

int run_handshakes(const bench::Arguments& args) {
  const int concurrency = static_cast<int>(args.number("concurrency", 8));
  const int thread_count = static_cast<int>(args.number("threads", 1));
  const double seconds = args.number("seconds", 5);
  if (concurrency < 1 || thread_count < 1) {
    throw std::invalid_argument("--concurrency and --threads must be at least 1");
  }
  raise_open_files_limit(static_cast<long>(concurrency) * thread_count);
  std::vector<std::unique_ptr<HandshakeWorker>> workers;
  for (int t = 0; t < thread_count; ++t) workers.push_back(std::make_unique<HandshakeWorker>(args));

  const auto start = bench::Clock::now();
  const auto deadline = start + std::chrono::duration_cast<bench::Clock::duration>(
                                    std::chrono::duration<double>(seconds));
  for (auto& worker : workers) {
    for (int i = 0; i < concurrency; ++i) {
      asio::co_spawn(worker->io, handshake_loop(worker->target, deadline, worker->counters),
                     asio::detached);
    }
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&io = worker->io] { io.run(); });
  for (auto& thread : threads) thread.join();
  const double elapsed = bench::seconds_since(start);

  Counters total;
  for (const auto& worker : workers) {
    total.handshakes += worker->counters.handshakes;
    total.failures += worker->counters.failures;
    if (!worker->counters.last_failure.empty()) total.last_failure = worker->counters.last_failure;
  }
  std::printf("handshakes %ld\nseconds %.3f\nhandshakes_per_s %.1f\nfailures %ld\n",
              total.handshakes, elapsed, total.handshakes / elapsed, total.failures);
  if (total.failures > 0) std::fprintf(stderr, "last failure: %s\n", total.last_failure.c_str());
  return total.handshakes > 0 ? 0 : 1;
}

// ---------------------------------------------------------------- hold
// One thread's share of the channels. The io_context is declared first so that the streams
// (and their timers) are destroyed before it.
struct HoldWorker {
  explicit HoldWorker(const bench::Arguments& args) : target(make_target(args)) {}
  asio::io_context io;
  Target target;
  long remaining = 0;
  std::size_t next_source = 0;  // this thread's turn over the source addresses
  std::vector<std::shared_ptr<net::TlsStream>> held;
  Counters counters;
};

asio::awaitable<void> open_channels(HoldWorker& worker,
                                    const std::vector<asio::ip::address>& sources) {
  net::Timeouts timeouts;
  timeouts.handshake = std::chrono::seconds(60);
  timeouts.idle = std::chrono::hours(24);
  while (worker.remaining > 0) {
    --worker.remaining;
    std::optional<asio::ip::address> source;
    if (!sources.empty()) source = sources[worker.next_source++ % sources.size()];
    try {
      auto stream = co_await open_channel(worker.target, source, timeouts);
      worker.held.push_back(std::move(stream));
    } catch (const std::exception& error) {
      ++worker.counters.failures;
      worker.counters.last_failure = error.what();
    }
  }
}

int run_hold(const bench::Arguments& args) {
  const long count = static_cast<long>(args.number("count", 1000));
  const int concurrency = static_cast<int>(args.number("concurrency", 16));
  const int thread_count = static_cast<int>(args.number("threads", 1));
  if (count < 0 || concurrency < 1 || thread_count < 1) {
    throw std::invalid_argument("--count must be >= 0, --concurrency and --threads >= 1");
  }
  const std::vector<asio::ip::address> sources = source_addresses(args);
  raise_open_files_limit(count);
  std::vector<std::unique_ptr<HoldWorker>> workers;
  for (int t = 0; t < thread_count; ++t) {
    auto worker = std::make_unique<HoldWorker>(args);
    worker->remaining = count / thread_count + (t < count % thread_count ? 1 : 0);
    worker->next_source = static_cast<std::size_t>(t);
    worker->held.reserve(static_cast<std::size_t>(worker->remaining));
    workers.push_back(std::move(worker));
  }
  for (auto& worker : workers) {
    for (int i = 0; i < concurrency; ++i) {
      asio::co_spawn(worker->io, open_channels(*worker, sources), asio::detached);
    }
  }
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&io = worker->io] { io.run(); });
  for (auto& thread : threads) thread.join();

  std::size_t held = 0;
  long failures = 0;
  std::string last_failure;
  for (const auto& worker : workers) {
    held += worker->held.size();
    failures += worker->counters.failures;
    if (!worker->counters.last_failure.empty()) last_failure = worker->counters.last_failure;
  }
  std::printf("held %zu\nfailures %ld\n", held, failures);
  std::fflush(stdout);
  if (failures > 0) std::fprintf(stderr, "last failure: %s\n", last_failure.c_str());
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) throw std::invalid_argument(kUsage);
    spdlog::set_level(spdlog::level::warn);  // one info line per connection would cost the load
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
