#pragma once
// One channel to the bank with a reader of its own: every line the bank sends is read as it
// arrives, pushes (OTP, WARNING, BLOCKED) go to a handler at once, answers queue up for whoever
// sent the request. Everything runs on the stream's executor (one thread): one coroutine reads,
// the owner writes and waits.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client/line_channel.hpp"
#include "common/otp/bank_protocol.hpp"

namespace sc::customer {

// The bank answered with ERROR, or with something this client does not understand.
class BankError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bank ended the channel (close_notify or a closed connection): nothing more can be sent.
class BankClosedChannel : public BankError {
 public:
  explicit BankClosedChannel(const std::string& reason = "the bank closed the channel")
      : BankError(reason) {}
};

class BankConnection : public std::enable_shared_from_this<BankConnection> {
 public:
  using Clock = std::chrono::steady_clock;
  using PushHandler = std::function<void(const otp::BankAnswer& push)>;

  BankConnection(std::shared_ptr<net::TlsStream> stream, PushHandler on_push);
  BankConnection(const BankConnection&) = delete;
  BankConnection& operator=(const BankConnection&) = delete;

  // Starts the reader. Call once, on the stream's executor.
  void start();

  net::asio::awaitable<void> send(const std::string& line);
  // Sends PING; its PONG is taken by the reader (never queued as an answer), so a PING may go
  // out while a request waits for its answer.
  net::asio::awaitable<void> ping();
  unsigned outstanding_pings() const { return outstanding_pings_; }

  // The oldest answer not yet taken, without waiting.
  std::optional<std::string> take_answer();
  // The next answer, waiting until deadline; nullopt when the deadline passes or the channel
  // closes first (closed() tells which).
  net::asio::awaitable<std::optional<std::string>> next_answer(Clock::time_point deadline);
  // send() then next_answer(). Throws BankClosedChannel when the channel ends first and
  // BankError when no answer comes within timeout.
  net::asio::awaitable<std::string> exchange(const std::string& line, Clock::duration timeout);

  // Returns when a line arrives, the channel closes, wake() is called or deadline passes.
  // One waiter at a time.
  net::asio::awaitable<void> wait_for_activity(Clock::time_point deadline);
  void wake();

  bool closed() const { return closed_; }
  const std::string& close_reason() const { return close_reason_; }
  Clock::time_point last_received() const { return last_received_; }
  net::TlsStream& stream() { return *stream_; }

  // Stops the reader (a pending read ends), waits for it, then sends close_notify. Never throws.
  net::asio::awaitable<void> close();

 private:
  net::asio::awaitable<void> read_lines();
  void deliver(std::string line);

  std::shared_ptr<net::TlsStream> stream_;
  LineChannel channel_;
  PushHandler on_push_;
  std::deque<std::string> answers_;
  unsigned outstanding_pings_ = 0;
  bool started_ = false;
  bool closed_ = false;
  std::string close_reason_;
  Clock::time_point last_received_ = Clock::now();
  net::asio::steady_timer* waiter_ = nullptr;
};

}  // namespace sc::customer
