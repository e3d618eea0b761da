// The Asio transport with the real engines on 127.0.0.1: a listener, clients, timeouts, the
// connection cap and graceful shutdown.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/net/listener.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/chain_verifier.hpp"

using namespace sc;
using namespace std::chrono_literals;
namespace asio = net::asio;

namespace {

std::shared_ptr<const crypto::PrivateKey> shared_key(const crypto::PrivateKey& key) {
  SecretBytes pem = key.to_pem();
  return std::make_shared<const crypto::PrivateKey>(crypto::PrivateKey::from_pem(
      std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size())));
}

// A CA with a server ("localhost") and a client identity, made once for all tests.
struct Identities {
  std::filesystem::path folder;
  std::optional<pki::CertificateAuthority> ca;
  tls::Credentials server;
  tls::Credentials client;
  std::shared_ptr<pki::ChainVerifier> verifier;

  Identities() {
    folder = std::filesystem::temp_directory_path() / ("sc-net-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(folder);
    ca.emplace(pki::CertificateAuthority::open_or_create(
        folder, pki::CaOptions{crypto::KeyType::Ecdsa,
                               3072,
                               crypto::EcCurve::P256,
                               crypto::HashAlgorithm::Sha256,
                               {"DE", "", "", "Test", "", "Test Root"},
                               30}));
    server = issue(pki::Role::Bank, "localhost", {"localhost", "127.0.0.1"});
    client = issue(pki::Role::Customer, "alice", {});
    verifier = std::make_shared<pki::ChainVerifier>(std::vector<pki::Certificate>{ca->root()});
  }
  ~Identities() { std::filesystem::remove_all(folder); }

  tls::Credentials issue(pki::Role role, const std::string& name,
                         std::vector<std::string> dns_names) {
    auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
    pki::IssuanceProfile profile;
    profile.role = role;
    profile.validity_days = 2;
    profile.dns_names = std::move(dns_names);
    auto csr = pki::CertificateSigningRequest::create({"DE", "", "", "", "", name}, key);
    auto certificate = ca->issue(csr, profile, pki::CertificateAuthority::random_serial());
    return {{certificate.to_der(), ca->root().to_der()}, shared_key(key)};
  }
};

Identities& identities() {
  static Identities instance;
  return instance;
}

tls::ServerConfig server_config(bool require_client_certificate) {
  tls::ServerConfig config;
  config.credentials = identities().server;
  config.request_client_certificate = require_client_certificate;
  config.require_client_certificate = require_client_certificate;
  config.verifier = identities().verifier;
  return config;
}

tls::ClientConfig client_config() {
  tls::ClientConfig config;
  config.server_name = "localhost";
  config.verifier = identities().verifier;
  config.credentials = identities().client;
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

net::ListenerOptions options_with(net::Timeouts timeouts = {}, std::size_t max_connections = 64) {
  return net::ListenerOptions{"127.0.0.1", 0, max_connections, timeouts};
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
  Server server(options_with(), server_config(true));
  CHECK(run(exchange(server.port(), "hello")) == "echo: hello");
}

TEST_CASE("writes larger than one record arrive whole, in records of at most 2^14 bytes", "[net]") {
  Server server(options_with(), server_config(false));
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
  Server server(options_with(), server_config(true));
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
  Server server(options_with(), server_config(false));
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
  Server server(options_with({300ms, 5s}), server_config(false));
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
  Server server(options_with({5s, 300ms}), server_config(false));
  auto idle = [&]() -> asio::awaitable<std::size_t> {
    auto stream = co_await net::connect("127.0.0.1", server.port(), client_config(), {});
    Bytes data = co_await stream->read();  // the server closes with close_notify
    co_return data.size();
  };
  CHECK(run(idle()) == 0);
}

TEST_CASE("connections beyond the cap are refused while the others are served", "[net]") {
  Server server(options_with({5s, 5s}, 1), server_config(false));
  auto hold_and_probe = [&]() -> asio::awaitable<std::string> {
    auto first = co_await net::connect("127.0.0.1", server.port(), client_config(), {});
    std::string refused;
    try {
      co_await net::connect("127.0.0.1", server.port(), client_config(), {1s, 1s});
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
  auto server = std::make_unique<Server>(options_with(), server_config(false));
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

TEST_CASE("HOST:PORT parsing", "[net]") {
  CHECK(net::parse_host_port("127.0.0.1:8443") ==
        std::pair<std::string, std::uint16_t>{"127.0.0.1", 8443});
  CHECK(net::parse_host_port("[::1]:9") == std::pair<std::string, std::uint16_t>{"::1", 9});
  CHECK_THROWS_AS(net::parse_host_port("localhost"), std::invalid_argument);
  CHECK_THROWS_AS(net::parse_host_port("localhost:99999"), std::invalid_argument);
  CHECK_THROWS_AS(net::parse_host_port("localhost:8a"), std::invalid_argument);
}
