#include "common/net/tls_stream.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <stdexcept>
#include <variant>

namespace sc::net {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // clang 14 does not deduce aggregates by itself

std::string seconds_text(std::chrono::milliseconds duration) {
  auto millis = duration.count();
  if (millis % 1000 == 0) return std::to_string(millis / 1000) + " s";
  return std::to_string(millis) + " ms";
}

}  // namespace

TlsStream::TlsStream(tcp::socket socket, std::unique_ptr<tls::Engine> engine, Timeouts timeouts,
                     std::string peer_label)
    : socket_(std::move(socket)),
      engine_(std::move(engine)),
      timeouts_(timeouts),
      peer_label_(std::move(peer_label)),
      deadline_(socket_.get_executor()) {}

TlsStream::~TlsStream() {
  boost::system::error_code ignored;
  deadline_.cancel();
  socket_.close(ignored);
}

void TlsStream::arm_deadline(std::chrono::milliseconds timeout) {
  deadline_fired_ = false;
  deadline_.expires_after(timeout);
  deadline_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;  // cancelled: the operation finished in time (or the stream is gone)
    deadline_fired_ = true;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  });
}

void TlsStream::request_stop() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->stop_requested_ = true;
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);
  });
}

void TlsStream::throw_if_failed() const {
  if (failure_) throw *failure_;
}

asio::awaitable<void> TlsStream::flush_output() {
  Bytes output = engine_->take_output();
  if (output.empty()) co_return;
  co_await asio::async_write(socket_, asio::buffer(output), asio::use_awaitable);
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
                     spdlog::warn("{}: sent alert {}: {}", peer_label_, name, alert.reason);
                     failure_.emplace(alert.description, AlertOrigin::local, alert.reason);
                   },
                   [&](tls::PeerClosed&) {
                     spdlog::info("{}: peer sent close_notify", peer_label_);
                     peer_closed_ = true;
                   },
                   [&](tls::KeyUpdated& update) {
                     spdlog::info("{}: {} traffic keys updated (KeyUpdate)", peer_label_,
                                  update.sending ? "sending" : "receiving");
                   },
               },
               event);
  }
}

asio::awaitable<void> TlsStream::receive_once(std::chrono::milliseconds timeout,
                                              ChannelFailure on_timeout) {
  if (stop_requested_) {
    throw ChannelError(make_error_code(ChannelFailure::shutting_down),
                       "channel with " + peer_label_ + " stopped: the service is shutting down");
  }
  arm_deadline(timeout);
  boost::system::error_code error;
  std::size_t count = co_await socket_.async_read_some(
      asio::buffer(read_buffer_), asio::redirect_error(asio::use_awaitable, error));
  deadline_.cancel();
  if (error) {
    if (deadline_fired_) {
      std::string what = on_timeout == ChannelFailure::handshake_timeout
                             ? "handshake with " + peer_label_ + " timed out after "
                             : "channel with " + peer_label_ + " idle for ";
      throw ChannelError(make_error_code(on_timeout), what + seconds_text(timeout));
    }
    if (stop_requested_) {
      throw ChannelError(make_error_code(ChannelFailure::shutting_down),
                         "channel with " + peer_label_ + " stopped: the service is shutting down");
    }
    if (error == asio::error::eof || error == asio::error::connection_reset) {
      throw ChannelError(make_error_code(ChannelFailure::truncated),
                         peer_label_ + " closed the connection without close_notify (in state " +
                             engine_->state_name() + ")");
    }
    throw boost::system::system_error(error, "reading from " + peer_label_);
  }
  engine_->receive(ByteView(read_buffer_.data(), count));
  process_events();
  co_await flush_output();  // replies (alerts, KeyUpdate, handshake flights) go out first
  throw_if_failed();
}

asio::awaitable<void> TlsStream::handshake() {
  co_await flush_output();  // the client's ClientHello
  while (!engine_->handshake_complete()) {
    throw_if_failed();
    co_await receive_once(timeouts_.handshake, ChannelFailure::handshake_timeout);
  }
}

asio::awaitable<Bytes> TlsStream::read() {
  for (;;) {
    if (!received_.empty()) {
      Bytes chunk = std::move(received_.front());
      received_.pop_front();
      co_return chunk;
    }
    throw_if_failed();
    if (peer_closed_) co_return Bytes{};
    co_await receive_once(timeouts_.idle, ChannelFailure::idle_timeout);
  }
}

asio::awaitable<void> TlsStream::write(ByteView data) {
  throw_if_failed();
  engine_->send_application_data(data);
  co_await flush_output();
}

asio::awaitable<void> TlsStream::key_update(bool request_peer_update) {
  throw_if_failed();
  engine_->send_key_update(request_peer_update);
  process_events();
  co_await flush_output();
}

asio::awaitable<void> TlsStream::shutdown() {
  try {
    if (!engine_->failed() && !engine_->local_closed()) {
      engine_->close();
      co_await flush_output();
    }
  } catch (const std::exception& error) {
    spdlog::debug("{}: close_notify not delivered: {}", peer_label_, error.what());
  }
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
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
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(host, std::to_string(port), asio::use_awaitable);
  tcp::socket socket(executor);

  asio::steady_timer connect_deadline(executor);
  bool timed_out = false;
  connect_deadline.expires_after(timeouts.handshake);
  connect_deadline.async_wait([&](const boost::system::error_code& error) {
    if (error) return;
    timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
  boost::system::error_code error;
  co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, error));
  connect_deadline.cancel();
  std::string label = host + ":" + std::to_string(port);
  if (timed_out) {
    throw ChannelError(
        make_error_code(ChannelFailure::handshake_timeout),
        "connecting to " + label + " timed out after " + seconds_text(timeouts.handshake));
  }
  if (error) throw boost::system::system_error(error, "connecting to " + label);
  socket.set_option(tcp::no_delay(true));

  spdlog::info("connected to {}, starting TLS 1.3 handshake", label);
  auto stream = std::make_shared<TlsStream>(
      std::move(socket), tls::ClientEngine::create(std::move(config)), timeouts, label);
  co_await stream->handshake();
  co_return stream;
}

}  // namespace sc::net
