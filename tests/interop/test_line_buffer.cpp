// tls_peer's line splitting: every input is either a text line or a refusal the echo server
// answers with "error: ...", so a peer never meets silence.
#include <catch2/catch.hpp>

#include <string>

#include "tests/tools/line_buffer.hpp"

namespace {

using sc::test::LineBuffer;
using sc::test::LineItem;
using sc::test::RefusedInput;
using sc::test::TextLine;

void feed(LineBuffer& buffer, const std::string& text) {
  buffer.append(sc::as_bytes(text));
}

std::string text_of(const LineItem& item) {
  REQUIRE(std::holds_alternative<TextLine>(item));
  return std::get<TextLine>(item).text;
}

std::string refusal_of(const LineItem& item) {
  REQUIRE(std::holds_alternative<RefusedInput>(item));
  return std::get<RefusedInput>(item).reason;
}

}  // namespace

TEST_CASE("lines split at newlines in any fragmentation, CRLF tolerated") {
  LineBuffer buffer;
  feed(buffer, "hel");
  CHECK_FALSE(buffer.next());
  CHECK(buffer.pending_size() == 3);
  feed(buffer, "lo\r\nsecond\nthi");
  CHECK(text_of(*buffer.next()) == "hello");
  CHECK(text_of(*buffer.next()) == "second");
  CHECK_FALSE(buffer.next());
  feed(buffer, "rd\twith tab\n\n");
  CHECK(text_of(*buffer.next()) == "third\twith tab");
  CHECK(text_of(*buffer.next()).empty());
  CHECK_FALSE(buffer.next());
  CHECK(buffer.pending_size() == 0);
}

TEST_CASE("control bytes make a line a refusal naming the byte and its offset") {
  LineBuffer buffer;
  feed(buffer, std::string("ab\x01"
                           "c\n",
                           5));
  const std::string reason = refusal_of(*buffer.next());
  CHECK(reason.find("line of 4 bytes is not text") != std::string::npos);
  CHECK(reason.find("0x01 at offset 2") != std::string::npos);

  feed(buffer, std::string("nul\0byte\n", 9));
  CHECK(refusal_of(*buffer.next()).find("0x00 at offset 3") != std::string::npos);
  feed(buffer, "del\x7f\n");
  CHECK(refusal_of(*buffer.next()).find("0x7f at offset 3") != std::string::npos);
  feed(buffer, "fine\n");
  CHECK(text_of(*buffer.next()) == "fine");
}

TEST_CASE("input beyond the line limit without a newline is refused and dropped") {
  LineBuffer buffer;
  feed(buffer, std::string(LineBuffer::max_line, 'x'));
  CHECK_FALSE(buffer.next());  // exactly at the limit: still waiting for the newline
  feed(buffer, "y");
  const std::string reason = refusal_of(*buffer.next());
  CHECK(reason.find("discarded " + std::to_string(LineBuffer::max_line + 1) + " bytes") !=
        std::string::npos);
  CHECK(buffer.pending_size() == 0);
  feed(buffer, "after\n");
  CHECK(text_of(*buffer.next()) == "after");
}

TEST_CASE("a terminated line over the limit is refused") {
  LineBuffer buffer;
  feed(buffer, std::string(LineBuffer::max_line + 1, 'z') + "\nnext\n");
  CHECK(refusal_of(*buffer.next()).find("exceeds the") != std::string::npos);
  CHECK(text_of(*buffer.next()) == "next");
}

TEST_CASE("the unterminated rest is handed out at close") {
  LineBuffer buffer;
  CHECK_FALSE(buffer.take_rest());
  feed(buffer, "done\npartial");
  CHECK(text_of(*buffer.next()) == "done");
  CHECK(text_of(*buffer.take_rest()) == "partial");
  CHECK_FALSE(buffer.take_rest());
}
