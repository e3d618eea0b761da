// The mission's figure against the real bank_server, with an enrolled customer's certificate.
//
//   bench_otp --connect HOST:PORT --cert CERT --key KEY --ca-file CA [--server-name NAME]
//             [--channels C] [--seconds S] [--flows N]
//
// 1. C established channels, each repeating REQUEST + CONFIRM for S seconds:
//    "otp_round_trips_per_s X" (one round trip = OTP requested and confirmed, accepted).
// 2. N full flows one after the other (connect + mutual-auth handshake + request + confirm +
//    QUIT + close_notify): "flow_p50_ms X" and "flow_p99_ms Y".
#include <cstdio>
#include <string>
#include <vector>

#include "client/customer_session.hpp"
#include "common/app/channel_options.hpp"
#include "common/net/tls_stream.hpp"
#include "tests/bench/bench_support.hpp"

namespace {

using namespace sc;
namespace asio = net::asio;

constexpr const char* kUsage =
    "usage: bench_otp --connect HOST:PORT --cert CERT --key KEY --ca-file CA\n"
    "       [--server-name NAME] [--channels C] [--seconds S] [--flows N]";

const customer::Transaction kTransaction{"DE44500105175407324931", "250.00", "EUR", "ACME Ltd"};

struct Bank {
  std::string host;
  std::uint16_t port = 0;
  tls::ClientConfig config;
};

struct Counters {
  long round_trips = 0;
  long failures = 0;
  std::string last_failure;
};

asio::awaitable<void> request_and_confirm(customer::CustomerSession& session, Counters& counters) {
  customer::OtpDelivery delivery = co_await session.request_otp(kTransaction);
  customer::Confirmation confirmation =
      co_await session.confirm(delivery.transaction_id, delivery.code);
  if (confirmation.accepted) {
    ++counters.round_trips;
  } else {
    ++counters.failures;
    counters.last_failure = "confirmation rejected: " + confirmation.reason;
  }
}

asio::awaitable<void> channel_loop(const Bank& bank, bench::Clock::time_point deadline,
                                   Counters& counters) {
  try {
    auto stream = co_await net::connect(bank.host, bank.port, bank.config, {});
    customer::CustomerSession session(*stream);
    while (bench::Clock::now() < deadline) co_await request_and_confirm(session, counters);
    co_await session.quit();
    co_await stream->shutdown();
  } catch (const std::exception& error) {
    ++counters.failures;
    counters.last_failure = error.what();
  }
}

asio::awaitable<void> full_flows(const Bank& bank, int flows, std::vector<double>& latencies_ms,
                                 Counters& counters) {
  for (int i = 0; i < flows; ++i) {
    const auto start = bench::Clock::now();
    try {
      auto stream = co_await net::connect(bank.host, bank.port, bank.config, {});
      customer::CustomerSession session(*stream);
      co_await request_and_confirm(session, counters);
      co_await session.quit();
      co_await stream->shutdown();
      latencies_ms.push_back(bench::seconds_since(start) * 1000.0);
    } catch (const std::exception& error) {
      ++counters.failures;
      counters.last_failure = error.what();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bench::Arguments args(argc, argv, kUsage);
    Bank bank;
    std::tie(bank.host, bank.port) = net::parse_host_port(args.text("connect"));
    bank.config.server_name = args.text("server-name", "localhost");
    bank.config.credentials = app::load_credentials(args.text("cert"), args.text("key"));
    bank.config.verifier = bench::load_verifier(args.text("ca-file"));
    const int channels = static_cast<int>(args.number("channels", 4));
    const double seconds = args.number("seconds", 5);
    const int flows = static_cast<int>(args.number("flows", 50));

    Counters established;
    {
      asio::io_context io;
      const auto start = bench::Clock::now();
      const auto deadline = start + std::chrono::duration_cast<bench::Clock::duration>(
                                        std::chrono::duration<double>(seconds));
      for (int i = 0; i < channels; ++i) {
        asio::co_spawn(io, channel_loop(bank, deadline, established), asio::detached);
      }
      io.run();
      std::printf("otp_round_trips_per_s %.1f\n",
                  established.round_trips / bench::seconds_since(start));
    }
    Counters flow_counters;
    std::vector<double> latencies_ms;
    {
      asio::io_context io;
      asio::co_spawn(io, full_flows(bank, flows, latencies_ms, flow_counters), asio::detached);
      io.run();
    }
    std::printf("flow_p50_ms %.2f\nflow_p99_ms %.2f\nflows %zu\nfailures %ld\n",
                bench::percentile(latencies_ms, 50), bench::percentile(latencies_ms, 99),
                latencies_ms.size(), established.failures + flow_counters.failures);
    for (const Counters* c : {&established, &flow_counters}) {
      if (c->failures > 0)
        std::fprintf(stderr, "bench_otp: last failure: %s\n", c->last_failure.c_str());
    }
    return established.round_trips > 0 && !latencies_ms.empty() ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_otp: %s\n", error.what());
    return 2;
  }
}
