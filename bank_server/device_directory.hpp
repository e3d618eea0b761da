#pragma once
// The customers' devices: channels that sent SUBSCRIBE, by customer certificate. A new OTP is
// pushed to every device of its customer; a device that subscribes while an OTP is still
// pending gets it then. The clear code lives only here, in the bank's memory, until the
// transaction is finished or expires (the store keeps a keyed hash only), so a bank restart
// cannot deliver a code again: the devices that had it keep showing it.
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

  // Registers outbox as a device of customer (certificate fingerprint) and pushes to it the
  // customer's OTPs still pending. Returns the registration and the number of pending lines.
  std::pair<Registration, std::size_t> subscribe(const std::string& customer,
                                                 std::shared_ptr<DeviceOutbox> outbox);

  // Pushes an OTP line to every device of customer and remembers it for late subscribers
  // until forget() or expires. Returns the number of devices it went to.
  std::size_t push_otp(const std::string& customer, const std::string& transaction_id,
                       const std::string& line, std::chrono::system_clock::time_point expires);
  // Any other push (WARNING, BLOCKED): to every device now, not remembered.
  std::size_t push(const std::string& customer, const std::string& line);
  // The transaction is finished (confirmed, locked): its code is dropped from memory.
  void forget(const std::string& transaction_id);

  std::size_t devices(const std::string& customer) const;

 private:
  struct PendingCode {
    std::string customer;
    std::string line;  // holds the code: memory only, never logged
    std::chrono::system_clock::time_point expires;
  };
  void remove(const std::string& customer, std::uint64_t id);
  void drop_expired_locked(std::chrono::system_clock::time_point now);

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::string, std::map<std::uint64_t, std::shared_ptr<DeviceOutbox>>> devices_;
  std::map<std::string, PendingCode> pending_;  // by transaction id
};

}  // namespace sc::bank
