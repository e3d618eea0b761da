#pragma once
// A TLS 1.3 engine driven over a TCP socket with C++20 coroutines. The stream is used by one
// coroutine at a time (request/response style); everything runs on the socket's executor,
// which should be a strand when the io_context has several threads.
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/net/asio.hpp"
#include "common/net/channel_error.hpp"
#include "common/tls/engine.hpp"

namespace sc::net {

struct Timeouts {
  std::chrono::milliseconds handshake{10'000};
  std::chrono::milliseconds idle{300'000};  // no application data from the peer this long
};

class TlsStream : public std::enable_shared_from_this<TlsStream> {
 public:
  // peer_label names the other side in logs and errors, e.g. "127.0.0.1:40112".
  TlsStream(tcp::socket socket, std::unique_ptr<tls::Engine> engine, Timeouts timeouts,
            std::string peer_label);
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;
  ~TlsStream();

  // Runs the handshake to completion. Throws ChannelError (alert sent or received, timeout,
  // truncation) or boost::system::system_error (socket failures).
  asio::awaitable<void> handshake();  // then summary() tells what was negotiated
  // The next application data from the peer; an empty result means the peer closed the
  // channel with close_notify.
  asio::awaitable<Bytes> read();
  asio::awaitable<void> write(ByteView data);
  asio::awaitable<void> key_update(bool request_peer_update);
  // Sends close_notify and closes the socket. Never throws.
  asio::awaitable<void> shutdown();

  // Thread-safe (the stream must be owned by a shared_ptr): asks the stream to stop; a pending
  // read() throws shutting_down, after which the owner may still call shutdown() to send
  // close_notify.
  void request_stop();

  const tls::HandshakeSummary& summary() const { return summary_; }
  const std::string& peer_label() const { return peer_label_; }
  tcp::socket& socket() { return socket_; }
  tls::Engine& engine() { return *engine_; }

 private:
  asio::awaitable<void> flush_output();
  asio::awaitable<void> receive_once(std::chrono::milliseconds timeout, ChannelFailure on_timeout);
  void process_events();
  void arm_deadline(std::chrono::milliseconds timeout);
  void throw_if_failed() const;

  tcp::socket socket_;
  std::unique_ptr<tls::Engine> engine_;
  Timeouts timeouts_;
  std::string peer_label_;
  asio::steady_timer deadline_;
  bool deadline_fired_ = false;
  bool stop_requested_ = false;
  bool peer_closed_ = false;
  std::optional<ChannelError> failure_;
  std::deque<Bytes> received_;
  tls::HandshakeSummary summary_;
  std::array<std::uint8_t, 16 * 1024 + 512> read_buffer_{};
};

// Resolves host, connects and completes the handshake (within timeouts.handshake).
asio::awaitable<std::shared_ptr<TlsStream>> connect(const std::string& host, std::uint16_t port,
                                                    tls::ClientConfig config, Timeouts timeouts);

// "host:port" -> {host, port}; throws std::invalid_argument with a sentence.
std::pair<std::string, std::uint16_t> parse_host_port(const std::string& text);

}  // namespace sc::net
