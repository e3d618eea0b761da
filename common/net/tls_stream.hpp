#pragma once
// A TLS 1.3 engine driven over a TCP socket with C++20 coroutines. One coroutine reads at a
// time; several may write (the bank answers on one and pushes to a device on another): writes
// are serialized, the coroutine already writing sends what the others queued. Everything runs
// on the socket's executor, which should be a strand when the io_context has several threads.
//
// Three deadlines bound what a peer can hold (issue 13: a peer sending one byte every few
// seconds must not keep a connection for minutes):
//  - handshake: absolute, counted from the stream's creation (at accept or at connect); bytes
//    arriving do not extend it;
//  - write: every write or flush (answers, alerts, close_notify) must be taken by the peer
//    within it, else the peer is cut (a peer that does not read cannot hold our buffers);
//  - idle: after the handshake, no data from the peer for this long ends the channel.
//
// Memory (issue 17: every customer device keeps a channel open, so an idle one must be cheap):
// a stream waiting for its peer holds no record buffer. It waits for the socket to become
// readable, then reads into a receive buffer of its thread, which the engine has consumed
// before the coroutine can suspend again; the engine keeps only a record that a read ended
// inside, and frees it once complete (buffered_capacity() is 0 between records).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/net/asio.hpp"
#include "common/net/channel_error.hpp"
#include "common/tls/engine.hpp"

namespace sc::net {

struct Timeouts {
  std::chrono::milliseconds handshake{10'000};  // absolute, from accept/connect
  std::chrono::milliseconds write{10'000};      // per write or flush
  std::chrono::milliseconds idle{300'000};      // no data from the peer this long
};

class TlsStream : public std::enable_shared_from_this<TlsStream> {
 public:
  using Clock = std::chrono::steady_clock;

  // peer_label names the other side in logs and errors, e.g. "127.0.0.1:40112". The handshake
  // deadline is connected_at + timeouts.handshake (connect() passes the time it started).
  TlsStream(tcp::socket socket, std::unique_ptr<tls::Engine> engine, Timeouts timeouts,
            std::string peer_label, Clock::time_point connected_at = Clock::now());
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;
  ~TlsStream();

  // Runs the handshake to completion. Throws ChannelError (alert sent or received, the
  // handshake deadline, the write deadline, eviction, truncation) or
  // boost::system::system_error (socket failures).
  asio::awaitable<void> handshake();  // then summary() tells what was negotiated
  // The next application data from the peer; an empty result means the peer closed the
  // channel with close_notify.
  asio::awaitable<Bytes> read();
  asio::awaitable<void> write(ByteView data);
  asio::awaitable<void> key_update(tls::KeyUpdateRequest request);
  // Sends close_notify (within the write deadline) and closes the socket. Never throws.
  asio::awaitable<void> shutdown();
  // Ends the channel with a fatal alert, e.g. certificate_revoked once the application learns
  // the peer's certificate was revoked after the handshake: the engine queues the alert
  // (tls::Engine::abort), it is flushed within the write deadline, and the socket is closed.
  // A read() pending in another coroutine then throws the alert as a local ChannelError.
  // Call it on the stream's executor; never throws.
  asio::awaitable<void> abort(tls::AlertDescription alert, std::string reason);

  // Thread-safe (the stream must be owned by a shared_ptr): asks the stream to stop; a pending
  // read() throws shutting_down, after which the owner may still call shutdown() to send
  // close_notify.
  void request_stop();
  // Thread-safe (shared_ptr-owned): the listener makes room. The pending operation throws
  // ChannelFailure::evicted with the reason; shutdown() then closes without close_notify.
  void evict(std::string reason);

  const tls::HandshakeSummary& summary() const { return summary_; }
  const std::string& peer_label() const { return peer_label_; }
  tcp::socket& socket() { return socket_; }
  tls::Engine& engine() { return *engine_; }
  // Bytes of memory held for data in transit: the engine's record buffers and received
  // application data not yet read, capacity included. 0 when the channel is idle. Call it on
  // the stream's executor.
  std::size_t buffered_capacity() const;

 private:
  asio::awaitable<void> flush_output();
  asio::awaitable<void> receive_once();
  // Reads what the socket holds, without waiting, into the thread's receive buffer and feeds it
  // to the engine; false when there was nothing to read yet. Throws on socket errors.
  bool receive_available();
  void process_events();
  void throw_if_failed() const;
  // Fails the channel (unless it already failed) and cancels what is pending on the socket.
  void cut(ChannelFailure failure, const std::string& sentence);
  // Sends the FIN (unless the peer already closed) and closes the socket; never throws.
  void close_socket();
  // Puts the socket in non-blocking mode once (for reads and sends that never wait).
  void make_non_blocking(const char* operation);
  // Sends what the socket takes now without waiting; the count of bytes sent.
  std::size_t send_available(ByteView output);
  [[noreturn]] void throw_socket_error(const boost::system::error_code& error,
                                       const char* operation) const;

  // One deadline on the stream's executor. A handler that was already queued when the deadline
  // was disarmed or re-armed is recognised by its generation and ignored.
  class Deadline {
   public:
    explicit Deadline(const tcp::socket::executor_type& executor) : timer_(executor) {}
    // on_expiry runs on the executor when `when` passes, unless disarmed first or the stream
    // (whose lifetime token is `alive`) is gone.
    template <typename OnExpiry>
    void arm(Clock::time_point when, std::weak_ptr<char> alive, OnExpiry on_expiry) {
      std::uint64_t armed = ++generation_;
      timer_.expires_at(when);
      timer_.async_wait([this, armed, alive = std::move(alive),
                         on_expiry = std::move(on_expiry)](const boost::system::error_code& error) {
        if (error || alive.expired() || armed != generation_) return;
        on_expiry();
      });
    }
    void disarm() {
      ++generation_;
      timer_.cancel();
    }

   private:
    asio::steady_timer timer_;
    std::uint64_t generation_ = 0;
  };

  tcp::socket socket_;
  std::unique_ptr<tls::Engine> engine_;
  Timeouts timeouts_;
  std::string peer_label_;
  Clock::time_point handshake_deadline_;
  // The deadlines' handlers check this token before they touch the stream.
  std::shared_ptr<char> lifetime_ = std::make_shared<char>();
  Deadline handshake_timer_;
  Deadline idle_timer_;
  Deadline write_timer_;
  bool stop_requested_ = false;
  bool writing_ = false;  // a coroutine is in flush_output
  bool peer_closed_ = false;
  bool close_quietly_ = false;  // evicted or cut for not reading: no close_notify
  std::optional<ChannelError> failure_;
  // Application data not yet read, oldest first from received_[next_received_]; emptied (and
  // its memory freed) once read() has returned all of it.
  std::vector<Bytes> received_;
  std::size_t next_received_ = 0;
  tls::HandshakeSummary summary_;
};

// Resolves host, connects and completes the handshake; timeouts.handshake bounds the whole
// (connect included), counted from the call.
asio::awaitable<std::shared_ptr<TlsStream>> connect(const std::string& host, std::uint16_t port,
                                                    tls::ClientConfig config, Timeouts timeouts);

// "host:port" -> {host, port}; throws std::invalid_argument with a sentence.
std::pair<std::string, std::uint16_t> parse_host_port(const std::string& text);

// For sentences: "10 s", "250 ms"; "64 KiB", "1.5 MiB", "12 bytes".
std::string duration_text(std::chrono::milliseconds duration);
std::string size_text(std::size_t bytes);

}  // namespace sc::net
