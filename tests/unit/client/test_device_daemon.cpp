// The device daemon against a fake bank on 127.0.0.1 (real TLS 1.3, mutual authentication):
// it subscribes, shows pushed codes, keeps the channel alive with PING, reconnects and
// subscribes again when the bank goes away or stops answering, and stops with close_notify.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "client/customer_session.hpp"
#include "client/device_daemon.hpp"
#include "common/net/listener.hpp"
#include "common/otp/line_assembler.hpp"
#include "tests/unit/net/test_identities.hpp"

using namespace sc;
using namespace std::chrono_literals;
namespace asio = net::asio;

namespace {

test::TestIdentities& identities() {
  static test::TestIdentities instance("sc-client-test");
  return instance;
}

enum class BankBehaviour {
  DropFirstChannel,  // pushes a code on the first channel, then closes it
  IgnorePings,       // never answers PING on the first channel
};

// A bank that speaks just enough of the protocol: SUBSCRIBE -> SUBSCRIBED and one OTP push
// naming the channel's number, PING -> PONG, QUIT -> BYE.
struct FakeBank {
  BankBehaviour behaviour;
  std::atomic<int> channels{0};
  std::atomic<int> subscriptions{0};
  std::atomic<int> pings{0};
  std::atomic<int> closed_by_client{0};

  asio::awaitable<void> serve(net::TlsStream& stream) {
    const int channel = ++channels;
    otp::LineAssembler assembler;
    for (;;) {
      Bytes data;
      try {
        data = co_await stream.read();
      } catch (const std::exception&) {
        co_return;
      }
      if (data.empty()) {
        ++closed_by_client;  // close_notify from the daemon
        co_return;
      }
      for (const auto& line : assembler.feed(data)) {
        const otp::BankRequest request = otp::parse_request(line.text);
        std::string answer;
        if (std::holds_alternative<otp::SubscribeRequest>(request)) {
          ++subscriptions;
          otp::OtpPush push;
          push.transaction_id = "T" + std::to_string(channel);
          push.code = "25634" + std::to_string(channel % 10);
          push.details = {"DE89370400440532013000", 10000000, "INR", "your friend"};
          push.expires_in = 120;
          push.expires_at = "2026-11-23T12:34:56Z";
          answer = otp::format_subscribed({1, 1}) + "\n" + otp::format_otp_push(push) + "\n";
          co_await stream.write(as_bytes(answer));
          if (channel == 1 && behaviour == BankBehaviour::DropFirstChannel) co_return;
        } else if (std::holds_alternative<otp::PingRequest>(request)) {
          ++pings;
          if (channel == 1 && behaviour == BankBehaviour::IgnorePings) continue;
          answer = std::string(otp::kPongLine) + "\n";
          // A push after the PONG lets the test see that this PING was answered.
          if (behaviour == BankBehaviour::IgnorePings) {
            answer += otp::format_warning({otp::WarningReason::LastAttempt, 1}) + "\n";
          }
          co_await stream.write(as_bytes(answer));
        } else if (const auto* transfer = std::get_if<otp::TransferRequest>(&request)) {
          // The push (to every device, this channel included when subscribed) may come before
          // the answer: the client must tell them apart.
          otp::OtpPush push;
          push.transaction_id = "T99";
          push.code = "123456";
          push.details = transfer->details;
          push.expires_in = 60;
          push.expires_at = "2026-11-23T12:34:56Z";
          answer = otp::format_otp_push(push) + "\n" +
                   otp::format_transfer_started({"T99", 1, 60, "2026-11-23T12:34:56Z"}) + "\n";
          co_await stream.write(as_bytes(answer));
        } else if (std::holds_alternative<otp::ConfirmRequest>(request)) {
          answer = otp::format_rejected({"T99", otp::RejectionReason::WrongCode, 2, 4, ""}) + "\n";
          co_await stream.write(as_bytes(answer));
        } else if (std::holds_alternative<otp::QuitRequest>(request)) {
          answer = std::string(otp::kByeLine) + "\n";
          co_await stream.write(as_bytes(answer));
          co_return;
        }
      }
    }
  }
};

struct BankServer {
  asio::io_context io;
  FakeBank bank;
  net::Listener listener;
  std::thread thread;

