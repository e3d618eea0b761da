#pragma once
// `client daemon`: the customer's device. Keeps one channel to the bank open and subscribed so
// that the bank can push the OTP of every transfer the customer starts, wherever it starts it.
// PING when nothing came for the keepalive period, reconnect when no PONG comes in time or the
// channel fails, with exponential backoff and jitter, and subscribe again after reconnecting.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <string>

#include "client/bank_connection.hpp"
#include "client/reconnect_policy.hpp"
#include "common/otp/bank_protocol.hpp"

namespace sc::customer {

struct DaemonSettings {
  std::chrono::seconds keepalive{30};     // PING after this long without a line from the bank
  std::chrono::seconds pong_timeout{10};  // no PONG this long after a PING: reconnect
};

// PING after `keepalive` without a line from the bank; a PING unanswered for `pong_timeout`
// means the bank or the network is gone. Used by the daemon and by the shell (whose channel
// would otherwise hit the bank's idle timeout while the person thinks).
class Keepalive {
 public:
  using Clock = BankConnection::Clock;
  explicit Keepalive(DaemonSettings settings) : settings_(settings) {}
  // Sends a PING when one is due; throws BankError when the last one went unanswered too long.
  // Returns when the next check is due.
  net::asio::awaitable<Clock::time_point> tick(BankConnection& connection);

 private:
  DaemonSettings settings_;
  Clock::time_point pong_deadline_{};
};

// What the daemon tells the person or program watching it.
class DeviceEvents {
 public:
  virtual ~DeviceEvents() = default;
  virtual void connected(const net::TlsStream& stream) = 0;
  virtual void subscribed(const otp::SubscribedAnswer& answer) = 0;
  virtual void pushed(const otp::BankAnswer& push) = 0;  // OtpPush, WarningPush or BlockedPush
  virtual void disconnected(const std::string& reason) = 0;
  virtual void reconnecting(unsigned attempt, std::chrono::milliseconds delay) = 0;
};

// Passes every event on and remembers whether the device is subscribed now (/readyz).
class SubscriptionTracker : public DeviceEvents {
 public:
  explicit SubscriptionTracker(DeviceEvents& inner) : inner_(inner) {}
  void connected(const net::TlsStream& stream) override { inner_.connected(stream); }
  void subscribed(const otp::SubscribedAnswer& answer) override {
    subscribed_ = true;
    inner_.subscribed(answer);
  }
  void pushed(const otp::BankAnswer& push) override { inner_.pushed(push); }
  void disconnected(const std::string& reason) override {
    subscribed_ = false;
    inner_.disconnected(reason);
  }
  void reconnecting(unsigned attempt, std::chrono::milliseconds delay) override {
    inner_.reconnecting(attempt, delay);
  }
  bool is_subscribed() const { return subscribed_.load(); }

 private:
  DeviceEvents& inner_;
  std::atomic<bool> subscribed_{false};
};

// Opens a new authenticated channel to the bank (net::connect with the customer's identity).
using BankConnector = std::function<net::asio::awaitable<std::shared_ptr<net::TlsStream>>()>;

class DeviceDaemon {
 public:
  DeviceDaemon(net::asio::any_io_executor executor, BankConnector connect, DaemonSettings settings,
               DeviceEvents& events);

  // Runs until stop(): connect, subscribe, keep alive, reconnect.
  net::asio::awaitable<void> run();
  // Asks run() to end: the channel is closed with close_notify. Call on the executor's thread
  // (from an asio::signal_set handler).
  void stop();
  // Ends the current channel with close_notify and opens a new one at once, without backoff:
  // after the customer's certificate was renewed, the device's subscription must be made with
  // the new certificate (the bank knows a customer by the certificate of the channel). Call on
  // the executor's thread.
  void reconnect_now(std::string reason);

 private:
  net::asio::awaitable<void> serve(BankConnection& connection);

  net::asio::any_io_executor executor_;
  BankConnector connect_;
  DaemonSettings settings_;
  DeviceEvents& events_;
  net::asio::steady_timer backoff_;
  std::shared_ptr<BankConnection> current_;
  std::mt19937_64 random_;
  unsigned attempt_ = 0;
  bool stopping_ = false;
  std::string reconnect_reason_;  // set by reconnect_now until the channel was replaced
};

}  // namespace sc::customer
