// trickle_peer: the slow peer of issue 13, as a tool for the hostile tests. It needs no
// certificate: it only sends the first bytes of a handshake, one byte at a time.
//
//   trickle_peer --connect HOST:PORT --connections N [--source ADDR] [--interval-ms M]
//                [--duration-s S] [--bytes-file F]
//     opens N connections (bound to the local address ADDR if given, e.g. 127.0.0.2), sends
//     the bytes of F on each, one byte every M ms (default: the start of a TLS ClientHello),
//     then keeps the connection open and silent. Ends when the peer has closed every
//     connection or after S seconds, whichever comes first, and prints one line:
//       trickle: opened N, closed-by-peer C, still-open O, max-open-at-once P
//
//   trickle_peer --serve --port-file F [--listen 127.0.0.1:0] [--interval-ms M]
//                [--duration-s S] [--bytes-file F]
//     a hostile server: accepts connections, drains what the client sends and answers one
//     byte every M ms (default: a TLS record header announcing a 16 KiB ServerHello, then
//     zeros), for testing a client's handshake deadline. Ends after S seconds or on
//     SIGTERM/SIGINT and prints:
//       trickle: accepted N, closed-by-peer C, still-open O, max-open-at-once P
//
// A bytes file ending in .hex is read as hexadecimal text (whitespace ignored), any other as
// raw bytes. Always bounded in time (--duration-s, default 60). Exit status 0, 2 on bad usage.
#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/net/asio.hpp"

namespace {
namespace po = boost::program_options;
namespace asio = sc::net::asio;
using tcp = sc::net::tcp;
using Bytes = std::vector<std::uint8_t>;

// The first 64 bytes of tests/integration/hostile/client_hello.hex: record header, ClientHello
// header, legacy_version, random and the start of the legacy_session_id.
constexpr const char* kClientHelloPrefixHex =
    "16030100dc010000d80303e6a0e1f47840bcf82da886642b43e8a3ca415fa557b8819ee15570691c2601"
    "2020ce294481c92b1a89e1a8b2881c4d2256e51dfd6d";

// A handshake record announcing 2^14 bytes, holding a ServerHello that claims 16380 of them:
// a client's deframer waits for the whole record, which never comes.
Bytes slow_server_hello() {
  Bytes bytes = {0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x3f, 0xfc, 0x03, 0x03};
  bytes.resize(5 + 0x4000, 0x00);
  return bytes;
}

Bytes from_hex(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) digits += c;
  }
  if (digits.size() % 2 != 0) throw std::invalid_argument("odd number of hex digits");
  Bytes bytes;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

Bytes read_bytes_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read --bytes-file " + path);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (std::filesystem::path(path).extension() == ".hex") return from_hex(content);
  return Bytes(content.begin(), content.end());
}

struct Options {
  std::string connect;
  std::size_t connections = 1;
  std::string source;
  bool serve = false;
  std::string listen = "127.0.0.1:0";
  std::string port_file;
  unsigned interval_ms = 1000;
  unsigned duration_s = 60;
  std::string bytes_file;
};

std::pair<std::string, std::uint16_t> host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("expected HOST:PORT: " + text);
  return {text.substr(0, colon), static_cast<std::uint16_t>(std::stoul(text.substr(colon + 1)))};
}

// What both modes count. Everything runs on one thread.
struct Tally {
  std::size_t opened = 0;  // connected (connect mode) or accepted (serve mode)
  std::size_t closed_by_peer = 0;
  std::size_t open_now = 0;
  std::size_t max_open_at_once = 0;
  std::size_t connect_failures = 0;
  std::size_t finished = 0;  // connections that are over (closed, or never connected)

  void on_open() {
    ++opened;
    ++open_now;
    max_open_at_once = std::max(max_open_at_once, open_now);
  }
};

// One connection: a reader that drains what the peer sends and notices when it closes, and a
// writer that sends one byte per interval.
struct Trickle : std::enable_shared_from_this<Trickle> {
  tcp::socket socket;
  asio::steady_timer pause;
  bool over = false;

  explicit Trickle(asio::io_context& io) : socket(io), pause(io) {}

