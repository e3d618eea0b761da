#pragma once
// Bytes in, complete lines out. Lines end with "\n" (a "\r" before it is dropped) and carry at
// most max_line_bytes bytes without the terminator. A longer line is reported once as too long
// and the rest of it, up to its "\n", is discarded; the buffer never holds more than
// max_line_bytes + 1 bytes.
#include <cstddef>
#include <string>
#include <vector>

#include "common/crypto/bytes.hpp"

namespace sc::otp {

inline constexpr std::size_t kMaxLineBytes = 1024;

struct AssembledLine {
  std::string text;       // without "\n" / "\r\n"; empty when too_long
  bool too_long = false;  // the line exceeded the limit and was dropped
};

class LineAssembler {
 public:
  explicit LineAssembler(std::size_t max_line_bytes = kMaxLineBytes)
      : max_line_bytes_(max_line_bytes) {}

  std::vector<AssembledLine> feed(ByteView data);
  // Like feed(), but stops after the line that makes `lines` hold max_lines: returns how many
  // bytes of data it consumed (the rest is the caller's to feed later: back-pressure).
  std::size_t feed_some(ByteView data, std::size_t max_lines, std::vector<AssembledLine>& lines);
  // Forgets an unfinished line (after the caller gave up on the stream).
  void clear() {
    buffer_.clear();
    buffer_.shrink_to_fit();
    discarding_ = false;
  }

  // Bytes of an unfinished line held so far.
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::size_t max_line_bytes_;
  std::string buffer_;
  bool discarding_ = false;
};

}  // namespace sc::otp
