// Fuzz target: opening protected records (RFC 8446 section 5.2) under fixed keys. The input is
// a stream of records; the first byte picks the AEAD. Some inputs are sealed first by the
// harness so that the fuzzer also reaches the inner-plaintext parsing (padding, content type).
// Only ProtocolError may escape; a sealed record must open to what was sealed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include "common/tls/alert.hpp"
#include "common/tls/record/record_protection.hpp"

namespace {

sc::tls::TrafficKeys fixed_keys(sc::crypto::AeadAlgorithm aead) {
  sc::tls::TrafficKeys keys;
  keys.key = sc::SecretBytes(sc::crypto::aead_key_length(aead), 0x42);
  keys.iv = sc::SecretBytes(12, 0x24);
  return keys;
}

constexpr sc::crypto::AeadAlgorithm kAeads[] = {sc::crypto::AeadAlgorithm::Aes128Gcm,
                                                sc::crypto::AeadAlgorithm::Aes256Gcm,
                                                sc::crypto::AeadAlgorithm::ChaCha20Poly1305};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const auto aead = kAeads[(data[0] & 0x7f) % 3];
  const bool seal_first = (data[0] & 0x80) != 0;
  sc::ByteView rest(data + 1, size - 1);
  sc::tls::RecordProtection sender(aead, fixed_keys(aead));
  sc::tls::RecordProtection receiver(aead, fixed_keys(aead));
  try {
    if (seal_first) {
      // rest = type byte || inner bytes: sealed by the harness, then opened.
      if (rest.empty()) return 0;
      // Content type 0 is never sent (RFC 8446 5.4: the receiver strips zeros up to the first
      // non-zero byte, which is the type); sealing it would make the padding swallow the type.
      if (rest[0] == 0) return 0;
      const auto type = static_cast<sc::tls::ContentType>(rest[0]);
      sc::ByteView content = rest.subspan(1, std::min<std::size_t>(rest.size() - 1, 1 << 14));
      const sc::Bytes record = sender.seal(type, content);
      sc::ByteView view(record);
      const auto opened = receiver.open(view.first(5), view.subspan(5));
      if (opened.type != type || opened.content.size() != content.size() ||
          !std::equal(opened.content.begin(), opened.content.end(), content.begin())) {
        std::abort();  // a sealed record did not open to what was sealed
      }
      return 0;
    }
    // rest = records as received: 5-byte header and fragment, length taken from the header.
    while (rest.size() >= 5) {
      const std::size_t length = (static_cast<std::size_t>(rest[3]) << 8) | rest[4];
      const std::size_t available = std::min(length, rest.size() - 5);
      receiver.open(rest.first(5), rest.subspan(5, available));
      rest = rest.subspan(5 + available);
    }
  } catch (const sc::tls::ProtocolError&) {
  }
  return 0;
}
