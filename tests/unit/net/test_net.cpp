// The Asio transport with the real engines on 127.0.0.1: a listener, clients, deadlines
// (handshake, write, idle), the connection caps and eviction, abort with an alert, and
// graceful shutdown.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "common/net/listener.hpp"
#include "tests/unit/net/test_identities.hpp"

using namespace sc;
using namespace std::chrono_literals;
namespace asio = net::asio;

namespace {

test::TestIdentities& identities() {
  static test::TestIdentities instance("sc-net-test");
  return instance;
}

tls::ServerConfig server_config(tls::ClientAuthentication client_authentication) {
  tls::ServerConfig config;
  config.credentials = identities().bank;
  config.client_authentication = client_authentication;
  config.verifier = identities().verifier;
  return config;
}

tls::ClientConfig client_config() {
  tls::ClientConfig config;
  config.server_name = "localhost";
  config.verifier = identities().verifier;
  config.credentials = identities().customer;
  return config;
}

// Echoes every chunk back, prefixed, until the peer closes.
asio::awaitable<void> echo(net::TlsStream& stream) {
  for (;;) {
    Bytes data = co_await stream.read();
    if (data.empty()) co_return;
    std::string answer = "echo: " + std::string(data.begin(), data.end());
    co_await stream.write(as_bytes(answer));
  }
}

// Runs a listener on its own thread for the duration of a test.
struct Server {
  asio::io_context io;
  net::Listener listener;
  std::thread thread;

  Server(net::ListenerOptions options, tls::ServerConfig config, net::SessionHandler handler = echo)
      : listener(
            io, std::move(options), [config] { return tls::ServerEngine::create(config); },
            std::move(handler)) {
    listener.start();
    thread = std::thread([this] { io.run(); });
  }
  ~Server() {
    listener.stop();
    thread.join();
  }
  std::uint16_t port() const { return listener.port(); }
};

net::Timeouts deadlines(std::chrono::milliseconds handshake, std::chrono::milliseconds write,
                        std::chrono::milliseconds idle) {
  net::Timeouts timeouts;
  timeouts.handshake = handshake;
  timeouts.write = write;
  timeouts.idle = idle;
  return timeouts;
}

net::ListenerOptions options_with(net::Timeouts timeouts = {}, std::size_t max_connections = 64) {
  net::ListenerOptions options;
  options.max_connections = max_connections;
  options.timeouts = timeouts;
  return options;
}

// Polls condition every 20 ms for at most `limit`; true once it holds.
bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit = 20s) {
  auto give_up = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// True once the peer has closed the connection (EOF or reset), false if it is still open after
// `limit`. Whatever the peer sends first (an alert, close_notify) is read and dropped.
bool closed_by_peer(net::tcp::socket& socket, std::chrono::seconds limit = 20s) {
  socket.non_blocking(true);
  std::array<char, 256> buffer{};
  return eventually(
      [&] {
        boost::system::error_code error;
        socket.read_some(asio::buffer(buffer), error);
        return error && error != asio::error::would_block;
      },
      limit);
}

bool still_open(net::tcp::socket& socket) {
  socket.non_blocking(true);
  std::array<char, 256> buffer{};
  boost::system::error_code error;
  socket.read_some(asio::buffer(buffer), error);
  return error == asio::error::would_block;
}

template <typename T>
T run(asio::awaitable<T> operation) {
  asio::io_context io;
  std::optional<T> result;
  std::exception_ptr failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          result.emplace(co_await std::move(operation));
        } catch (...) {
          failure = std::current_exception();
        }
      },
      asio::detached);
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*result);
}

asio::awaitable<std::string> exchange(std::uint16_t port, std::string message) {
  auto stream = co_await net::connect("127.0.0.1", port, client_config(), {});
  co_await stream->write(as_bytes(message));
  Bytes answer = co_await stream->read();
  co_await stream->shutdown();
  co_return std::string(answer.begin(), answer.end());
}

}  // namespace

TEST_CASE("a client and the listener exchange data over a mutually authenticated channel",
          "[net]") {
  Server server(options_with(), server_config(tls::ClientAuthentication::required));
  CHECK(run(exchange(server.port(), "hello")) == "echo: hello");
}

