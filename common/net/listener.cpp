#include "common/net/listener.hpp"

#include <csignal>

#include <spdlog/spdlog.h>

#include <thread>
#include <vector>

#include "common/metrics/metrics.hpp"
#include "common/net/acceptor.hpp"

namespace sc::net {
namespace {

std::string endpoint_label(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// Accept errors that say the process or the system is short of a resource: retrying at once
// would spin on the same error while the connection waits in the queue.
bool out_of_resources(const boost::system::error_code& error) {
  return error == asio::error::no_descriptors                            // EMFILE
         || error == boost::system::errc::too_many_files_open_in_system  // ENFILE
         || error == asio::error::no_buffer_space                        // ENOBUFS
         || error == asio::error::no_memory;                             // ENOMEM
}

constexpr auto kAcceptBackOff = std::chrono::milliseconds(100);

}  // namespace

Listener::Listener(asio::io_context& io, ListenerOptions options, EngineFactory engine_factory,
                   SessionHandler handler)
    : io_(io),
      options_(std::move(options)),
      engine_factory_(std::move(engine_factory)),
      handler_(std::move(handler)),
      acceptor_(io) {
  port_ = open_listening(acceptor_, options_.host, options_.port);
  // Flights and answers are written whole and must leave at once. Linux copies TCP_NODELAY from
  // the listening socket to every accepted one: one system call here instead of one per
  // connection (test_net checks accepted sockets have it).
  acceptor_.set_option(tcp::no_delay(true));
}

Listener::~Listener() {
  stop();
}

ListenerCounters Listener::counters() const {
  std::lock_guard lock(sessions_mutex_);
  return {active_.load(), unauthenticated_, evicted_.load(), refused_.load()};
}

void Listener::start() {
  spdlog::info(
      "listening on {}:{} (at most {} connections, of which {} still in their handshake, {} "
      "per address; handshake deadline {}, write deadline {}, idle {})",
      options_.host, port_, options_.max_connections, options_.max_unauthenticated,
      options_.max_unauthenticated_per_source, duration_text(options_.timeouts.handshake),
      duration_text(options_.timeouts.write), duration_text(options_.timeouts.idle));
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
  for (const auto& [id, session] : sessions_) session.stream->request_stop();
}

asio::awaitable<void> Listener::accept_loop() {
  while (!stopping_) {
    boost::system::error_code error;
    tcp::endpoint peer;  // filled by accept() itself: no getpeername per connection
    const asio::any_io_executor executor = options_.io_threads == IoThreads::one
                                               ? asio::any_io_executor(io_.get_executor())
                                               : asio::any_io_executor(asio::make_strand(io_));
    tcp::socket socket = co_await acceptor_.async_accept(
        executor, peer, asio::redirect_error(asio::use_awaitable, error));
    if (error) {
      if (stopping_ || error == asio::error::operation_aborted) break;
      if (out_of_resources(error)) {
        co_await back_off_after(error);
      } else {
        spdlog::warn("accept failed: {}", error.message());
      }
      continue;
    }
    if (accept_backing_off_) {
      spdlog::info("accepting connections again");
      accept_backing_off_ = false;
    }
    admit(std::move(socket), peer);
  }
  spdlog::info("listener on port {} stopped accepting", port_);
}

asio::awaitable<void> Listener::back_off_after(const boost::system::error_code& error) {
  if (!accept_backing_off_) {
    spdlog::warn("accept failed: {}; retrying every {} until it works again", error.message(),
                 duration_text(kAcceptBackOff));
    accept_backing_off_ = true;
  }
  if (error == asio::error::no_descriptors ||
      error == boost::system::errc::too_many_files_open_in_system) {
    // A descriptor held by a connection still in its handshake is the cheapest to give back.
    std::lock_guard lock(sessions_mutex_);
    evict_oldest_unauthenticated(nullptr, "the process ran out of file descriptors");
  }
  asio::steady_timer pause(acceptor_.get_executor());
  pause.expires_after(kAcceptBackOff);
  boost::system::error_code ignored;
  co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

void Listener::admit(tcp::socket socket, const tcp::endpoint& endpoint) {
  boost::system::error_code error;
  const std::string label = endpoint_label(endpoint);
  const asio::ip::address source = endpoint.address();
  {
    std::lock_guard lock(sessions_mutex_);
    const std::size_t from_source = unauthenticated_by_source_[source];
    if (options_.max_unauthenticated_per_source > 0 &&
        from_source >= options_.max_unauthenticated_per_source) {
      evict_oldest_unauthenticated(
          &source, fmt::format("{} has {} connections still in their handshake (at most {} per "
                               "address) and {} connected",
                               source.to_string(), from_source,
                               options_.max_unauthenticated_per_source, label));
    }
    if (options_.max_unauthenticated > 0 && unauthenticated_ >= options_.max_unauthenticated) {
      evict_oldest_unauthenticated(
          nullptr, fmt::format("{} connections are still in their handshake (at most {}) and {} "
                               "connected",
                               unauthenticated_, options_.max_unauthenticated, label));
    }
    if (sessions_.size() >= options_.max_connections) {
      bool made_room = evict_oldest_unauthenticated(
          nullptr, fmt::format("{} connections are open (the limit) and {} connected",
                               sessions_.size(), label));
      if (!made_room) {
        ++refused_;
        spdlog::warn("refusing {}: {} established connections already (the limit)", label,
                     sessions_.size());
        socket.close(error);
        if (unauthenticated_by_source_[source] == 0) unauthenticated_by_source_.erase(source);
        return;
      }
    }
    auto session =
        std::make_shared<TlsStream>(std::move(socket), engine_factory_(), options_.timeouts, label);
    const std::uint64_t id = next_id_++;
    sessions_.emplace(id, Admitted{session, source});
    ++unauthenticated_by_source_[source];
    ++unauthenticated_;
    if (stopping_) session->request_stop();
    ++active_;
    auto executor = session->socket().get_executor();
    asio::co_spawn(executor, serve(std::move(session), id), asio::detached);
  }
}

bool Listener::evict_oldest_unauthenticated(const asio::ip::address* source,
                                            const std::string& reason) {
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    Admitted& candidate = it->second;
    if (candidate.authenticated) continue;
    if (source != nullptr && candidate.source != *source) continue;
    spdlog::info("{}: evicted before its handshake completed, the oldest such connection: {}",
                 candidate.stream->peer_label(), reason);
    candidate.stream->evict(reason);
    release_unauthenticated(candidate.source);
    sessions_.erase(it);
    ++evicted_;
    return true;
  }
  return false;
}

void Listener::release_unauthenticated(const asio::ip::address& source) {
  --unauthenticated_;
  auto from_source = unauthenticated_by_source_.find(source);
  if (from_source != unauthenticated_by_source_.end() && --from_source->second == 0) {
    unauthenticated_by_source_.erase(from_source);
  }
}

bool Listener::mark_authenticated(std::uint64_t id) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  it->second.authenticated = true;
  release_unauthenticated(it->second.source);
  return true;
}

namespace {

void count_handshake(std::string_view suite, std::string_view group, std::string_view outcome) {
  static metrics::CounterFamily& handshakes = metrics::global().counter_family(
      "sc_tls_handshakes_total",
      "TLS 1.3 handshakes served, by cipher suite, key exchange group and outcome",
      {"suite", "group", "outcome"});
  handshakes.with({suite, group, outcome}).increment();
}

}  // namespace

void Listener::forget(std::uint64_t id) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;  // evicted: already forgotten
  if (!it->second.authenticated) release_unauthenticated(it->second.source);
  sessions_.erase(it);
}

