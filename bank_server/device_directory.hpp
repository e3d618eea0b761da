#pragma once
// The customers' devices on this bank instance: channels that sent SUBSCRIBE, by customer
// certificate. A new OTP is pushed to every local device of its customer; the pending OTPs
// themselves wait, sealed, in the push outbox (push_bus.hpp), which hands them to a device that
// subscribes later, on this instance or another one. Each device gets an OTP line at most once,
// however many paths bring it (its own instance, the bus, the outbox after a reconnection).
//
// Thread-safe: channels live on their own strands; pushing to a device queues the line in its
// outbox and wakes the coroutine that writes it (bounded: a device that does not read loses
// the oldest lines, and is cut by the write deadline anyway).
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/net/asio.hpp"

namespace sc::bank {

// One device channel's queue of lines to push.
class DeviceOutbox {
 public:
  static constexpr std::size_t kMaxQueuedLines = 64;

  explicit DeviceOutbox(net::asio::any_io_executor executor);

  // Queues line (without "\n") and wakes the writer. Any thread.
  void deliver(std::string line);
  // The writer: waits until lines are queued or close() was called; empty result = closed.
  net::asio::awaitable<std::vector<std::string>> next_lines();
  // The lines queued now, without waiting (tests).
  std::vector<std::string> take_lines();
  void close();  // any thread

 private:
  void wake_locked();

  net::asio::any_io_executor executor_;
  std::shared_ptr<net::asio::steady_timer> signal_;
  std::mutex mutex_;
  std::deque<std::string> lines_;
  std::size_t dropped_ = 0;
  bool closed_ = false;
};

class DeviceDirectory {
 public:
  // Removes the device from the directory when destroyed.
  class Registration {
   public:
    Registration(DeviceDirectory& directory, std::string customer, std::uint64_t id)
        : directory_(&directory), customer_(std::move(customer)), id_(id) {}
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&&) = delete;
    Registration(const Registration&) = delete;
    ~Registration();

   private:
    DeviceDirectory* directory_;
    std::string customer_;
    std::uint64_t id_;
  };

  // Registers outbox as a device of customer (certificate fingerprint). The customer's pending
  // OTPs are the outbox's to deliver (PushBus::deliver_pending).
  Registration subscribe(const std::string& customer, std::shared_ptr<DeviceOutbox> outbox);

  // Pushes an OTP line to every device of customer that has not had this transaction's line
  // yet (remembered until expires). Returns the number of devices it went to now.
  std::size_t push_otp(const std::string& customer, const std::string& transaction_id,
                       const std::string& line, std::chrono::system_clock::time_point expires);
  // Any other push (WARNING, BLOCKED): to every device now.
  std::size_t push(const std::string& customer, const std::string& line);

  std::size_t devices(const std::string& customer) const;
  // The customers with at least one device here (re-delivery after the bus reconnects).
  std::vector<std::string> customers() const;

 private:
  struct Device {
    std::shared_ptr<DeviceOutbox> outbox;
    // Transactions whose OTP line this device got, with their expiry.
    std::map<std::string, std::chrono::system_clock::time_point> otps_seen;
  };
  void remove(const std::string& customer, std::uint64_t id);

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::map<std::uint64_t, Device>> devices_;
};

}  // namespace sc::bank
