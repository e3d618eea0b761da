#include "common/net/listener.hpp"

#include <csignal>

#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

namespace sc::net {
namespace {

std::string endpoint_label(const tcp::socket& socket) {
  boost::system::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (error) return "unknown peer";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

Listener::Listener(asio::io_context& io, ListenerOptions options, EngineFactory engine_factory,
                   SessionHandler handler)
    : io_(io),
      options_(std::move(options)),
      engine_factory_(std::move(engine_factory)),
      handler_(std::move(handler)),
      acceptor_(io) {
  tcp::endpoint endpoint(asio::ip::make_address(options_.host), options_.port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

Listener::~Listener() {
  stop();
}

void Listener::start() {
  spdlog::info("listening on {}:{} (at most {} connections)", options_.host, port_,
               options_.max_connections);
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
}

void Listener::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::lock_guard lock(sessions_mutex_);
  if (!sessions_.empty()) {
    spdlog::info("closing {} live connection(s) with close_notify", sessions_.size());
  }
  for (const auto& session : sessions_) session->request_stop();
}

asio::awaitable<void> Listener::accept_loop() {
  while (!stopping_) {
    boost::system::error_code error;
    tcp::socket socket = co_await acceptor_.async_accept(
        asio::make_strand(io_), asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (stopping_ || error == asio::error::operation_aborted) break;
      spdlog::warn("accept failed: {}", error.message());
      continue;
    }
    if (active_ >= options_.max_connections) {
      spdlog::warn("refusing {}: {} connections already open (the limit)", endpoint_label(socket),
                   active_.load());
      socket.close(error);
      continue;
    }
    ++active_;
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve(std::move(socket)), asio::detached);
  }
  spdlog::info("listener on port {} stopped accepting", port_);
}

asio::awaitable<void> Listener::serve(tcp::socket socket) {
  std::string label = endpoint_label(socket);
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto session =
      std::make_shared<TlsStream>(std::move(socket), engine_factory_(), options_.timeouts, label);
  TlsStream& stream = *session;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.insert(session);
    if (stopping_) stream.request_stop();
  }
  spdlog::info("{}: connection accepted, waiting for ClientHello", label);
  try {
    co_await stream.handshake();
    const tls::HandshakeSummary& summary = stream.summary();
    spdlog::info("{}: handshake complete: {}, {}{}", label,
                 tls::cipher_suite_info(summary.suite).name, tls::named_group_name(summary.group),
                 summary.peer_subject.empty() ? "" : ", client " + summary.peer_subject);
    co_await handler_(stream);
  } catch (const ChannelError& error) {
    spdlog::info("{}: channel ended: {}", label, error.what());
  } catch (const boost::system::system_error& error) {
    spdlog::info("{}: connection ended: {}", label, error.what());
  } catch (const std::exception& error) {
    spdlog::error("{}: session failed: {}", label, error.what());
  }
  co_await stream.shutdown();
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }
  --active_;
  spdlog::info("{}: connection closed", label);
}

ShutdownSignals::ShutdownSignals(asio::io_context& io, std::function<void()> on_signal)
    : io_(io), on_signal_(std::move(on_signal)) {
  signals_.emplace(io, SIGINT, SIGTERM);
  // The wait is not re-armed: one signal starts the graceful shutdown, and io.run() returns
  // once the listeners and their sessions have finished.
  signals_->async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    spdlog::info("received signal {}, shutting down gracefully", signal_number);
    on_signal_();
  });
}

ShutdownSignals::~ShutdownSignals() {
  // Removing the signal_set restores the default action, which would let a late duplicate
  // of the signal kill a process that is exiting cleanly (timeout(1), for one, sends SIGTERM
  // to the command and again to its process group). From here on the process only exits.
  signals_.reset();
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
}

void ShutdownSignals::run(unsigned threads) {
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& worker : workers) worker.join();
}

}  // namespace sc::net
