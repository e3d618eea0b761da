#pragma once
// Accepts TLS connections on one port and runs a session coroutine for each, each on its own
// strand, so that an io_context run by several threads serves many connections at once.
// stop() (wired to SIGINT/SIGTERM by ShutdownSignals) closes the acceptor and ends every
// live session with close_notify.
//
// Admission (issue 13): a connection is unauthenticated until its handshake completes; it costs
// the peer nothing but a TCP connection, so those are capped, per source address and overall.
// A new connection that would exceed a cap evicts the OLDEST unauthenticated connection (of
// its source address for the per-source cap, of all for the global cap), so that an honest
// peer arriving during a flood of slow handshakes is still answered and the flood only evicts
// itself. max_connections bounds all connections: when established ones fill it, new ones are
// closed at once; the accept loop never stops taking connections off the queue.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/net/asio.hpp"
#include "common/net/tls_stream.hpp"

namespace sc::net {

// How many threads run the io_context: with several, each connection runs on its own strand;
// with one, handlers cannot run concurrently anyway and the strand is skipped (issue 17: every
// completion would otherwise pass through the strand's queue and lock).
enum class IoThreads { one, several };

struct ListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;              // 0: any free port (see Listener::port())
  std::size_t max_connections = 1024;  // all connections, established or not
  Timeouts timeouts;
  // Handshakes in progress, overall and per remote IP address (0: no cap).
  std::size_t max_unauthenticated = 512;
  std::size_t max_unauthenticated_per_source = 32;
  IoThreads io_threads = IoThreads::several;
};

// For logs and tests; a snapshot.
struct ListenerCounters {
  std::size_t active = 0;           // sessions running (their coroutines not yet finished)
  std::size_t unauthenticated = 0;  // admitted, handshake not complete, not evicted
  std::size_t evicted = 0;          // since start: closed to make room for newer connections
  std::size_t refused = 0;          // since start: closed at accept, established ones fill the cap
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
  ListenerCounters counters() const;  // thread-safe

  void start();
  void stop();  // thread-safe, idempotent

 private:
  struct Admitted {
    std::shared_ptr<TlsStream> stream;
    asio::ip::address source;
    bool authenticated = false;
  };

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> back_off_after(const boost::system::error_code& error);
  void admit(tcp::socket socket, const tcp::endpoint& endpoint);  // endpoint: the peer's
  asio::awaitable<void> serve(std::shared_ptr<TlsStream> session, std::uint64_t id);
  // The caller holds sessions_mutex_.
  bool evict_oldest_unauthenticated(const asio::ip::address* source, const std::string& reason);
  void release_unauthenticated(const asio::ip::address& source);
  // False when the connection was evicted meanwhile.
  bool mark_authenticated(std::uint64_t id);
  void forget(std::uint64_t id);

  asio::io_context& io_;
  ListenerOptions options_;
  EngineFactory engine_factory_;
  SessionHandler handler_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::size_t> evicted_{0};
  std::atomic<std::size_t> refused_{0};
  std::atomic<bool> stopping_{false};
  bool accept_backing_off_ = false;  // accept loop only: says so once per episode

  mutable std::mutex sessions_mutex_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, Admitted> sessions_;  // in accept order: the oldest first
  std::map<asio::ip::address, std::size_t> unauthenticated_by_source_;
  std::size_t unauthenticated_ = 0;
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
