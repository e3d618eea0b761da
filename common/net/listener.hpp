#pragma once
// Accepts TLS connections on one port and runs a session coroutine for each, each on its own
// strand, so that an io_context run by several threads serves many connections at once.
// stop() (wired to SIGINT/SIGTERM by ShutdownSignals) closes the acceptor and ends every
// live session with close_notify.
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/net/asio.hpp"
#include "common/net/tls_stream.hpp"

namespace sc::net {

struct ListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see Listener::port())
  std::size_t max_connections = 1024;
  Timeouts timeouts;
};

// Runs after a successful handshake; the listener sends close_notify when it returns.
using SessionHandler = std::function<asio::awaitable<void>(TlsStream&)>;
using EngineFactory = std::function<std::unique_ptr<tls::Engine>()>;

class Listener {
 public:
  Listener(asio::io_context& io, ListenerOptions options, EngineFactory engine_factory,
           SessionHandler handler);
  ~Listener();

  std::uint16_t port() const { return port_; }
  std::size_t active_connections() const { return active_.load(); }

  void start();
  void stop();  // thread-safe, idempotent

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);

  asio::io_context& io_;
  ListenerOptions options_;
  EngineFactory engine_factory_;
  SessionHandler handler_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> active_{0};
  std::atomic<bool> stopping_{false};
  std::mutex sessions_mutex_;
  std::set<std::shared_ptr<TlsStream>> sessions_;
};

// Catches SIGINT and SIGTERM from its construction on and then calls on_signal (which should
// stop the listeners) once. Construct it before the daemon says it is ready (port file, "ready"
// line): a script that signals right after readiness must get a graceful shutdown, not the
// default action of the signal.
class ShutdownSignals {
 public:
  ShutdownSignals(asio::io_context& io, std::function<void()> on_signal);
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;
  // Runs io on `threads` threads until it runs out of work (after the signal, once the
  // listeners and their sessions have finished).
  void run(unsigned threads);

 private:
  asio::io_context& io_;
  std::optional<asio::signal_set> signals_;
  std::function<void()> on_signal_;
};

}  // namespace sc::net
