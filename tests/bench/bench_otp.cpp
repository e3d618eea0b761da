// The mission's figure against the real bank_server, with an enrolled customer's certificate.
//
//   bench_otp --connect HOST:PORT --cert CERT --key KEY --ca-file CA [--server-name NAME]
//             [--channels C] [--seconds S] [--flows N]
//
// 1. C established channels, each a device of the customer (SUBSCRIBE), repeating TRANSFER,
//    the OTP pushed back to it, CONFIRM for S seconds: "otp_round_trips_per_s X" (one round trip
//    = transfer started, its code pushed, confirmed and accepted).
// 2. N full flows one after the other (connect + mutual-auth handshake + subscribe + transfer +
//    push + confirm + QUIT + close_notify): "flow_p50_ms X" and "flow_p99_ms Y".
#include <cstdio>
#include <map>
#include <memory>
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

const otp::TransactionDetails kTransaction{"DE44500105175407324931", 25000, "EUR", "ACME Ltd"};

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

// One device channel: the OTPs pushed to it, by transaction.
struct DeviceChannel {
  std::shared_ptr<customer::BankConnection> connection;
  std::shared_ptr<std::map<std::string, std::string>> codes =
      std::make_shared<std::map<std::string, std::string>>();
};

asio::awaitable<DeviceChannel> open_device(const Bank& bank) {
  auto stream = co_await net::connect(bank.host, bank.port, bank.config, {});
  DeviceChannel device;
  device.connection = std::make_shared<customer::BankConnection>(
      stream, [codes = device.codes](const otp::BankAnswer& push) {
        if (const auto* otp_push = std::get_if<otp::OtpPush>(&push)) {
          (*codes)[otp_push->transaction_id] = otp_push->code;
        }
      });
  device.connection->start();
  customer::CustomerSession session(*device.connection);
  co_await session.subscribe();
  co_return device;
}

asio::awaitable<void> transfer_and_confirm(DeviceChannel& device, Counters& counters) {
  customer::CustomerSession session(*device.connection);
  const otp::TransferStartedAnswer started = co_await session.transfer(kTransaction);
  // The push left the bank before the answer: it is here already, or arrives next.
  const auto deadline = customer::BankConnection::Clock::now() + std::chrono::seconds(10);
  while (!device.codes->count(started.transaction_id) &&
         customer::BankConnection::Clock::now() < deadline && !device.connection->closed()) {
    co_await device.connection->wait_for_activity(deadline);
  }
  auto code = device.codes->find(started.transaction_id);
  if (code == device.codes->end()) {
    ++counters.failures;
    counters.last_failure = "no OTP pushed for " + started.transaction_id;
    co_return;
  }
  const customer::ConfirmResult confirmation =
      co_await session.confirm(started.transaction_id, code->second);
  device.codes->erase(code);
  if (confirmation.accepted) {
    ++counters.round_trips;
  } else {
    ++counters.failures;
    counters.last_failure = std::string("confirmation rejected: ") +
                            otp::rejection_reason_name(confirmation.rejection.reason);
  }
}

asio::awaitable<void> close_device(DeviceChannel& device) {
  customer::CustomerSession session(*device.connection);
  co_await session.quit();
  co_await device.connection->close();
}

asio::awaitable<void> channel_loop(const Bank& bank, bench::Clock::time_point deadline,
                                   Counters& counters) {
  try {
    DeviceChannel device = co_await open_device(bank);
    while (bench::Clock::now() < deadline) co_await transfer_and_confirm(device, counters);
    co_await close_device(device);
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
      DeviceChannel device = co_await open_device(bank);
      co_await transfer_and_confirm(device, counters);
      co_await close_device(device);
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
