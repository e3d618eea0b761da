// Fuzz target: the record deframer (RFC 8446 section 5.1) and the handshake reassembler behind
// it, fed an arbitrary byte stream in arbitrary splits. Only ProtocolError (a fatal alert) may
// escape; every record handed out must respect the length limit of its phase. The stream is
// read twice, once through feed() (copied into the deframer) and once through lend() (records
// cut from the caller's bytes, as the connection does): both must hand out the same records
// and stop at the same error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "common/tls/alert.hpp"
#include "common/tls/handshake/handshake_reassembler.hpp"
#include "common/tls/record/record_deframer.hpp"

namespace {

constexpr std::size_t kPlainLimit = 1 << 14;
constexpr std::size_t kProtectedLimit = (1 << 14) + 256;

struct Outcome {
  std::vector<sc::tls::Record> records;
  std::optional<std::string> error;
};

Outcome deframe(sc::ByteView stream, std::size_t chunk, bool lend, bool protected_input,
                bool accept_tls10) {
  Outcome outcome;
  sc::tls::RecordDeframer deframer;
  try {
    for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
      // Each read in a buffer of its own, wiped afterwards: no record may point into it.
      sc::Bytes read(
          stream.begin() + static_cast<std::ptrdiff_t>(offset),
          stream.begin() + static_cast<std::ptrdiff_t>(std::min(offset + chunk, stream.size())));
      if (lend) {
        auto loan = deframer.lend(read);
        while (auto record = deframer.next(protected_input, accept_tls10)) {
          outcome.records.push_back(std::move(*record));
        }
        loan.keep_unread();
      } else {
        deframer.feed(read);
        while (auto record = deframer.next(protected_input, accept_tls10)) {
          outcome.records.push_back(std::move(*record));
        }
      }
      std::fill(read.begin(), read.end(), 0xEE);
    }
  } catch (const sc::tls::ProtocolError& error) {
    outcome.error = error.what();  // a fatal alert: the expected outcome for most inputs
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // First byte: the phase flags; second byte: the size of each read (1..256).
  const bool protected_input = (data[0] & 1) != 0;
  const bool accept_tls10 = (data[0] & 2) != 0;
  const std::size_t chunk = static_cast<std::size_t>(data[1]) + 1;
  const sc::ByteView stream(data + 2, size - 2);
  const Outcome copied = deframe(stream, chunk, false, protected_input, accept_tls10);
  const Outcome lent = deframe(stream, chunk, true, protected_input, accept_tls10);
  if (copied.error != lent.error || copied.records.size() != lent.records.size()) std::abort();
  const std::size_t limit = protected_input ? kProtectedLimit : kPlainLimit;
  for (std::size_t i = 0; i < copied.records.size(); ++i) {
    const sc::tls::Record& a = copied.records[i];
    const sc::tls::Record& b = lent.records[i];
    if (a.type != b.type || a.header != b.header || a.fragment != b.fragment) std::abort();
    if (a.header.size() != 5 || a.fragment.size() > limit) std::abort();
  }
  sc::tls::HandshakeReassembler reassembler(64 * 1024, 128 * 1024);
  try {
    for (const sc::tls::Record& record : copied.records) {
      if (record.type != 22) continue;
      reassembler.feed(record.fragment);
      while (reassembler.next()) {
      }
    }
  } catch (const sc::tls::ProtocolError&) {
    // A fatal alert from the reassembler.
  }
  return 0;
}