  // The peer closed (or reset) the connection.
  void closed_by_peer(Tally& tally) {
    if (over) return;
    over = true;
    ++tally.closed_by_peer;
    --tally.open_now;
    ++tally.finished;
    boost::system::error_code ignored;
    pause.cancel();
    socket.close(ignored);
  }

  asio::awaitable<void> drain(Tally& tally) {
    auto self = shared_from_this();
    std::array<std::uint8_t, 4096> buffer{};
    for (;;) {
      boost::system::error_code error;
      co_await socket.async_read_some(asio::buffer(buffer),
                                      asio::redirect_error(asio::use_awaitable, error));
      if (over) co_return;
      if (error) {
        closed_by_peer(tally);
        co_return;
      }
    }
  }

  asio::awaitable<void> send(const Bytes& bytes, std::chrono::milliseconds interval, Tally& tally) {
    auto self = shared_from_this();
    for (std::size_t i = 0; i < bytes.size() && !over; ++i) {
      boost::system::error_code error;
      co_await asio::async_write(socket, asio::buffer(&bytes[i], 1),
                                 asio::redirect_error(asio::use_awaitable, error));
      if (over) co_return;
      if (error) {
        closed_by_peer(tally);
        co_return;
      }
      pause.expires_after(interval);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
    }
    // Everything sent: stay connected and silent; drain() notices when the peer closes.
  }
};

class Run {
 public:
  Run(const Options& options, Bytes bytes)
      : options_(options),
        bytes_(std::move(bytes)),
        interval_(options.interval_ms),
        deadline_(io_),
        signals_(io_, SIGINT, SIGTERM) {}

  int connect_mode() {
    auto [host, port] = host_port(options_.connect);
    tcp::endpoint target(asio::ip::make_address(host), port);
    for (std::size_t i = 0; i < options_.connections; ++i) {
      asio::co_spawn(io_, open_one(target), asio::detached);
    }
    return run("opened");
  }