// Handshake flights and answers are written whole and must leave at once: every accepted
// socket has Nagle's algorithm off (the listener sets TCP_NODELAY on the listening socket, and
// Linux copies it to each accepted one).
TEST_CASE("accepted connections have TCP_NODELAY set", "[net]") {
  std::atomic<int> no_delay{-1};
  Server server(options_with(), server_config(tls::ClientAuthentication::required),
                [&](net::TlsStream& stream) -> asio::awaitable<void> {
                  net::tcp::no_delay option;
                  stream.socket().get_option(option);
                  no_delay = option.value() ? 1 : 0;
                  co_await echo(stream);
                });
  CHECK(run(exchange(server.port(), "hello")) == "echo: hello");
  CHECK(no_delay == 1);
}

TEST_CASE("writes larger than one record arrive whole, in records of at most 2^14 bytes", "[net]") {
  Server server(options_with(), server_config(tls::ClientAuthentication::none));
  auto large = [&]() -> asio::awaitable<std::size_t> {
    auto stream = co_await net::connect("127.0.0.1", server.port(), client_config(), {});
    co_await stream->write(as_bytes(std::string(40000, 'x')));
    std::size_t received = 0;
    // Three records (16384 + 16384 + 7232 bytes), each echoed with a 6-byte prefix.
    while (received < 40000 + 3 * 6) {
      Bytes chunk = co_await stream->read();
      if (chunk.empty()) break;
      CHECK(chunk.size() <= 16384 + 6);
      received += chunk.size();
    }
    co_await stream->shutdown();
    co_return received;
  };
  CHECK(run(large()) == 40000 + 3 * 6);
}

TEST_CASE("a server that requires a certificate refuses a client without one", "[net]") {
  Server server(options_with(), server_config(tls::ClientAuthentication::required));
  auto anonymous = [&]() -> asio::awaitable<std::string> {
    tls::ClientConfig config = client_config();
    config.credentials.reset();
    auto stream = co_await net::connect("127.0.0.1", server.port(), config, {});
    co_await stream->write(as_bytes("hi"));
    co_await stream->read();
    co_return std::string("no error");
  };
  try {
    run(anonymous());
    FAIL("the channel should have failed");
  } catch (const net::ChannelError& error) {
    CHECK(error.is_alert());
    CHECK(error.code() == net::make_error_code(tls::AlertDescription::certificate_required));
  }
}

TEST_CASE("a client refuses a server whose name does not match", "[net]") {
  Server server(options_with(), server_config(tls::ClientAuthentication::none));
  auto wrong_name = [&]() -> asio::awaitable<int> {
    tls::ClientConfig config = client_config();
    config.server_name = "bank.example";
    co_await net::connect("127.0.0.1", server.port(), config, {});
    co_return 0;
  };
  try {
    run(wrong_name());
    FAIL("the handshake should have failed");
  } catch (const net::ChannelError& error) {
    CHECK(error.is_alert());
    CHECK(error.origin() == net::AlertOrigin::local);
    CHECK(std::string(error.what()).find("bank.example") != std::string::npos);
  }
}

