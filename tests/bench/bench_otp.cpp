// The mission's figure against the real bank_server, with an enrolled customer's certificate.
//
//   bench_otp --connect HOST:PORT[,HOST:PORT...] --cert CERT --key KEY --ca-file CA
//             [--server-name NAME] [--channels C] [--seconds S] [--flows N]
//             [--device-connect HOST:PORT [--pushes P]]
//
// 1. C established channels, each a device of the customer (SUBSCRIBE), repeating TRANSFER,
//    the OTP pushed back to it, CONFIRM for S seconds: "otp_round_trips_per_s X" (one round trip
//    = transfer started, its code pushed, confirmed and accepted). With several --connect
//    addresses (bank instances on one database) the channels are spread over them in turn.
// 2. N full flows one after the other on the first address (connect + mutual-auth handshake +
//    subscribe + transfer + push + confirm + QUIT + close_notify): "flow_p50_ms X" and
//    "flow_p99_ms Y". --flows 0 skips them.
// 3. With --device-connect: one device subscribed on that instance, P transfers one after the
//    other on a channel to the first --connect address (another instance), each confirmed there:
//    "cross_push_p50_ms X" / "cross_push_p99_ms Y" from sending TRANSFER to the OTP line
//    received by the device, "cross_push_after_answer_p50_ms" / "..._p99_ms" from the TRANSFER
//    answer to that line (negative when the push arrived first).
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
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
    "usage: bench_otp --connect HOST:PORT[,HOST:PORT...] --cert CERT --key KEY --ca-file CA\n"
    "       [--server-name NAME] [--channels C] [--seconds S] [--flows N]\n"
    "       [--device-connect HOST:PORT [--pushes P]]";

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

// An OTP line as the device received it.
struct Push {
  std::string code;
  bench::Clock::time_point received;
};

// One device channel: the OTPs pushed to it, by transaction.
struct DeviceChannel {
  std::shared_ptr<customer::BankConnection> connection;
  std::shared_ptr<std::map<std::string, Push>> codes =
      std::make_shared<std::map<std::string, Push>>();
};

