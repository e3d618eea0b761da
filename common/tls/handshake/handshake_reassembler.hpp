#pragma once
// Reassembles handshake messages from record fragments: one message may span many records
// and one record may hold many messages (RFC 8446 section 5.1). Its buffer is freed whenever
// every buffered message has been taken, so that an established connection, which sees a
// post-handshake message only now and then, holds none.
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
  // Bytes of memory held (the buffer's capacity); 0 whenever empty().
  std::size_t retained() const { return buffer_.capacity(); }

 private:
  Bytes buffer_;
  std::size_t position_ = 0;
  std::size_t max_message_;
  std::size_t max_buffered_;
};

}  // namespace sc::tls
