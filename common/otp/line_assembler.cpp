#include "common/otp/line_assembler.hpp"

namespace sc::otp {

std::vector<AssembledLine> LineAssembler::feed(ByteView data) {
  std::vector<AssembledLine> lines;
  feed_some(data, static_cast<std::size_t>(-1), lines);
  return lines;
}

std::size_t LineAssembler::feed_some(ByteView data, std::size_t max_lines,
                                     std::vector<AssembledLine>& lines) {
  for (std::size_t at = 0; at < data.size(); ++at) {
    if (lines.size() >= max_lines) return at;
    const char c = static_cast<char>(data[at]);
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
  return data.size();
}

}  // namespace sc::otp
