#include "tests/tools/line_buffer.hpp"

#include <cstdio>

namespace sc::test {
namespace {

std::string hex_byte(unsigned char byte) {
  char text[5];
  std::snprintf(text, sizeof text, "0x%02x", byte);
  return text;
}

}  // namespace

LineItem LineBuffer::classify(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto byte = static_cast<unsigned char>(line[i]);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
      return RefusedInput{"line of " + std::to_string(line.size()) +
                          " bytes is not text (control byte " + hex_byte(byte) + " at offset " +
                          std::to_string(i) + "); send text lines ending in \\n"};
    }
  }
  return TextLine{std::move(line)};
}

std::optional<LineItem> LineBuffer::next() {
  const auto end = pending_.find('\n');
  if (end == std::string::npos) {
    if (pending_.size() <= max_line) return std::nullopt;
    const std::size_t dropped = pending_.size();
    pending_.clear();
    return RefusedInput{"discarded " + std::to_string(dropped) +
                        " bytes without a newline (lines "
                        "are limited to " +
                        std::to_string(max_line) + " bytes)"};
  }
  std::string line = pending_.substr(0, end);
  pending_.erase(0, end + 1);
  if (line.size() > max_line) {
    return RefusedInput{"line of " + std::to_string(line.size()) + " bytes exceeds the " +
                        std::to_string(max_line) + "-byte limit"};
  }
  return classify(std::move(line));
}

std::optional<LineItem> LineBuffer::take_rest() {
  if (pending_.empty()) return std::nullopt;
  std::string rest;
  rest.swap(pending_);
  if (rest.size() > max_line) {
    return RefusedInput{"unterminated input of " + std::to_string(rest.size()) + " bytes"};
  }
  return classify(std::move(rest));
}

}  // namespace sc::test