TEST_CASE("a peer that never finishes its handshake is cut off at the timeout", "[net]") {
  Server server(options_with(deadlines(300ms, 5s, 5s)),
                server_config(tls::ClientAuthentication::none));
  asio::io_context io;
  net::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  // Say nothing; the server must close the connection by itself (it may send close_notify).
  std::array<char, 64> buffer{};
  boost::system::error_code error;
  auto started = std::chrono::steady_clock::now();
  while (!error) socket.read_some(asio::buffer(buffer), error);
  CHECK(error == asio::error::eof);
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  for (int i = 0; i < 50 && server.listener.active_connections() > 0; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(server.listener.active_connections() == 0);  // the slot is free again
}

TEST_CASE("an idle channel is closed after the idle timeout", "[net]") {
  Server server(options_with(deadlines(5s, 5s, 300ms)),
                server_config(tls::ClientAuthentication::none));
  auto idle = [&]() -> asio::awaitable<std::size_t> {
    auto stream = co_await net::connect("127.0.0.1", server.port(), client_config(), {});
    Bytes data = co_await stream->read();  // the server closes with close_notify
    co_return data.size();
  };
  CHECK(run(idle()) == 0);
}

TEST_CASE("connections beyond the cap are refused while the others are served", "[net]") {
  Server server(options_with(deadlines(5s, 5s, 5s), 1),
                server_config(tls::ClientAuthentication::none));
  auto hold_and_probe = [&]() -> asio::awaitable<std::string> {
    auto first = co_await net::connect("127.0.0.1", server.port(), client_config(), {});
    std::string refused;
    try {
      co_await net::connect("127.0.0.1", server.port(), client_config(), deadlines(1s, 1s, 1s));
      refused = "accepted";
    } catch (const std::exception& error) {
      refused = "refused";
    }
    co_await first->write(as_bytes("still here"));
    Bytes answer = co_await first->read();
    co_await first->shutdown();
    co_return refused + " / " + std::string(answer.begin(), answer.end());
  };
  CHECK(run(hold_and_probe()) == "refused / echo: still here");
}

TEST_CASE("stopping the listener ends live sessions with close_notify", "[net]") {
  auto server =
      std::make_unique<Server>(options_with(), server_config(tls::ClientAuthentication::none));
  auto wait_for_close = [&]() -> asio::awaitable<std::string> {
    auto stream = co_await net::connect("127.0.0.1", server->port(), client_config(), {});
    co_await stream->write(as_bytes("ping"));
    co_await stream->read();
    server->listener.stop();
    Bytes after = co_await stream->read();  // empty: close_notify, not a truncation error
    co_return after.empty() ? "close_notify" : "data";
  };
  CHECK(run(wait_for_close()) == "close_notify");
}

TEST_CASE("a peer trickling its ClientHello is cut at the absolute handshake deadline", "[net]") {
  // One byte every 100 ms: a timer re-armed on each read would never fire (issue 13).
  asio::io_context io;
  net::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  const Bytes client_hello = tls::ClientEngine::create(client_config())->take_output();
  REQUIRE(client_hello.size() > 40);
  std::size_t sent = 0;
  std::size_t sent_when_cut = 0;
  bool server_done = false;
  std::optional<std::error_code> failure;
  std::string sentence;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto socket = co_await acceptor.async_accept(asio::use_awaitable);
        auto stream = std::make_shared<net::TlsStream>(
            std::move(socket),
            tls::ServerEngine::create(server_config(tls::ClientAuthentication::none)),
            deadlines(1s, 5s, 5s), "trickler");
        try {
          co_await stream->handshake();
        } catch (const net::ChannelError& error) {
          failure = error.code();
          sentence = error.what();
        }
        sent_when_cut = sent;
        server_done = true;
        co_await stream->shutdown();
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        net::tcp::socket socket(io);
        co_await socket.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
        asio::steady_timer pause(io);
        while (!server_done && sent < client_hello.size()) {
          boost::system::error_code error;
          co_await asio::async_write(socket, asio::buffer(&client_hello[sent], 1),
                                     asio::redirect_error(asio::use_awaitable, error));
          if (error) break;
          ++sent;
          pause.expires_after(100ms);
          co_await pause.async_wait(asio::use_awaitable);
        }
      },
      asio::detached);
  io.run();
  REQUIRE(failure.has_value());
  CHECK(*failure == net::make_error_code(net::ChannelFailure::handshake_timeout));
  CHECK(sent_when_cut < 40);
  CHECK_THAT(sentence, Catch::Contains("not complete 1 s after it connected"));
}

TEST_CASE("a client facing a server that trickles its answer gives up at its handshake deadline",
          "[net]") {
  asio::io_context io;
  net::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  bool client_done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto socket = co_await acceptor.async_accept(asio::use_awaitable);
        // A handshake record announcing 16 KiB (a ServerHello of 16380 bytes), one byte at a time.
        Bytes answer = {0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc};
        answer.resize(200, 0);
        asio::steady_timer pause(io);
        for (std::size_t i = 0; i < answer.size() && !client_done; ++i) {
          boost::system::error_code error;
          co_await asio::async_write(socket, asio::buffer(&answer[i], 1),
                                     asio::redirect_error(asio::use_awaitable, error));
          if (error) break;
          pause.expires_after(100ms);
          co_await pause.async_wait(asio::use_awaitable);
        }
      },
      asio::detached);
  std::optional<std::error_code> failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          co_await net::connect("127.0.0.1", acceptor.local_endpoint().port(), client_config(),
                                deadlines(1s, 5s, 5s));
        } catch (const net::ChannelError& error) {
          failure = error.code();
        }
        client_done = true;
      },
      asio::detached);
  io.run();
  REQUIRE(failure.has_value());
  CHECK(*failure == net::make_error_code(net::ChannelFailure::handshake_timeout));
}

