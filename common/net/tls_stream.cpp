#include "common/net/tls_stream.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <stdexcept>

#include <variant>
#include "common/metrics/metrics.hpp"

namespace sc::net {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // clang 14 does not deduce aggregates by itself

bool is_server(const tls::Engine& engine) {
  return dynamic_cast<const tls::ServerEngine*>(&engine) != nullptr;
}

// The receive buffer of the calling thread, shared by every stream the thread runs (issue 17):
// a read fills it and the engine has consumed it before the reading coroutine can suspend, so
// no stream holds one while it waits for its peer. A whole record of the largest size (2^14 +
// 256 + 5 bytes) fits. Not inlined: a coroutine resumed on another thread must not reuse the
// address of the first thread's buffer.
[[gnu::noinline]] MutableByteView thread_receive_buffer() {
  static thread_local std::array<std::uint8_t, 16 * 1024 + 512> buffer;
  return buffer;
}

}  // namespace

std::string duration_text(std::chrono::milliseconds duration) {
  auto millis = duration.count();
  if (millis % 1000 == 0) return std::to_string(millis / 1000) + " s";
  return std::to_string(millis) + " ms";
}

std::string size_text(std::size_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
  const char* unit = bytes < 1024 * 1024 ? "KiB" : "MiB";
  double amount = bytes < 1024 * 1024 ? bytes / 1024.0 : bytes / (1024.0 * 1024.0);
  char text[32];
  if (amount == static_cast<double>(static_cast<std::size_t>(amount))) {
    std::snprintf(text, sizeof text, "%zu %s", static_cast<std::size_t>(amount), unit);
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", amount, unit);
  }
  return text;
}

TlsStream::TlsStream(tcp::socket socket, std::unique_ptr<tls::Engine> engine, Timeouts timeouts,
                     std::string peer_label, Clock::time_point connected_at)
    : socket_(std::move(socket)),
      engine_(std::move(engine)),
      timeouts_(timeouts),
      peer_label_(std::move(peer_label)),
      handshake_deadline_(connected_at + timeouts.handshake),
      handshake_timer_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()) {}

TlsStream::~TlsStream() {
  handshake_timer_.disarm();
  idle_timer_.disarm();
  write_timer_.disarm();
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void TlsStream::cut(ChannelFailure failure, const std::string& sentence) {
  if (!failure_) failure_.emplace(make_error_code(failure), sentence);
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void TlsStream::request_stop() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stop_requested_ = true;
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);
  });
}

void TlsStream::evict(std::string reason) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
    self->close_quietly_ = true;
    self->cut(ChannelFailure::evicted, self->peer_label_ + " evicted: " + reason);
  });
}

std::size_t TlsStream::buffered_capacity() const {
  std::size_t bytes = engine_->buffered_capacity() + received_.capacity() * sizeof(Bytes);
  for (const Bytes& chunk : received_) bytes += chunk.capacity();
  return bytes;
}

void TlsStream::throw_if_failed() const {
  if (failure_) throw *failure_;
}

void TlsStream::throw_socket_error(const boost::system::error_code& error,
                                   const char* operation) const {
  // A deadline, an eviction or an alert explains the error better than the cancelled socket.
  if (failure_) throw *failure_;
  if (stop_requested_) {
    throw ChannelError(make_error_code(ChannelFailure::shutting_down),
                       "channel with " + peer_label_ + " stopped: the service is shutting down");
  }
  if (error == asio::error::eof || error == asio::error::connection_reset) {
    throw ChannelError(make_error_code(ChannelFailure::truncated),
                       peer_label_ + " closed the connection without close_notify (in state " +
                           engine_->state_name() + ")");
  }
  throw boost::system::system_error(error, std::string(operation) + " " + peer_label_);
}

asio::awaitable<void> TlsStream::flush_output() {
  // One writer at a time: several coroutines of one channel may write (a bank answers on one
  // and pushes to a device on another); the one already writing also sends what the others
  // queued in the engine, in order, so two writes never interleave on the socket.
  if (writing_) co_return;
  struct WritingFlag {
    bool& flag;
    explicit WritingFlag(bool& f) : flag(f) { flag = true; }
    ~WritingFlag() { flag = false; }
  } writing(writing_);
  for (;;) {
    Bytes output = engine_->take_output();
    if (output.empty()) co_return;
    // The flight (or the records) go out in one send; a socket with room takes them at once,
    // and only a write that would block arms the write deadline (issue 17: no timer per write).
    const std::size_t sent = send_available(output);
    if (sent == output.size()) continue;
    write_timer_.arm(Clock::now() + timeouts_.write, lifetime_, [this, size = output.size()] {
      close_quietly_ = true;  // close_notify would only wait for the same peer again
      cut(ChannelFailure::write_timeout,
          peer_label_ + " did not read " + size_text(size) +
              (is_server(*engine_) ? " of answers" : " of requests") + " within " +
              duration_text(timeouts_.write));
    });
    boost::system::error_code error;
    co_await asio::async_write(socket_, asio::buffer(output.data() + sent, output.size() - sent),
                               asio::redirect_error(asio::use_awaitable, error));
    write_timer_.disarm();
    if (error) throw_socket_error(error, "writing to");
  }
}

