#pragma once
// Splits a byte stream into text lines for tls_peer. A line ends with "\n" (a "\r" before it is
// dropped). Bytes that cannot form a text line (control bytes, a line longer than the limit)
// are reported as a refusal so the peer tool can answer them instead of staying silent.
#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "common/crypto/bytes.hpp"

namespace sc::test {

struct TextLine {
  std::string text;
};
struct RefusedInput {
  std::string reason;  // "line of 20000 bytes exceeds the 16384-byte limit", ...
};
using LineItem = std::variant<TextLine, RefusedInput>;

class LineBuffer {
 public:
  static constexpr std::size_t max_line = 16 * 1024;

  void append(ByteView bytes) { pending_.append(bytes.begin(), bytes.end()); }

  // The next complete line or refusal, or nullopt when more bytes are needed.
  std::optional<LineItem> next();

  // Bytes of an unterminated line still waiting for its "\n".
  std::size_t pending_size() const { return pending_.size(); }
  // Takes the unterminated rest (at close) as one item.
  std::optional<LineItem> take_rest();

 private:
  static LineItem classify(std::string line);

  std::string pending_;
};

}  // namespace sc::test