TEST_CASE("a client that never reads is cut off at the write deadline", "[net]") {
  struct Outcome {
    std::mutex mutex;
    std::optional<std::error_code> code;
    std::string sentence;
  };
  auto outcome = std::make_shared<Outcome>();
  auto flood = [outcome](net::TlsStream& stream) -> asio::awaitable<void> {
    co_await stream.read();  // the client's "go"
    const Bytes megabyte(1024 * 1024, 'x');
    try {
      for (int i = 0; i < 512; ++i) co_await stream.write(megabyte);
      std::lock_guard lock(outcome->mutex);
      outcome->sentence = "512 MiB written without a write timeout";
    } catch (const net::ChannelError& error) {
      std::lock_guard lock(outcome->mutex);
      outcome->code = error.code();
      outcome->sentence = error.what();
      throw;
    }
  };
  Server server(options_with(deadlines(5s, 500ms, 30s)),
                server_config(tls::ClientAuthentication::none), flood);
  asio::io_context io;
  std::shared_ptr<net::TlsStream> client;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        client = co_await net::connect("127.0.0.1", server.port(), client_config(), {});
        co_await client->write(as_bytes("go"));
      },
      asio::detached);
  io.run();  // connected, "go" sent; from now on nobody reads on this side
  REQUIRE(client);
  REQUIRE(eventually(
      [&] {
        std::lock_guard lock(outcome->mutex);
        return !outcome->sentence.empty();
      },
      60s));
  std::lock_guard lock(outcome->mutex);
  INFO(outcome->sentence);
  REQUIRE(outcome->code.has_value());
  CHECK(*outcome->code == net::make_error_code(net::ChannelFailure::write_timeout));
  CHECK_THAT(outcome->sentence, Catch::Contains("did not read") && Catch::Contains("500 ms"));
}

TEST_CASE(
    "silent connections beyond the per-address cap evict the oldest; honest peers still get in",
    "[net]") {
  auto options = options_with(deadlines(60s, 5s, 30s));
  options.max_unauthenticated_per_source = 4;
  Server server(options, server_config(tls::ClientAuthentication::none));
  const net::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server.port());
  asio::io_context io;
  std::vector<net::tcp::socket> silent;
  for (std::size_t i = 0; i < 6; ++i) {
    silent.emplace_back(io);
    silent.back().connect(endpoint);
    // Admitted before the next one connects, so that accept order is connect order.
    REQUIRE(eventually([&] {
      auto counters = server.listener.counters();
      return counters.unauthenticated + counters.evicted == i + 1;
    }));
  }
  CHECK(closed_by_peer(silent[0]));
  CHECK(closed_by_peer(silent[1]));
  for (std::size_t i = 2; i < 6; ++i) CHECK(still_open(silent[i]));
  CHECK(server.listener.counters().unauthenticated == 4);
  // An honest peer from the same address is answered (it evicts the oldest silent one).
  CHECK(run(exchange(server.port(), "hello")) == "echo: hello");
  CHECK(closed_by_peer(silent[2]));
}

TEST_CASE("connections beyond the global cap on handshakes evict the oldest one", "[net]") {
  auto options = options_with(deadlines(60s, 5s, 30s));
  options.max_unauthenticated = 2;
  Server server(options, server_config(tls::ClientAuthentication::none));
  const net::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server.port());
  asio::io_context io;
  std::vector<net::tcp::socket> silent;
  for (std::size_t i = 0; i < 3; ++i) {
    silent.emplace_back(io);
    silent.back().connect(endpoint);
    REQUIRE(eventually([&] {
      auto counters = server.listener.counters();
      return counters.unauthenticated + counters.evicted == i + 1;
    }));
  }
  CHECK(closed_by_peer(silent[0]));
  CHECK(still_open(silent[1]));
  CHECK(still_open(silent[2]));
}