void TlsStream::process_events() {
  for (tls::Event& event : engine_->take_events()) {
    std::visit(Overloaded{
                   [&](tls::HandshakeComplete& done) { summary_ = std::move(done.summary); },
                   [&](tls::ApplicationData& data) {
                     if (!data.data.empty()) received_.push_back(std::move(data.data));
                   },
                   [&](tls::AlertReceived& alert) {
                     std::string name = tls::alert_name(alert.description);
                     static metrics::CounterFamily& received = metrics::global().counter_family(
                         "sc_tls_alerts_received_total",
                         "TLS alerts received from peers, by description", {"description"});
                     received.with({name}).increment();
                     if (alert.level == tls::AlertLevel::fatal) {
                       spdlog::warn("{}: peer sent fatal alert {}", peer_label_, name);
                       failure_.emplace(alert.description, AlertOrigin::peer,
                                        peer_label_ + " sent alert " + name);
                     } else {
                       spdlog::info("{}: peer sent warning alert {}", peer_label_, name);
                     }
                   },
                   [&](tls::AlertSent& alert) {
                     std::string name = tls::alert_name(alert.description);
                     static metrics::CounterFamily& sent = metrics::global().counter_family(
                         "sc_tls_alerts_sent_total", "TLS alerts sent to peers, by description",
                         {"description"});
                     sent.with({name}).increment();
                     spdlog::warn("{}: sent alert {}: {}", peer_label_, name, alert.reason);
                     failure_.emplace(alert.description, AlertOrigin::local, alert.reason);
                   },
                   [&](tls::PeerClosed&) {
                     spdlog::info("{}: peer sent close_notify", peer_label_);
                     peer_closed_ = true;
                   },
                   [&](tls::KeyUpdated& update) {
                     spdlog::info(
                         "{}: {} traffic keys updated (KeyUpdate)", peer_label_,
                         update.direction == tls::KeyDirection::sending ? "sending" : "receiving");
                   },
               },
               event);
  }
}

void TlsStream::make_non_blocking(const char* operation) {
  if (socket_.non_blocking()) return;
  boost::system::error_code error;
  socket_.non_blocking(true, error);  // a read or send without waiting must never block
  if (error) throw_socket_error(error, operation);
}

std::size_t TlsStream::send_available(ByteView output) {
  make_non_blocking("writing to");
  boost::system::error_code error;
  const std::size_t sent = socket_.write_some(asio::buffer(output.data(), output.size()), error);
  if (error == asio::error::would_block || error == asio::error::try_again) return 0;
  if (error) throw_socket_error(error, "writing to");
  return sent;
}

bool TlsStream::receive_available() {
  make_non_blocking("reading from");
  boost::system::error_code error;
  const MutableByteView buffer = thread_receive_buffer();
  const std::size_t count = socket_.read_some(asio::buffer(buffer.data(), buffer.size()), error);
  if (error == asio::error::would_block || error == asio::error::try_again) return false;
  if (error) throw_socket_error(error, "reading from");
  engine_->receive(ByteView(buffer.data(), count));
  return true;
}

asio::awaitable<void> TlsStream::receive_once() {
  throw_if_failed();
  if (stop_requested_) {
    throw ChannelError(make_error_code(ChannelFailure::shutting_down),
                       "channel with " + peer_label_ + " stopped: the service is shutting down");
  }
  // Before the handshake completes only its absolute deadline applies: bytes trickling in do
  // not buy the peer more time. After it, each read waits at most the idle time.
  const bool idle_applies = engine_->handshake_complete();
  if (idle_applies) {
    idle_timer_.arm(Clock::now() + timeouts_.idle, lifetime_, [this] {
      cut(ChannelFailure::idle_timeout,
          "channel with " + peer_label_ + " idle for " + duration_text(timeouts_.idle));
    });
  }
  // Waiting for readability holds no buffer; bytes are read only once they are there.
  bool waited = false;
  try {
    while (!receive_available()) {
      boost::system::error_code error;
      co_await socket_.async_wait(tcp::socket::wait_read,
                                  asio::redirect_error(asio::use_awaitable, error));
      if (error) throw_socket_error(error, "reading from");
      waited = true;
    }
  } catch (...) {
    if (idle_applies) idle_timer_.disarm();
    throw;
  }
  if (idle_applies) idle_timer_.disarm();
  process_events();
  // Data that was there without waiting: let the other work of this thread (other channels,
  // deadlines) run before this channel goes on, as a completed asynchronous read would. (Going
  // on at once was tried and costs more: readiness reported for this socket before the read is
  // still queued in the reactor and would wake the next wait for nothing.)
  if (!waited) co_await asio::post(socket_.get_executor(), asio::use_awaitable);
  co_await flush_output();  // replies (alerts, KeyUpdate, handshake flights) go out first
  throw_if_failed();
}

