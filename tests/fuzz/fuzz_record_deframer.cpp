// Fuzz target: the record deframer (RFC 8446 section 5.1) and the handshake reassembler behind
// it, fed an arbitrary byte stream in arbitrary splits. Only ProtocolError (a fatal alert) may
// escape; every record handed out must respect the length limit of its phase.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include "common/tls/alert.hpp"
#include "common/tls/handshake/handshake_reassembler.hpp"
#include "common/tls/record/record_deframer.hpp"

namespace {

constexpr std::size_t kPlainLimit = 1 << 14;
constexpr std::size_t kProtectedLimit = (1 << 14) + 256;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // First byte: the phase flags; second byte: the size of each feed (1..256).
  const bool protected_input = (data[0] & 1) != 0;
  const bool accept_tls10 = (data[0] & 2) != 0;
  const std::size_t chunk = static_cast<std::size_t>(data[1]) + 1;
  sc::ByteView stream(data + 2, size - 2);
  sc::tls::RecordDeframer deframer;
  sc::tls::HandshakeReassembler reassembler(64 * 1024, 128 * 1024);
  try {
    for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
      deframer.feed(stream.subspan(offset, std::min(chunk, stream.size() - offset)));
      while (auto record = deframer.next(protected_input, accept_tls10)) {
        const std::size_t limit = protected_input ? kProtectedLimit : kPlainLimit;
        if (record->header.size() != 5 || record->fragment.size() > limit) std::abort();
        if (record->type == 22) {
          reassembler.feed(record->fragment);
          while (reassembler.next()) {
          }
        }
      }
    }
  } catch (const sc::tls::ProtocolError&) {
    // A fatal alert: the expected outcome for most inputs.
  }
  return 0;
}