TEST_CASE("abort(certificate_revoked) after the handshake reaches the client engine as that alert",
          "[net]") {
  std::atomic<bool> abort_returned = false;
  auto revoke = [&abort_returned](net::TlsStream& stream) -> asio::awaitable<void> {
    co_await stream.read();
    co_await stream.abort(tls::AlertDescription::certificate_revoked,
                          "the certificate of alice was revoked after the handshake");
    abort_returned = true;
  };
  Server server(options_with(deadlines(5s, 5s, 5s)),
                server_config(tls::ClientAuthentication::required), revoke);
  // Our client engine over a plain socket, so that its events are seen as they are.
  asio::io_context io;
  net::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  auto engine = tls::ClientEngine::create(client_config());
  std::vector<tls::Event> events;
  std::array<std::uint8_t, 16 * 1024> buffer{};
  auto exchange_once = [&]() -> bool {  // false once the server has closed the connection
    asio::write(socket, asio::buffer(engine->take_output()));
    boost::system::error_code error;
    std::size_t count = socket.read_some(asio::buffer(buffer), error);
    if (error) return false;
    engine->receive(ByteView(buffer.data(), count));
    for (auto& event : engine->take_events()) events.push_back(std::move(event));
    return true;
  };
  while (!engine->handshake_complete() && !engine->failed() && exchange_once()) {
  }
  REQUIRE(engine->handshake_complete());
  engine->send_application_data(as_bytes("revoke me"));
  while (!engine->failed() && exchange_once()) {
  }
  bool revoked = false;
  for (const tls::Event& event : events) {
    if (const auto* alert = std::get_if<tls::AlertReceived>(&event)) {
      revoked = alert->level == tls::AlertLevel::fatal &&
                alert->description == tls::AlertDescription::certificate_revoked;
    }
  }
  CHECK(revoked);
  CHECK(closed_by_peer(socket));
  CHECK(eventually([&] { return abort_returned.load(); }));
}

namespace {

// Issue 17: an idle channel holds no record buffers. What the server's stream holds (engine
// buffers, data not yet read), seen from its session.
struct HeldBuffers {
  std::mutex mutex;
  std::optional<std::size_t> after_handshake;
  std::optional<std::size_t> after_burst;
  std::string verdict;  // the trickle test: whether the records arrived intact
};

constexpr std::size_t kBurst = 3 * 16384 + 1000;  // three full records and a short one

Bytes numbered_bytes(std::size_t size) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i % 251);
  return bytes;
}

}  // namespace

TEST_CASE("an idle channel holds no record buffers after its handshake and after a burst",
          "[net]") {
  auto held = std::make_shared<HeldBuffers>();
  auto measure = [held](net::TlsStream& stream) -> asio::awaitable<void> {
    const std::size_t after_handshake = stream.buffered_capacity();
    co_await stream.write(as_bytes("ready"));
    std::size_t received = 0;
    while (received < kBurst) {
      Bytes data = co_await stream.read();
      if (data.empty()) co_return;
      received += data.size();
    }
    {
      std::lock_guard lock(held->mutex);
      held->after_handshake = after_handshake;
      held->after_burst = stream.buffered_capacity();
    }
    const std::string answer = std::to_string(received);
    co_await stream.write(as_bytes(answer));
    co_await stream.read();  // close_notify
  };
  Server server(options_with(deadlines(5s, 5s, 20s)),
                server_config(tls::ClientAuthentication::none), measure);
  auto burst = [&]() -> asio::awaitable<std::string> {
    auto stream = co_await net::connect("127.0.0.1", server.port(), client_config(), {});
    std::string seen = "after handshake " + std::to_string(stream->buffered_capacity());
    Bytes ready = co_await stream->read();
    seen += ", after \"" + std::string(ready.begin(), ready.end()) + "\" " +
            std::to_string(stream->buffered_capacity());
    const Bytes data = numbered_bytes(kBurst);
    co_await stream->write(data);
    Bytes answer = co_await stream->read();
    seen += ", after \"" + std::string(answer.begin(), answer.end()) + "\" " +
            std::to_string(stream->buffered_capacity());
    co_await stream->shutdown();
    co_return seen;
  };
  // The client's side: nothing held between records either.
  CHECK(run(burst()) ==
        "after handshake 0, after \"ready\" 0, after \"" + std::to_string(kBurst) + "\" 0");
  REQUIRE(eventually([&] {
    std::lock_guard lock(held->mutex);
    return held->after_burst.has_value();
  }));
  std::lock_guard lock(held->mutex);
  CHECK(*held->after_handshake == 0);
  CHECK(*held->after_burst == 0);
}

