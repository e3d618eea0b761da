#include "bank_server/device_directory.hpp"

#include <spdlog/spdlog.h>

namespace sc::bank {

DeviceOutbox::DeviceOutbox(net::asio::any_io_executor executor)
    : executor_(std::move(executor)),
      signal_(std::make_shared<net::asio::steady_timer>(
          executor_, net::asio::steady_timer::time_point::max())) {}

void DeviceOutbox::wake_locked() {
  net::asio::post(executor_, [signal = signal_] { signal->cancel(); });
}

void DeviceOutbox::deliver(std::string line) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  if (lines_.size() >= kMaxQueuedLines) {
    lines_.pop_front();
    ++dropped_;
  }
  lines_.push_back(std::move(line));
  wake_locked();
}

void DeviceOutbox::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  wake_locked();
}

net::asio::awaitable<std::vector<std::string>> DeviceOutbox::next_lines() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (dropped_ > 0) {
        spdlog::warn("a device did not read its pushes: {} line(s) dropped", dropped_);
        dropped_ = 0;
      }
      if (closed_) co_return std::vector<std::string>{};
      if (!lines_.empty()) {
        std::vector<std::string> lines(std::make_move_iterator(lines_.begin()),
                                       std::make_move_iterator(lines_.end()));
        lines_.clear();
        co_return lines;
      }
      signal_->expires_at(net::asio::steady_timer::time_point::max());
    }
    boost::system::error_code ignored;
    co_await signal_->async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
  }
}

std::vector<std::string> DeviceOutbox::take_lines() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> lines(std::make_move_iterator(lines_.begin()),
                                 std::make_move_iterator(lines_.end()));
  lines_.clear();
  return lines;
}

DeviceDirectory::Registration::Registration(Registration&& other) noexcept
    : directory_(other.directory_), customer_(std::move(other.customer_)), id_(other.id_) {
  other.directory_ = nullptr;
}

DeviceDirectory::Registration::~Registration() {
  if (directory_ != nullptr) directory_->remove(customer_, id_);
}

DeviceDirectory::Registration DeviceDirectory::subscribe(const std::string& customer,
                                                         std::shared_ptr<DeviceOutbox> outbox) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  devices_[customer].emplace(id, Device{std::move(outbox), {}});
  return Registration(*this, customer, id);
}

std::size_t DeviceDirectory::push_otp(const std::string& customer,
                                      const std::string& transaction_id, const std::string& line,
                                      std::chrono::system_clock::time_point expires) {
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mutex_);
  auto found = devices_.find(customer);
  if (found == devices_.end()) return 0;
  std::size_t delivered = 0;
  for (auto& [id, device] : found->second) {
    std::erase_if(device.otps_seen, [now](const auto& seen) { return seen.second <= now; });
    if (!device.otps_seen.emplace(transaction_id, expires).second) continue;
    device.outbox->deliver(line);
    ++delivered;
  }
  return delivered;
}

std::size_t DeviceDirectory::push(const std::string& customer, const std::string& line) {
  std::lock_guard lock(mutex_);
  auto found = devices_.find(customer);
  if (found == devices_.end()) return 0;
  for (auto& [id, device] : found->second) device.outbox->deliver(line);
  return found->second.size();
}

std::vector<std::string> DeviceDirectory::customers() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> customers;
  customers.reserve(devices_.size());
  for (const auto& [customer, devices] : devices_) customers.push_back(customer);
  return customers;
}

std::size_t DeviceDirectory::devices(const std::string& customer) const {
  std::lock_guard lock(mutex_);
  auto found = devices_.find(customer);
  return found == devices_.end() ? 0 : found->second.size();
}

void DeviceDirectory::remove(const std::string& customer, std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto found = devices_.find(customer);
  if (found == devices_.end()) return;
  found->second.erase(id);
  if (found->second.empty()) devices_.erase(found);
}

}  // namespace sc::bank
