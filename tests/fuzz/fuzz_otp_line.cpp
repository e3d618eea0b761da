// Fuzz target: the bank's line protocol. Bytes go through the LineAssembler; each line is
// parsed as a request and as an answer. Nothing here may throw on hostile input, and the
// assembler must stay within its memory bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include "common/otp/bank_protocol.hpp"
#include "common/otp/line_assembler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  sc::ByteView stream(data + 1, size - 1);
  constexpr std::size_t kMax = 64;  // small limit so the fuzzer reaches the too-long path
  sc::otp::LineAssembler assembler(kMax);
  for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
    const auto lines =
        assembler.feed(stream.subspan(offset, std::min(chunk, stream.size() - offset)));
    if (assembler.buffered() > kMax + 1) std::abort();
    for (const auto& line : lines) {
      if (line.text.size() > kMax) std::abort();
      (void)sc::otp::parse_request(line.text);
      (void)sc::otp::parse_answer(line.text);
    }
  }
  // The whole input as one line too (longer than the assembler allows).
  const std::string_view whole(reinterpret_cast<const char*>(stream.data()), stream.size());
  (void)sc::otp::parse_request(whole);
  (void)sc::otp::parse_answer(whole);
  return 0;
}