asio::awaitable<void> Listener::serve(std::shared_ptr<TlsStream> session, std::uint64_t id) {
  TlsStream& stream = *session;
  const std::string& label = stream.peer_label();  // the stream outlives this coroutine's uses
  spdlog::info("{}: connection accepted, waiting for ClientHello", label);
  static metrics::Gauge& open = metrics::global().gauge(
      "sc_tls_connections_open", "TLS connections open now (handshaking or established)");
  open.add(1);
  bool handshake_done = false;
  try {
    co_await stream.handshake();
    handshake_done = true;
    if (!mark_authenticated(id)) {
      throw ChannelError(make_error_code(ChannelFailure::evicted),
                         label + " was evicted just as its handshake completed");
    }
    const tls::HandshakeSummary& summary = stream.summary();
    count_handshake(tls::cipher_suite_info(summary.suite).name,
                    tls::named_group_name(summary.group), "ok");
    if (spdlog::should_log(spdlog::level::info)) {  // the client's name is a string to build
      spdlog::info("{}: handshake complete: {}, {}{}", label,
                   tls::cipher_suite_info(summary.suite).name, tls::named_group_name(summary.group),
                   summary.peer_subject.empty() ? "" : ", client " + summary.peer_subject);
    }
    co_await handler_(stream);
  } catch (const ChannelError& error) {
    spdlog::info("{}: channel ended: {}", label, error.what());
  } catch (const boost::system::system_error& error) {
    spdlog::info("{}: connection ended: {}", label, error.what());
  } catch (const std::exception& error) {
    spdlog::error("{}: session failed: {}", label, error.what());
  }
  if (!handshake_done) count_handshake("none", "none", "failed");
  co_await stream.shutdown();
  forget(id);
  open.add(-1);
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
