#include "client/line_channel.hpp"

#include <stdexcept>

namespace sc::customer {

net::asio::awaitable<void> LineChannel::send_line(const std::string& line) {
  const std::string text = line + "\n";
  co_await stream_.write(as_bytes(text));
}

net::asio::awaitable<std::optional<std::string>> LineChannel::read_line() {
  while (pending_.empty()) {
    const Bytes chunk = co_await stream_.read();
    if (chunk.empty()) co_return std::nullopt;
    for (auto& line : assembler_.feed(chunk)) pending_.push_back(std::move(line));
  }
  otp::AssembledLine line = std::move(pending_.front());
  pending_.pop_front();
  if (line.too_long) {
    throw std::runtime_error("the bank sent a line longer than " + std::to_string(kMaxLine) +
                             " bytes");
  }
  co_return std::move(line.text);
}

}  // namespace sc::customer