  explicit BankServer(BankBehaviour behaviour)
      : bank{behaviour},
        listener(
            io, net::ListenerOptions{"127.0.0.1", 0, 16, {}},
            [] {
              tls::ServerConfig config;
              config.credentials = identities().bank;
              config.client_authentication = tls::ClientAuthentication::required;
              config.verifier = identities().verifier;
              return tls::ServerEngine::create(config);
            },
            [this](net::TlsStream& stream) { return bank.serve(stream); }) {
    listener.start();
    thread = std::thread([this] { io.run(); });
  }
  ~BankServer() {
    listener.stop();
    thread.join();
  }
};

// Records what the daemon reports and stops it once a condition holds.
struct RecordedEvents : customer::DeviceEvents {
  std::vector<std::string> codes;
  int connected_count = 0;
  int warnings = 0;
  int subscribed_count = 0;
  int disconnected_count = 0;
  std::vector<std::string> reasons;
  std::vector<unsigned> attempts;
  std::function<void()> after_event;

  void connected(const net::TlsStream&) override {
    ++connected_count;
    after_event();
  }
  void subscribed(const otp::SubscribedAnswer&) override {
    ++subscribed_count;
    after_event();
  }
  void pushed(const otp::BankAnswer& push) override {
    if (const auto* otp_push = std::get_if<otp::OtpPush>(&push)) codes.push_back(otp_push->code);
    if (std::holds_alternative<otp::WarningPush>(push)) ++warnings;
    after_event();
  }
  void disconnected(const std::string& reason) override {
    ++disconnected_count;
    reasons.push_back(reason);
    after_event();
  }
  void reconnecting(unsigned attempt, std::chrono::milliseconds) override {
    attempts.push_back(attempt);
    after_event();
  }
};

// Runs the daemon until `done` holds (then stops it) or a bounded time passes.
void run_daemon(BankServer& server, customer::DaemonSettings settings, RecordedEvents& events,
                std::function<bool()> done) {
  asio::io_context io;
  const std::uint16_t port = server.listener.port();
  customer::DeviceDaemon daemon(
      io.get_executor(),
      [port]() -> asio::awaitable<std::shared_ptr<net::TlsStream>> {
        tls::ClientConfig config;
        config.server_name = "localhost";
        config.verifier = identities().verifier;
        config.credentials = identities().customer;
        const std::string host = "127.0.0.1";
        co_return co_await net::connect(host, port, config, net::Timeouts{});
      },
      settings, events);
  events.after_event = [&] {
    if (done()) daemon.stop();
  };
  asio::steady_timer guard(io, 60s);  // bounded: a daemon that never gets there fails the test
  bool guard_fired = false;
  guard.async_wait([&](const boost::system::error_code& error) {
    if (error) return;
    guard_fired = true;
    daemon.stop();
  });
  bool finished = false;
  asio::co_spawn(io, daemon.run(), [&](std::exception_ptr failure) {
    finished = true;
    guard.cancel();
    if (failure) std::rethrow_exception(failure);
  });
  io.run();
  CHECK(finished);
  CHECK_FALSE(guard_fired);
}

// Polls a condition set by the server's thread; bounded.
bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

}  // namespace

TEST_CASE("the daemon shows pushed codes, reconnects when the bank goes away and subscribes again",
          "[client][daemon]") {
  BankServer server(BankBehaviour::DropFirstChannel);
  RecordedEvents events;
  run_daemon(server, {}, events, [&] { return events.codes.size() >= 2; });
  CHECK(events.codes == std::vector<std::string>{"256341", "256342"});
  CHECK(events.subscribed_count == 2);
  CHECK(events.disconnected_count >= 1);
  CHECK_THAT(events.reasons.front(), Catch::Contains("closed"));
  CHECK(server.bank.subscriptions == 2);
  // Stopped with close_notify on the second channel.
  CHECK(eventually([&] { return server.bank.closed_by_client >= 1; }));
}