  int serve_mode() {
    auto [host, port] = host_port(options_.listen);
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address(host), port));
    write_port_file(acceptor.local_endpoint().port());
    acceptor_ = &acceptor;
    asio::co_spawn(io_, accept_loop(acceptor), asio::detached);
    return run("accepted");
  }

 private:
  int run(const char* opened_word) {
    deadline_.expires_after(std::chrono::seconds(options_.duration_s));
    deadline_.async_wait([this](const boost::system::error_code& error) {
      if (!error) finish();
    });
    signals_.async_wait([this](const boost::system::error_code& error, int) {
      if (!error) finish();
    });
    io_.run();
    std::cout << "trickle: " << opened_word << ' ' << tally_.opened << ", closed-by-peer "
              << tally_.closed_by_peer << ", still-open " << still_open_ << ", max-open-at-once "
              << tally_.max_open_at_once << std::endl;
    if (tally_.connect_failures > 0) {
      std::cerr << "trickle_peer: " << tally_.connect_failures << " connection(s) failed\n";
    }
    return 0;
  }

  // Ends the run: whatever is still open is counted and closed.
  void finish() {
    if (finished_) return;
    finished_ = true;
    still_open_ = tally_.open_now;
    boost::system::error_code ignored;
    deadline_.cancel();
    signals_.cancel(ignored);
    if (acceptor_ != nullptr) acceptor_->close(ignored);
    for (const auto& trickle : trickles_) {
      trickle->over = true;
      trickle->pause.cancel();
      trickle->socket.close(ignored);
    }
  }

  // Connect mode: stop early once every connection is over.
  void check_all_over() {
    if (options_.serve) return;
    if (tally_.finished == options_.connections) finish();
  }

  asio::awaitable<void> open_one(tcp::endpoint target) {
    auto trickle = std::make_shared<Trickle>(io_);
    trickles_.push_back(trickle);
    boost::system::error_code error;
    trickle->socket.open(target.protocol(), error);
    if (!error && !options_.source.empty()) {
      trickle->socket.bind(tcp::endpoint(asio::ip::make_address(options_.source), 0), error);
    }
    if (!error) {
      co_await trickle->socket.async_connect(target,
                                             asio::redirect_error(asio::use_awaitable, error));
    }
    if (error || finished_) {
      if (error && !finished_) {
        std::cerr << "trickle_peer: connecting to " << options_.connect << ": " << error.message()
                  << "\n";
      }
      trickle->over = true;
      ++tally_.connect_failures;
      ++tally_.finished;
      check_all_over();
      co_return;
    }
    tally_.on_open();
    co_await run_trickle(trickle);
  }

  asio::awaitable<void> run_trickle(std::shared_ptr<Trickle> trickle) {
    asio::co_spawn(io_, trickle->drain(tally_), asio::detached);
    co_await trickle->send(bytes_, interval_, tally_);
    check_all_over();
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      auto trickle = std::make_shared<Trickle>(io_);
      boost::system::error_code error;
      co_await acceptor.async_accept(trickle->socket,
                                     asio::redirect_error(asio::use_awaitable, error));
      if (finished_ || error == asio::error::operation_aborted) co_return;
      if (error) continue;
      trickles_.push_back(trickle);
      tally_.on_open();
      asio::co_spawn(io_, run_trickle(trickle), asio::detached);
    }
  }

  void write_port_file(std::uint16_t port) {
    std::string temporary = options_.port_file + ".tmp";
    {
      std::ofstream out(temporary);
      out << port << '\n';
      if (!out) throw std::runtime_error("cannot write " + temporary);
    }
    std::filesystem::rename(temporary, options_.port_file);
  }

  Options options_;
  Bytes bytes_;
  std::chrono::milliseconds interval_;
  asio::io_context io_;
  asio::steady_timer deadline_;
  asio::signal_set signals_;
  tcp::acceptor* acceptor_ = nullptr;
  std::vector<std::shared_ptr<Trickle>> trickles_;
  Tally tally_;
  bool finished_ = false;
  std::size_t still_open_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  po::options_description description(
      "trickle_peer: slow peers for the hostile tests (one byte every --interval-ms)");
  description.add_options()("help,h", "show this help")("connect", po::value(&options.connect),
                                                        "HOST:PORT to open connections to")(
      "connections", po::value(&options.connections)->default_value(1),
      "connections to open (connect mode)")("source", po::value(&options.source),
                                            "local address to connect from, e.g. 127.0.0.2")(
      "serve", po::bool_switch(&options.serve), "be a slow server instead")(
      "listen", po::value(&options.listen)->default_value(options.listen),
      "address to listen on (serve mode)")("port-file", po::value(&options.port_file),
                                           "write the port listened on here (serve mode)")(
      "interval-ms", po::value(&options.interval_ms)->default_value(1000),
      "milliseconds between two bytes on a connection")(
      "duration-s", po::value(&options.duration_s)->default_value(60),
      "seconds after which the run ends, whatever is still open")(
      "bytes-file", po::value(&options.bytes_file),
      "bytes to send (.hex: hexadecimal text); default: a ClientHello prefix (connect) or a "
      "never-ending ServerHello record (serve)");
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, description), values);
    po::notify(values);
    if (values.count("help") != 0) {
      std::cout << description << "\n";
      return 0;
    }
    if (options.serve == !options.connect.empty()) {
      throw std::invalid_argument("give either --connect HOST:PORT or --serve");
    }
    if (options.serve && options.port_file.empty()) {
      throw std::invalid_argument("--serve needs --port-file");
    }
    if (options.interval_ms == 0 || options.duration_s == 0 || options.connections == 0) {
      throw std::invalid_argument("--interval-ms, --duration-s and --connections must be > 0");
    }
    Bytes bytes = !options.bytes_file.empty() ? read_bytes_file(options.bytes_file)
                  : options.serve             ? slow_server_hello()
                                              : from_hex(kClientHelloPrefixHex);
    if (bytes.empty()) throw std::invalid_argument("nothing to send: the bytes file is empty");
    Run run(options, std::move(bytes));
    return options.serve ? run.serve_mode() : run.connect_mode();
  } catch (const std::exception& error) {
    std::cerr << "trickle_peer: " << error.what() << "\n(see trickle_peer --help)\n";
    return 2;
  }
}
