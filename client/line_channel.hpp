#pragma once
// Lines over a secure channel. The one line framer of the protocol, otp::LineAssembler, splits
// what the bank sends; a line longer than the client accepts ends the channel.
#include <deque>
#include <optional>
#include <string>

#include "common/net/tls_stream.hpp"
#include "common/otp/line_assembler.hpp"

namespace sc::customer {

class LineChannel {
 public:
  // The bank's longest line (an OTP push with a 70-character payee of quotes, all escaped) is
  // about 400 bytes; an ERROR sentence may be longer. Anything beyond this is not the bank.
  static constexpr std::size_t kMaxLine = 4096;

  explicit LineChannel(net::TlsStream& stream) : stream_(stream), assembler_(kMaxLine) {}

  net::asio::awaitable<void> send_line(const std::string& line);
  // The next line without its end; nullopt when the bank closed the channel. Throws
  // std::runtime_error when the bank sends a line longer than kMaxLine.
  net::asio::awaitable<std::optional<std::string>> read_line();

 private:
  net::TlsStream& stream_;
  otp::LineAssembler assembler_;
  std::deque<otp::AssembledLine> pending_;
};

}  // namespace sc::customer
