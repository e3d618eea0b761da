#pragma once
// Lines over a secure channel: the bank's protocol is one request line, one answer line.
#include <optional>
#include <string>

#include "common/net/tls_stream.hpp"

namespace sc::customer {

class LineChannel {
 public:
  static constexpr std::size_t kMaxLine = 4096;

  explicit LineChannel(net::TlsStream& stream) : stream_(stream) {}

  net::asio::awaitable<void> send_line(const std::string& line);
  // The next line without its end; nullopt when the bank closed the channel.
  net::asio::awaitable<std::optional<std::string>> read_line();

 private:
  net::TlsStream& stream_;
  std::string buffered_;
};

}  // namespace sc::customer
