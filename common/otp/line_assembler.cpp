#include "common/otp/line_assembler.hpp"

namespace sc::otp {

std::vector<AssembledLine> LineAssembler::feed(ByteView data) {
  std::vector<AssembledLine> lines;
  for (const std::uint8_t byte : data) {
    const char c = static_cast<char>(byte);
    if (c == '\n') {
      if (discarding_) {
        discarding_ = false;  // the over-long line ends here; it was already reported
      } else {
        if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
        if (buffer_.size() > max_line_bytes_) {
          lines.push_back({{}, true});
        } else {
          lines.push_back({std::move(buffer_), false});
        }
      }
      buffer_.clear();
      continue;
    }
    if (discarding_) continue;
    buffer_.push_back(c);
    // One byte beyond the limit may still be the "\r" of "\r\n"; two can not.
    const bool over = buffer_.size() > max_line_bytes_ + 1 ||
                      (buffer_.size() == max_line_bytes_ + 1 && buffer_.back() != '\r');
    if (over) {
      lines.push_back({{}, true});
      buffer_.clear();
      discarding_ = true;
    }
  }
  return lines;
}

}  // namespace sc::otp