asio::awaitable<DeviceChannel> open_device(const Bank& bank) {
  auto stream = co_await net::connect(bank.host, bank.port, bank.config, {});
  DeviceChannel device;
  device.connection = std::make_shared<customer::BankConnection>(
      stream, [codes = device.codes](const otp::BankAnswer& push) {
        if (const auto* otp_push = std::get_if<otp::OtpPush>(&push)) {
          (*codes)[otp_push->transaction_id] = Push{otp_push->code, bench::Clock::now()};
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
      co_await session.confirm(started.transaction_id, code->second.code);
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

// After a failure (a refused transfer, a lost channel): closes the connection, if any, so that
// its reader ends and io_context::run returns.
asio::awaitable<void> abandon(std::shared_ptr<customer::BankConnection> connection) {
  if (!connection || connection->closed()) co_return;
  try {
    co_await connection->close();
  } catch (const std::exception&) {
    // The channel is gone either way.
  }
}

asio::awaitable<void> channel_loop(const Bank& bank, bench::Clock::time_point deadline,
                                   Counters& counters) {
  DeviceChannel device;
  bool failed = false;
  try {
    device = co_await open_device(bank);
    while (bench::Clock::now() < deadline) co_await transfer_and_confirm(device, counters);
    co_await close_device(device);
  } catch (const std::exception& error) {
    ++counters.failures;
    counters.last_failure = error.what();
    failed = true;
  }
  if (failed) co_await abandon(device.connection);
}

// A channel that only starts transfers and confirms (no SUBSCRIBE: its pushes go elsewhere).
asio::awaitable<std::shared_ptr<customer::BankConnection>> open_plain(const Bank& bank) {
  auto stream = co_await net::connect(bank.host, bank.port, bank.config, {});
  auto connection =
      std::make_shared<customer::BankConnection>(stream, [](const otp::BankAnswer&) {});
  connection->start();
  co_return connection;
}

struct CrossPushLatencies {
  std::vector<double> from_send_ms;
  std::vector<double> from_answer_ms;
};

// The device listens on `device_bank`; each transfer starts on `bank` (another instance) and
// is confirmed there, one after the other.
asio::awaitable<void> cross_pushes(const Bank& bank, const Bank& device_bank, int pushes,
                                   CrossPushLatencies& latencies, Counters& counters) {
  DeviceChannel device;
  std::shared_ptr<customer::BankConnection> origin;
  bool failed = false;
  try {
    device = co_await open_device(device_bank);
    origin = co_await open_plain(bank);
    customer::CustomerSession session(*origin);
    for (int i = 0; i < pushes; ++i) {
      const auto sent = bench::Clock::now();
      const otp::TransferStartedAnswer started = co_await session.transfer(kTransaction);
      const auto answered = bench::Clock::now();
      const auto deadline = answered + std::chrono::seconds(10);
      while (!device.codes->count(started.transaction_id) &&
             customer::BankConnection::Clock::now() < deadline && !device.connection->closed()) {
        co_await device.connection->wait_for_activity(deadline);
      }
      auto push = device.codes->find(started.transaction_id);
      if (push == device.codes->end()) {
        ++counters.failures;
        counters.last_failure = "no OTP crossed to the device for " + started.transaction_id;
        continue;
      }
      using Ms = std::chrono::duration<double, std::milli>;
      latencies.from_send_ms.push_back(Ms(push->second.received - sent).count());
      latencies.from_answer_ms.push_back(Ms(push->second.received - answered).count());
      const customer::ConfirmResult confirmation =
          co_await session.confirm(started.transaction_id, push->second.code);
      device.codes->erase(push);
      if (confirmation.accepted) {
        ++counters.round_trips;
      } else {
        ++counters.failures;
        counters.last_failure = "cross-instance confirmation rejected";
      }
    }
    customer::CustomerSession origin_session(*origin);
    co_await origin_session.quit();
    co_await origin->close();
    co_await close_device(device);
  } catch (const std::exception& error) {
    ++counters.failures;
    counters.last_failure = error.what();
    failed = true;
  }
  if (failed) {
    co_await abandon(origin);
    co_await abandon(device.connection);
  }
}

std::vector<std::string> split_addresses(const std::string& text) {
  std::vector<std::string> addresses;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string::npos ? text.size() : comma;
    if (end > start) addresses.push_back(text.substr(start, end - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (addresses.empty()) throw std::runtime_error("--connect names no HOST:PORT");
  return addresses;
}

asio::awaitable<void> full_flows(const Bank& bank, int flows, std::vector<double>& latencies_ms,
                                 Counters& counters) {
  for (int i = 0; i < flows; ++i) {
    const auto start = bench::Clock::now();
    DeviceChannel device;
    bool failed = false;
    try {
      device = co_await open_device(bank);
      co_await transfer_and_confirm(device, counters);
      co_await close_device(device);
      latencies_ms.push_back(bench::seconds_since(start) * 1000.0);
    } catch (const std::exception& error) {
      ++counters.failures;
      counters.last_failure = error.what();
      failed = true;
    }
    if (failed) co_await abandon(device.connection);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bench::Arguments args(argc, argv, kUsage);
    Bank first;
    first.config.server_name = args.text("server-name", "localhost");
    first.config.credentials = app::load_credentials(args.text("cert"), args.text("key"));
    first.config.verifier = bench::load_verifier(args.text("ca-file"));
    std::vector<Bank> banks;
    for (const std::string& address : split_addresses(args.text("connect"))) {
      Bank bank = first;
      std::tie(bank.host, bank.port) = net::parse_host_port(address);
      banks.push_back(bank);
    }
    const Bank& bank = banks.front();
    const int channels = static_cast<int>(args.number("channels", 4));
    const double seconds = args.number("seconds", 5);
    const int flows = static_cast<int>(args.number("flows", 50));
    const std::string device_address = args.text("device-connect", "");
    const int pushes = static_cast<int>(args.number("pushes", 100));

    Counters established;
    if (channels > 0 && seconds > 0) {
      asio::io_context io;
      const auto start = bench::Clock::now();
      const auto deadline = start + std::chrono::duration_cast<bench::Clock::duration>(
                                        std::chrono::duration<double>(seconds));
      for (int i = 0; i < channels; ++i) {
        const Bank& target = banks[static_cast<std::size_t>(i) % banks.size()];
        asio::co_spawn(io, channel_loop(target, deadline, established), asio::detached);
      }
      io.run();
      std::printf("otp_round_trips_per_s %.1f\n",
                  established.round_trips / bench::seconds_since(start));
    }
    Counters flow_counters;
    std::vector<double> latencies_ms;
    if (flows > 0) {
      asio::io_context io;
      asio::co_spawn(io, full_flows(bank, flows, latencies_ms, flow_counters), asio::detached);
      io.run();
      std::printf("flow_p50_ms %.2f\nflow_p99_ms %.2f\nflows %zu\n",
                  bench::percentile(latencies_ms, 50), bench::percentile(latencies_ms, 99),
                  latencies_ms.size());
    }
    Counters cross_counters;
    CrossPushLatencies cross;
    if (!device_address.empty()) {
      Bank device_bank = first;
      std::tie(device_bank.host, device_bank.port) = net::parse_host_port(device_address);
      asio::io_context io;
      asio::co_spawn(io, cross_pushes(bank, device_bank, pushes, cross, cross_counters),
                     asio::detached);
      io.run();
      std::printf(
          "cross_push_p50_ms %.2f\ncross_push_p99_ms %.2f\n"
          "cross_push_after_answer_p50_ms %.2f\ncross_push_after_answer_p99_ms %.2f\n"
          "cross_pushes %zu\n",
          bench::percentile(cross.from_send_ms, 50), bench::percentile(cross.from_send_ms, 99),
          bench::percentile(cross.from_answer_ms, 50), bench::percentile(cross.from_answer_ms, 99),
          cross.from_send_ms.size());
    }
    std::printf("failures %ld\n",
                established.failures + flow_counters.failures + cross_counters.failures);
    for (const Counters* c : {&established, &flow_counters, &cross_counters}) {
      if (c->failures > 0)
        std::fprintf(stderr, "bench_otp: last failure: %s\n", c->last_failure.c_str());
    }
    const bool measured_rate = !(channels > 0 && seconds > 0) || established.round_trips > 0;
    const bool measured_flows = flows <= 0 || !latencies_ms.empty();
    const bool measured_cross = device_address.empty() || !cross.from_send_ms.empty();
    return measured_rate && measured_flows && measured_cross ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_otp: %s\n", error.what());
    return 2;
  }
}