asio::awaitable<void> TlsStream::handshake() {
  handshake_timer_.arm(handshake_deadline_, lifetime_, [this] {
    if (engine_->handshake_complete()) return;
    cut(ChannelFailure::handshake_timeout, "handshake with " + peer_label_ + " not complete " +
                                               duration_text(timeouts_.handshake) +
                                               " after it connected");
  });
  try {
    co_await flush_output();  // the client's ClientHello
    while (!engine_->handshake_complete()) {
      throw_if_failed();
      co_await receive_once();
    }
  } catch (...) {
    handshake_timer_.disarm();
    throw;
  }
  handshake_timer_.disarm();
}

asio::awaitable<Bytes> TlsStream::read() {
  for (;;) {
    if (next_received_ < received_.size()) {
      Bytes chunk = std::move(received_[next_received_++]);
      if (next_received_ == received_.size()) {
        std::vector<Bytes>().swap(received_);  // all read: an idle channel keeps no queue
        next_received_ = 0;
      }
      co_return chunk;
    }
    throw_if_failed();
    if (peer_closed_) co_return Bytes{};
    co_await receive_once();
  }
}

asio::awaitable<void> TlsStream::write(ByteView data) {
  throw_if_failed();
  engine_->send_application_data(data);
  co_await flush_output();
}

asio::awaitable<void> TlsStream::key_update(tls::KeyUpdateRequest request) {
  throw_if_failed();
  engine_->send_key_update(request);
  process_events();
  co_await flush_output();
}

asio::awaitable<void> TlsStream::shutdown() {
  try {
    if (!close_quietly_ && !engine_->failed() && !engine_->local_closed()) {
      engine_->close();
      co_await flush_output();
    }
  } catch (const std::exception& error) {
    spdlog::debug("{}: close_notify not delivered: {}", peer_label_, error.what());
  }
  handshake_timer_.disarm();
  idle_timer_.disarm();
  close_socket();
}

asio::awaitable<void> TlsStream::abort(tls::AlertDescription alert, std::string reason) {
  try {
    if (!engine_->failed()) {
      engine_->abort(alert, reason);
      process_events();  // AlertSent: logged, and what a pending read() will throw
    }
    co_await flush_output();  // RFC 8446 section 6.2: the fatal alert, then the connection ends
  } catch (const std::exception& error) {
    spdlog::info("{}: alert {} not delivered: {}", peer_label_, tls::alert_name(alert),
                 error.what());
  }
  handshake_timer_.disarm();
  idle_timer_.disarm();
  close_socket();
}

void TlsStream::close_socket() {
  boost::system::error_code ignored;
  // A peer that has not finished sending (we ended the channel: an alert, a deadline, an
  // eviction) may have bytes we never read; close() alone would then answer with a reset at
  // once, which can reach the peer before it reads our alert. shutdown() sends the FIN after
  // the alert first. After the peer's close_notify nothing more comes from it, and the call
  // would only fail once the peer has reset (issue 17: one system call less per connection).
  if (!peer_closed_) socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

std::pair<std::string, std::uint16_t> parse_host_port(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw std::invalid_argument("expected HOST:PORT, got \"" + text + "\"");
  }
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto digits = std::string_view(text).substr(colon + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (error != std::errc() || end != digits.data() + digits.size() || port > 65535) {
    throw std::invalid_argument("bad port in \"" + text + "\"");
  }
  return {host, static_cast<std::uint16_t>(port)};
}

asio::awaitable<std::shared_ptr<TlsStream>> connect(const std::string& host, std::uint16_t port,
                                                    tls::ClientConfig config, Timeouts timeouts) {
  const auto started = TlsStream::Clock::now();
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::use_awaitable);
  tcp::socket socket(executor);

  // The TCP connect counts against the same absolute handshake deadline.
  // (A handler already queued when the connect finished must not touch the socket again.)
  struct ConnectState {
    bool finished = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<ConnectState>();
  asio::steady_timer connect_deadline(executor);
  connect_deadline.expires_at(started + timeouts.handshake);
  connect_deadline.async_wait([state, &socket](const boost::system::error_code& error) {
    if (error || state->finished) return;
    state->timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
  boost::system::error_code error;
  co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, error));
  state->finished = true;
  connect_deadline.cancel();
  std::string label = host + ":" + std::to_string(port);
  if (state->timed_out) {
    throw ChannelError(
        make_error_code(ChannelFailure::handshake_timeout),
        "connecting to " + label + " timed out after " + duration_text(timeouts.handshake));
  }
  if (error) throw boost::system::system_error(error, "connecting to " + label);
  socket.set_option(tcp::no_delay(true));

  spdlog::info("connected to {}, starting TLS 1.3 handshake", label);
  auto stream = std::make_shared<TlsStream>(
      std::move(socket), tls::ClientEngine::create(std::move(config)), timeouts, label, started);
  co_await stream->handshake();
  co_return stream;
}

}  // namespace sc::net
