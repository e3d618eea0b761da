#pragma once
// A small, bounded HTTP/1.1 server (RFC 9112) for the daemons' plain-HTTP side: the TTP's
// revocation endpoints (OCSP, CRL, CA certificate), and later /healthz, /readyz and /metrics.
// HTTP parsing and serialisation are Boost.Beast's; this class adds the bounds and the
// connection bookkeeping, and hands each complete request to one handler:
//
//   net::asio::io_context io;
//   net::HttpListener http(io, {.host = "127.0.0.1", .port = 0},
//                          [](const net::HttpRequest& request) {
//                            if (request.path() == "/healthz") return net::HttpResponse::text(200,
//                            "ok"); return net::HttpResponse::text(404, "no such resource");
//                          });
//   http.start();           // http.port() is the port bound (port 0 picks a free one)
//   io.run();               // on any number of threads; http.stop() ends it gracefully
//
// The handler runs on an io_context thread, synchronously, one request of a connection at a
// time (connections are served in parallel when several threads run the io_context, so the
// handler must be thread-safe then). It should be quick: what it does holds that thread. An
// exception from it becomes a 500 answer and the connection is closed.
//
// Bounds (every one is an option below):
// - max_connections connections at once overall and max_connections_per_source per remote
//   address: a connection beyond either is closed at accept, unanswered and unread;
// - the request line and header fields together at most max_header_bytes (431 beyond, RFC 6585
//   section 5), a body at most max_body_bytes (413 beyond, RFC 9110 section 15.5.14, sent as
//   soon as Content-Length says so, before the body is read);
// - each request must arrive complete within request_timeout of the connection being ready for
//   it (after accept, or after the previous answer was written): this covers a slow sender and
//   an idle keep-alive connection alike; then the connection is closed without an answer;
// - each answer must be taken by the peer within write_timeout;
// - keep-alive is honoured (RFC 9112 section 9.3) for at most max_requests_per_connection
//   requests, the last answer carries "Connection: close";
// - a request the parser refuses gets 400 and the connection is closed. After an answer that
//   closes the connection, what the peer still sends is read and dropped for a short, bounded
//   time so that the answer is not lost to a TCP reset.
// "Expect: 100-continue" is answered with 100 when the announced body is within the limit.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/net/asio.hpp"
#include "common/net/http_message.hpp"

namespace sc::net {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpListenerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see HttpListener::port())
  std::size_t max_connections = 64;
  std::size_t max_connections_per_source = 16;  // 0: no per-source cap
  std::size_t max_header_bytes = 8 * 1024;      // request line + header fields
  std::size_t max_body_bytes = 16 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t max_requests_per_connection = 100;
  std::string name = "http";  // names the listener in its log lines: "ocsp-http", "metrics"
};

// For logs and tests; a snapshot.
struct HttpListenerCounters {
  std::size_t active = 0;     // connections open now
  std::size_t refused = 0;    // since start: closed at accept by a connection cap
  std::size_t requests = 0;   // since start: requests handed to the handler
  std::size_t rejected = 0;   // since start: answered by the listener itself (400, 413, 431)
  std::size_t timed_out = 0;  // since start: closed for not sending a request in time
};

class HttpListener {
 public:
  // Binds host:port at once (throws boost::system::system_error when it cannot); accepting
  // starts with start().
  HttpListener(asio::io_context& io, HttpListenerOptions options, HttpHandler handler);
  // Calls stop(). Destroy the listener only after the io_context's run() has returned (the
  // sessions' coroutines refer to it).
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  std::uint16_t port() const { return port_; }
  const HttpListenerOptions& options() const { return options_; }
  HttpListenerCounters counters() const;  // thread-safe

  void start();
  // Thread-safe, idempotent: closes the acceptor and every open connection (a request being
  // handled finishes first); io_context::run() then returns once the sessions have ended.
  void stop();

 private:
  class Session;

  asio::awaitable<void> accept_loop();
  void admit(tcp::socket socket);
  asio::awaitable<void> serve(std::shared_ptr<Session> session);
  void forget(std::uint64_t id, const asio::ip::address& source);

  asio::io_context& io_;
  HttpListenerOptions options_;
  HttpHandler handler_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> refused_{0};
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> rejected_{0};
  std::atomic<std::size_t> timed_out_{0};
  bool refusing_ = false;  // accept loop only: one warning per episode of refusals

  mutable std::mutex sessions_mutex_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  std::map<asio::ip::address, std::size_t> per_source_;
};

}  // namespace sc::net