TEST_CASE("the daemon PINGs when idle and reconnects when no PONG comes", "[client][daemon]") {
  BankServer server(BankBehaviour::IgnorePings);
  RecordedEvents events;
  customer::DaemonSettings settings;
  settings.keepalive = 1s;
  settings.pong_timeout = 1s;
  // Done once a PING on the second channel was answered (the bank pushes a warning after
  // that PONG): the first channel, whose PING went unanswered, was given up.
  run_daemon(server, settings, events, [&] { return events.warnings >= 1; });
  REQUIRE(events.disconnected_count >= 1);
  CHECK_THAT(events.reasons.front(), Catch::Contains("PONG"));
  CHECK(events.subscribed_count >= 2);
  CHECK(events.attempts.front() == 1);
  CHECK(server.bank.pings >= 2);
}

TEST_CASE("an unreachable bank is retried with growing delays, never in a spin",
          "[client][daemon]") {
  // A port with nothing listening: take one from a listener, then stop it.
  std::uint16_t port = 0;
  {
    BankServer server(BankBehaviour::DropFirstChannel);
    port = server.listener.port();
  }
  asio::io_context io;
  RecordedEvents events;
  customer::DeviceDaemon daemon(
      io.get_executor(),
      [port]() -> asio::awaitable<std::shared_ptr<net::TlsStream>> {
        tls::ClientConfig config;
        config.server_name = "localhost";
        config.verifier = identities().verifier;
        config.credentials = identities().customer;
        const std::string host = "127.0.0.1";
        co_return co_await net::connect(host, port, config, net::Timeouts{});
      },
      {}, events);
  const auto started = std::chrono::steady_clock::now();
  events.after_event = [&] {
    if (events.attempts.size() >= 2) daemon.stop();
  };
  asio::co_spawn(io, daemon.run(), asio::detached);
  io.run();
  // Two failures: the waits before the first and second retries are at least 0.5 s and 1 s.
  CHECK(events.connected_count == 0);
  CHECK(events.attempts == std::vector<unsigned>{1, 2});
  CHECK(std::chrono::steady_clock::now() - started >= 500ms);
}

TEST_CASE(
    "a push between a request and its answer goes to the push handler, the answer to the "
    "request",
    "[client][session]") {
  BankServer server(BankBehaviour::DropFirstChannel);
  asio::io_context io;
  std::vector<std::string> pushed_codes;
  std::optional<otp::TransferStartedAnswer> started;
  std::optional<customer::ConfirmResult> confirmed;
  const std::uint16_t port = server.listener.port();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        tls::ClientConfig config;
        config.server_name = "localhost";
        config.verifier = identities().verifier;
        config.credentials = identities().customer;
        const std::string host = "127.0.0.1";
        auto stream = co_await net::connect(host, port, config, net::Timeouts{});
        auto connection =
            std::make_shared<customer::BankConnection>(stream, [&](const otp::BankAnswer& push) {
              if (const auto* otp_push = std::get_if<otp::OtpPush>(&push)) {
                pushed_codes.push_back(otp_push->code);
              }
            });
        connection->start();
        customer::CustomerSession session(*connection, std::chrono::seconds(20));
        const otp::TransactionDetails details{"DE89370400440532013000", 25000, "EUR",
                                              "ACME \"Ltd\""};
        started = co_await session.transfer(details);
        confirmed = co_await session.confirm("T99", "654321");
        co_await session.quit();
        co_await connection->close();
      },
      [](std::exception_ptr failure) {
        if (failure) std::rethrow_exception(failure);
      });
  io.run();
  REQUIRE(started.has_value());
  CHECK(started->transaction_id == "T99");
  CHECK(started->devices == 1);
  CHECK(pushed_codes == std::vector<std::string>{"123456"});
  REQUIRE(confirmed.has_value());
  CHECK_FALSE(confirmed->accepted);
  CHECK(confirmed->rejection.reason == otp::RejectionReason::WrongCode);
  CHECK(confirmed->rejection.customer_attempts_left == 4);
}
