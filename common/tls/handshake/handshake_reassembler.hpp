#pragma once
// Reassembles handshake messages from record fragments: one message may span many records
// and one record may hold many messages (RFC 8446 section 5.1).
#include <cstddef>
#include <optional>

#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

class HandshakeReassembler {
 public:
  HandshakeReassembler(std::size_t max_message, std::size_t max_buffered)
      : max_message_(max_message), max_buffered_(max_buffered) {}

  void feed(ByteView fragment);
  // The next complete message, or nullopt. A message longer than max_message is refused.
  std::optional<HandshakeMessage> next();
  bool empty() const { return buffer_.size() == position_; }

 private:
  Bytes buffer_;
  std::size_t position_ = 0;
  std::size_t max_message_;
  std::size_t max_buffered_;
};

}  // namespace sc::tls
