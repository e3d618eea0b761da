#include "common/tls/record/record_protection.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "common/tls/alert.hpp"

namespace sc::tls {

namespace {
constexpr std::uint64_t kLastSequenceNumber = std::numeric_limits<std::uint64_t>::max();
}

RecordProtection::RecordProtection(crypto::AeadAlgorithm aead, const TrafficKeys& keys,
                                   std::uint64_t first_sequence_number)
    : aead_(aead, keys.key), iv_(keys.iv), sequence_number_(first_sequence_number) {}

Bytes RecordProtection::nonce() const {
  // RFC 8446 section 5.3: the 64-bit sequence number in network byte order, left-padded with
  // zeros to iv_length, XORed with the static IV.
  Bytes nonce(iv_.begin(), iv_.end());
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(sequence_number_ >> (8 * i));
  }
  return nonce;
}

void RecordProtection::seal_into(ContentType type, ByteView content, Bytes& out) {
  // A zero type would be read back as padding (RFC 8446 5.4); 2^14 is the plaintext limit (5.1).
  if (static_cast<std::uint8_t>(type) == 0) {
    throw std::invalid_argument("cannot seal content type 0");
  }
  if (content.size() > kMaxPlaintext) throw std::length_error("record content over 2^14 bytes");
  // RFC 8446 section 5.3: "If a TLS implementation would need to wrap a sequence number, it
  // MUST either rekey (Section 4.6.3) or terminate the connection."
  if (sequence_number_ == kLastSequenceNumber) {
    throw std::length_error("the sending sequence number would wrap; the key must be updated");
  }
  const std::size_t inner_length = content.size() + 1;  // content || type, no padding
  const std::size_t length = inner_length + crypto::Aead::kTagLength;
  const std::size_t start = out.size();
  // The inner plaintext is appended where its ciphertext goes and encrypted in place: the
  // content is copied once, and no buffer is zero-filled first only to be overwritten.
  const std::size_t needed = start + kRecordHeaderLength + length;
  if (out.capacity() < needed) out.reserve(std::max(needed, 2 * out.capacity()));  // geometric
  const std::uint8_t header[kRecordHeaderLength] = {
      static_cast<std::uint8_t>(ContentType::application_data), 0x03, 0x03,
      static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  out.insert(out.end(), header, header + kRecordHeaderLength);
  out.insert(out.end(), content.begin(), content.end());
  out.push_back(static_cast<std::uint8_t>(type));
  out.resize(out.size() + crypto::Aead::kTagLength);
  std::uint8_t* record = out.data() + start;
  std::uint8_t* inner = record + kRecordHeaderLength;
  aead_.seal(nonce(), ByteView(record, kRecordHeaderLength), ByteView(inner, inner_length),
             MutableByteView(inner, length));
  ++sequence_number_;
}

Bytes RecordProtection::seal(ContentType type, ByteView content) {
  Bytes record;
  record.reserve(kRecordHeaderLength + content.size() + 1 + crypto::Aead::kTagLength);
  seal_into(type, content, record);
  return record;
}

bool RecordProtection::authentic(ByteView header, ByteView ciphertext) const {
  if (ciphertext.size() < crypto::Aead::kTagLength + 1) return false;
  Bytes inner(ciphertext.size() - crypto::Aead::kTagLength);
  const bool opened = aead_.open(nonce(), header, ciphertext, inner);
  crypto::cleanse(inner.data(), inner.size());
  return opened;
}

OpenedRecord RecordProtection::open(ByteView header, ByteView ciphertext) {
  return open(header, Bytes(ciphertext.begin(), ciphertext.end()));
}

OpenedRecord RecordProtection::open(ByteView header, Bytes&& ciphertext) {
  if (ciphertext.size() < crypto::Aead::kTagLength + 1) {
    throw ProtocolError(AlertDescription::bad_record_mac,
                        "protected record of " + std::to_string(ciphertext.size()) +
                            " bytes is too short to hold a tag and a content type");
  }
  if (sequence_number_ == kLastSequenceNumber) {  // RFC 8446 section 5.3: never wrap
    throw ProtocolError(AlertDescription::unexpected_message,
                        "the peer's records exhausted the 64-bit sequence number of its key");
  }
  // Decrypted in place: the inner plaintext overwrites the ciphertext it came from (the AEAD
  // cleanses it again when the tag does not match), then the tag is cut off.
  Bytes inner = std::move(ciphertext);
  const std::size_t inner_length = inner.size() - crypto::Aead::kTagLength;
  if (!aead_.open(nonce(), header, inner, MutableByteView(inner.data(), inner_length))) {
    throw ProtocolError(
        AlertDescription::bad_record_mac,
        "record " + std::to_string(sequence_number_) + " failed authentication (bad_record_mac)");
  }
  inner.resize(inner_length);
  ++sequence_number_;
  if (inner.size() > kMaxInnerPlaintext) {
    throw ProtocolError(
        AlertDescription::record_overflow,
        "decrypted record of " + std::to_string(inner.size()) + " bytes exceeds 2^14 + 1");
  }
  // RFC 8446 section 5.4: the content type is the last non-zero byte; an all-zero plaintext
  // "MUST terminate the connection with an "unexpected_message" alert".
  std::size_t end = inner.size();
  while (end > 0 && inner[end - 1] == 0) --end;
  if (end == 0) {
    throw ProtocolError(AlertDescription::unexpected_message,
                        "protected record holds only padding, no content type");
  }
  OpenedRecord opened;
  const std::uint8_t type = inner[end - 1];
  if (type < 20 || type > 23) {
    throw ProtocolError(AlertDescription::unexpected_message,
                        "protected record carries " + content_type_name(type));
  }
  opened.type = static_cast<ContentType>(type);
  inner.resize(end - 1);
  opened.content = std::move(inner);
  return opened;
}

}  // namespace sc::tls
