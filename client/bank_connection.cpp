#include "client/bank_connection.hpp"

#include <spdlog/spdlog.h>

namespace sc::customer {

BankConnection::BankConnection(std::shared_ptr<net::TlsStream> stream, PushHandler on_push)
    : stream_(std::move(stream)), channel_(*stream_), on_push_(std::move(on_push)) {}

void BankConnection::start() {
  if (started_) return;
  started_ = true;
  net::asio::co_spawn(
      stream_->socket().get_executor(),
      [self = shared_from_this()]() { return self->read_lines(); }, net::asio::detached);
}

net::asio::awaitable<void> BankConnection::read_lines() {
  try {
    for (;;) {
      std::optional<std::string> line = co_await channel_.read_line();
      if (!line) {
        close_reason_ = "the bank closed the channel";
        break;
      }
      last_received_ = Clock::now();
      deliver(std::move(*line));
    }
  } catch (const std::exception& failure) {
    close_reason_ = failure.what();
  }
  closed_ = true;
  wake();
}

void BankConnection::deliver(std::string line) {
  const otp::BankAnswer parsed = otp::parse_answer(line);
  if (outstanding_pings_ > 0 && std::holds_alternative<otp::PongAnswer>(parsed)) {
    --outstanding_pings_;
  } else if (otp::is_push(parsed)) {
    try {
      on_push_(parsed);
    } catch (const std::exception& failure) {
      spdlog::error("handling a push from the bank failed: {}", failure.what());
    }
  } else {
    answers_.push_back(std::move(line));
  }
  wake();
}

net::asio::awaitable<void> BankConnection::send(const std::string& line) {
  if (closed_) throw BankClosedChannel(close_reason_);
  co_await channel_.send_line(line);
}

net::asio::awaitable<void> BankConnection::ping() {
  const std::string line = otp::format_request(otp::PingRequest{});  // no temporaries in co_await
  // Counted before the write completes: on loopback the PONG may be read before this coroutine
  // resumes, and must not be taken for the answer to someone's request.
  ++outstanding_pings_;
  try {
    co_await send(line);
  } catch (...) {
    --outstanding_pings_;
    throw;
  }
}

std::optional<std::string> BankConnection::take_answer() {
  if (answers_.empty()) return std::nullopt;
  std::string answer = std::move(answers_.front());
  answers_.pop_front();
  return answer;
}

net::asio::awaitable<std::optional<std::string>> BankConnection::next_answer(
    Clock::time_point deadline) {
  while (answers_.empty() && !closed_ && Clock::now() < deadline) {
    co_await wait_for_activity(deadline);
  }
  co_return take_answer();
}

net::asio::awaitable<std::string> BankConnection::exchange(const std::string& line,
                                                           Clock::duration timeout) {
  co_await send(line);
  std::optional<std::string> answer = co_await next_answer(Clock::now() + timeout);
  if (answer) co_return *answer;
  if (closed_) throw BankClosedChannel(close_reason_);
  throw BankError(
      "the bank did not answer within " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s");
}

net::asio::awaitable<void> BankConnection::wait_for_activity(Clock::time_point deadline) {
  net::asio::steady_timer timer(stream_->socket().get_executor(), deadline);
  waiter_ = &timer;
  boost::system::error_code ignored;  // cancelled: something happened
  co_await timer.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  waiter_ = nullptr;
}

void BankConnection::wake() {
  if (waiter_ != nullptr) waiter_->cancel();
}

net::asio::awaitable<void> BankConnection::close() {
  if (started_ && !closed_) {
    stream_->request_stop();
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(5);
    while (!closed_ && Clock::now() < deadline) co_await wait_for_activity(deadline);
    if (!closed_) spdlog::warn("the channel's reader did not stop within 5 s; closing anyway");
  }
  co_await stream_->shutdown();
}

}  // namespace sc::customer
