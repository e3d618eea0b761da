#include "client/device_daemon.hpp"

#include <spdlog/spdlog.h>

#include "client/customer_session.hpp"

namespace sc::customer {

DeviceDaemon::DeviceDaemon(net::asio::any_io_executor executor, BankConnector connect,
                           DaemonSettings settings, DeviceEvents& events)
    : executor_(std::move(executor)),
      connect_(std::move(connect)),
      settings_(settings),
      events_(events),
      backoff_(executor_),
      random_(std::random_device{}()) {}

void DeviceDaemon::stop() {
  if (stopping_) return;
  stopping_ = true;
  spdlog::info("stopping: closing the channel to the bank");
  backoff_.cancel();
  if (current_) current_->stream().request_stop();
}

void DeviceDaemon::reconnect_now(std::string reason) {
  if (stopping_) return;
  spdlog::info("replacing the channel to the bank: {}", reason);
  reconnect_reason_ = std::move(reason);
  backoff_.cancel();
  if (current_) current_->stream().request_stop();
}

net::asio::awaitable<void> DeviceDaemon::run() {
  while (!stopping_) {
    std::string reason;
    try {
      std::shared_ptr<net::TlsStream> stream = co_await connect_();
      current_ = std::make_shared<BankConnection>(
          std::move(stream), [this](const otp::BankAnswer& push) { events_.pushed(push); });
      current_->start();
      if (!stopping_) {
        events_.connected(current_->stream());
        co_await serve(*current_);
      }
    } catch (const std::exception& failure) {
      reason = failure.what();
    }
    if (current_) {
      if (reason.empty() && current_->closed()) reason = current_->close_reason();
      co_await current_->close();  // close_notify
      current_.reset();
    }
    if (stopping_) break;
    if (!reconnect_reason_.empty()) {
      events_.disconnected(reconnect_reason_);
      reconnect_reason_.clear();
      attempt_ = 0;
      continue;  // at once: nothing failed
    }
    events_.disconnected(reason.empty() ? "the channel ended" : reason);
    const std::chrono::milliseconds delay = pick_delay(reconnect_delay_range(attempt_), random_);
    if (attempt_ < 64) ++attempt_;
    events_.reconnecting(attempt_, delay);
    backoff_.expires_after(delay);
    boost::system::error_code cancelled;
    co_await backoff_.async_wait(net::asio::redirect_error(net::asio::use_awaitable, cancelled));
  }
  spdlog::info("stopped");
}

net::asio::awaitable<void> DeviceDaemon::serve(BankConnection& connection) {
  using Clock = BankConnection::Clock;
  CustomerSession session(connection, settings_.pong_timeout);
  const otp::SubscribedAnswer subscribed = co_await session.subscribe();
  attempt_ = 0;  // a working channel: the next failure starts the backoff afresh
  events_.subscribed(subscribed);

  Keepalive keepalive(settings_);
  while (!stopping_ && reconnect_reason_.empty()) {
    if (connection.closed()) throw BankClosedChannel(connection.close_reason());
    while (std::optional<std::string> answer = connection.take_answer()) {
      spdlog::warn("the bank sent an answer nobody asked for: \"{}\"", answer->substr(0, 200));
    }
    const Clock::time_point next_check = co_await keepalive.tick(connection);
    co_await connection.wait_for_activity(next_check);
  }
}

net::asio::awaitable<Keepalive::Clock::time_point> Keepalive::tick(BankConnection& connection) {
  const Clock::time_point now = Clock::now();
  if (connection.outstanding_pings() > 0) {
    if (now >= pong_deadline_) {
      throw BankError("no PONG within " + std::to_string(settings_.pong_timeout.count()) +
                      " s; the bank or the network is gone");
    }
    co_return pong_deadline_;
  }
  if (now - connection.last_received() >= settings_.keepalive) {
    spdlog::debug("nothing from the bank for {} s: PING", settings_.keepalive.count());
    co_await connection.ping();
    pong_deadline_ = now + settings_.pong_timeout;
    co_return pong_deadline_;
  }
  co_return connection.last_received() + settings_.keepalive;
}

}  // namespace sc::customer
