#include "client/line_channel.hpp"

#include <stdexcept>

namespace sc::customer {

net::asio::awaitable<void> LineChannel::send_line(const std::string& line) {
  std::string text = line + "\n";
  co_await stream_.write(as_bytes(text));
}

net::asio::awaitable<std::optional<std::string>> LineChannel::read_line() {
  for (;;) {
    auto end = buffered_.find('\n');
    if (end != std::string::npos) {
      std::string line = buffered_.substr(0, end);
      buffered_.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      co_return line;
    }
    if (buffered_.size() > kMaxLine) {
      throw std::runtime_error("the bank sent a line longer than " + std::to_string(kMaxLine) +
                               " bytes");
    }
    Bytes chunk = co_await stream_.read();
    if (chunk.empty()) co_return std::nullopt;
    buffered_.append(chunk.begin(), chunk.end());
  }
}

}  // namespace sc::customer