TEST_CASE("records trickled a few bytes per TCP segment are read whole", "[net]") {
  // Our client engine over a plain socket sends three full records and a short one 7 bytes per
  // segment: most of the server's reads end inside a record, which it must keep, complete and
  // then let go of.
  auto held = std::make_shared<HeldBuffers>();
  auto tally = [held](net::TlsStream& stream) -> asio::awaitable<void> {
    Bytes received;
    while (received.size() < kBurst) {
      Bytes data = co_await stream.read();
      if (data.empty()) break;
      received.insert(received.end(), data.begin(), data.end());
    }
    const std::string verdict = received == numbered_bytes(kBurst) ? "intact" : "damaged";
    {
      std::lock_guard lock(held->mutex);
      held->after_burst = stream.buffered_capacity();
      held->verdict = verdict;
    }
    co_await stream.write(as_bytes(verdict));
    co_await stream.read();  // close_notify
  };
  Server server(options_with(deadlines(5s, 5s, 20s)),
                server_config(tls::ClientAuthentication::none), tally);
  asio::io_context io;
  net::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  socket.set_option(net::tcp::no_delay(true));
  auto engine = tls::ClientEngine::create(client_config());
  Bytes answer;
  std::array<std::uint8_t, 4096> buffer{};
  auto send_output = [&](std::size_t piece) {
    const Bytes output = engine->take_output();
    for (std::size_t at = 0, sent = 0; at < output.size(); at += piece, ++sent) {
      asio::write(socket, asio::buffer(output.data() + at, std::min(piece, output.size() - at)));
      if (sent % 128 == 127) std::this_thread::sleep_for(1ms);  // let the server read part
    }
  };
  auto exchange_once = [&]() -> bool {  // false once the server has closed the connection
    send_output(1 << 20);
    boost::system::error_code error;
    std::size_t count = socket.read_some(asio::buffer(buffer), error);
    if (error) return false;
    engine->receive(ByteView(buffer.data(), count));
    for (auto& event : engine->take_events()) {
      if (auto* data = std::get_if<tls::ApplicationData>(&event)) {
        answer.insert(answer.end(), data->data.begin(), data->data.end());
      }
    }
    return true;
  };
  while (!engine->handshake_complete() && !engine->failed() && exchange_once()) {
  }
  REQUIRE(engine->handshake_complete());
  engine->send_application_data(numbered_bytes(kBurst));
  send_output(7);
  while (answer.empty() && !engine->failed() && exchange_once()) {
  }
  CHECK(std::string(answer.begin(), answer.end()) == "intact");
  engine->close();
  send_output(1 << 20);
  REQUIRE(eventually([&] {
    std::lock_guard lock(held->mutex);
    return held->after_burst.has_value();
  }));
  std::lock_guard lock(held->mutex);
  CHECK(held->verdict == "intact");
  CHECK(*held->after_burst == 0);
}

TEST_CASE("HOST:PORT parsing", "[net]") {
  CHECK(net::parse_host_port("127.0.0.1:8443") ==
        std::pair<std::string, std::uint16_t>{"127.0.0.1", 8443});
  CHECK(net::parse_host_port("[::1]:9") == std::pair<std::string, std::uint16_t>{"::1", 9});
  CHECK_THROWS_AS(net::parse_host_port("localhost"), std::invalid_argument);
  CHECK_THROWS_AS(net::parse_host_port("localhost:99999"), std::invalid_argument);
  CHECK_THROWS_AS(net::parse_host_port("localhost:8a"), std::invalid_argument);
}
