#include "common/tls/record/record_deframer.hpp"

#include <algorithm>

#include "common/tls/alert.hpp"

namespace sc::tls {

std::string content_type_name(std::uint8_t type) {
  switch (static_cast<ContentType>(type)) {
    case ContentType::change_cipher_spec:
      return "change_cipher_spec";
    case ContentType::alert:
      return "alert";
    case ContentType::handshake:
      return "handshake";
    case ContentType::application_data:
      return "application_data";
  }
  return "unknown content type " + std::to_string(type);
}

namespace {

// Checks a record header (RFC 8446 section 5.1) and returns the length of its fragment.
std::size_t checked_fragment_length(const std::uint8_t* header, bool protected_input,
                                    bool accept_any_tls_version) {
  const std::uint8_t type = header[0];
  const std::uint16_t version = static_cast<std::uint16_t>((header[1] << 8) | header[2]);
  const std::size_t length = (std::size_t{header[3]} << 8) | header[4];
  // RFC 8446 section 5: "If a TLS implementation receives an unexpected record type, it MUST
  // terminate the connection with an "unexpected_message" alert."
  if (type < 20 || type > 23) {
    throw ProtocolError(AlertDescription::unexpected_message,
                        "received a record of " + content_type_name(type));
  }
  // RFC 8446 section 5.1: legacy_record_version "MUST be ignored for all purposes". Before
  // any keys are in use we ignore it as long as it looks like TLS at all (major version 3):
  // tlsfuzzer, for one, sends its ClientHello in a record marked 0x0300 (SSL 3.0), and OpenSSL
  // 3.0 accepts any 0x03XX there. The same goes for the records that stay unprotected later
  // (a middlebox-compatibility change_cipher_spec, a peer's alert in the clear), which a
  // client may send before it has seen our ServerHello. Protected records are always 0x0303;
  // anything else is not a record of this connection.
  const bool tls_major = (version >> 8) == 0x03;
  const bool unprotected_type = type == 20 || type == 21;
  if (!(version == 0x0303 || ((accept_any_tls_version || unprotected_type) && tls_major))) {
    throw ProtocolError(AlertDescription::protocol_version,
                        "record carries legacy_record_version " + to_hex(ByteView(header + 1, 2)) +
                            (tls_major ? ", expected 0303" : ", which is not TLS"));
  }
  // RFC 8446 section 5.1/5.2: record_overflow for TLSPlaintext longer than 2^14 and
  // TLSCiphertext longer than 2^14 + 256.
  const std::size_t limit = protected_input ? kMaxCiphertext : kMaxPlaintext;
  if (length > limit) {
    throw ProtocolError(AlertDescription::record_overflow, "record of " + std::to_string(length) +
                                                               " bytes exceeds the limit of " +
                                                               std::to_string(limit));
  }
  return length;
}

// The record at the start of `input`, or nullopt when `input` does not hold all of it yet.
std::optional<Record> cut_record(ByteView input, bool protected_input,
                                 bool accept_any_tls_version) {
  if (input.size() < kRecordHeaderLength) return std::nullopt;
  const std::uint8_t* header = input.data();
  const std::size_t length =
      checked_fragment_length(header, protected_input, accept_any_tls_version);
  if (input.size() < kRecordHeaderLength + length) return std::nullopt;
  Record record;
  record.type = header[0];
  record.header.assign(header, header + kRecordHeaderLength);
  record.fragment.assign(header + kRecordHeaderLength, header + kRecordHeaderLength + length);
  return record;
}

// Header and all, the size of the record that `buffered` followed by `more` starts with, once
// its header is there and its length within any limit (a longer one is refused by next()).
std::optional<std::size_t> first_record_size(ByteView buffered, ByteView more) {
  if (buffered.size() + more.size() < kRecordHeaderLength) return std::nullopt;
  auto at = [&](std::size_t i) {
    return i < buffered.size() ? buffered[i] : more[i - buffered.size()];
  };
  const std::size_t length = (std::size_t{at(3)} << 8) | at(4);
  if (length > kMaxCiphertext) return std::nullopt;
  return kRecordHeaderLength + length;
}

}  // namespace

void RecordDeframer::feed(ByteView bytes) {
  keep_borrowed();  // lent bytes come first
  append(bytes);
}

RecordDeframer::Loan RecordDeframer::lend(ByteView bytes) {
  keep_borrowed();  // a loan that was not ended still counts, in order
  borrowed_ = bytes;
  return Loan(*this);
}

void RecordDeframer::keep_borrowed() {
  if (borrowed_.empty()) return;
  const ByteView unread = borrowed_;
  borrowed_ = {};
  append(unread);
}

void RecordDeframer::append(ByteView bytes) {
  if (bytes.empty()) return;
  // Drop what next() has consumed, so that however long a connection streams, the buffer holds
  // at most one unfinished record plus the new bytes (a peer whose every read ends inside a
  // record would otherwise grow it without end).
  if (position_ > 0) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(position_));
    position_ = 0;
  }
  const std::size_t needed = buffer_.size() + bytes.size();
  if (needed <= buffer_.capacity()) {
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    return;
  }
  // Within one record the buffer grows geometrically (a record arriving a byte at a time is
  // copied a bounded number of times) but never past the record's size: what a connection holds
  // stays in proportion to what its peer has sent. Bytes beyond the record (feed() of a long
  // stream) are given exactly the room they take.
  std::size_t capacity = needed;
  const std::optional<std::size_t> record = first_record_size(buffer_, bytes);
  if (!record || needed < *record) {
    capacity = std::max(needed, 2 * buffer_.capacity());
    if (record) capacity = std::min(capacity, *record);
  }
  buffer_.reserve(capacity);
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void RecordDeframer::complete_buffered_record(bool protected_input, bool accept_any_tls_version) {
  while (!borrowed_.empty()) {
    const ByteView unread = ByteView(buffer_).subspan(position_);
    std::size_t wanted = 0;
    if (unread.size() < kRecordHeaderLength) {
      wanted = kRecordHeaderLength - unread.size();
    } else {
      // The header is checked before any byte of its fragment is copied.
      const std::size_t size =
          kRecordHeaderLength +
          checked_fragment_length(unread.data(), protected_input, accept_any_tls_version);
      if (unread.size() >= size) return;
      wanted = size - unread.size();
    }
    const std::size_t taken = std::min(wanted, borrowed_.size());
    append(borrowed_.first(taken));
    borrowed_ = borrowed_.subspan(taken);
  }
}

void RecordDeframer::release_buffer() noexcept {
  Bytes().swap(buffer_);
  position_ = 0;
}

std::optional<Record> RecordDeframer::next(bool protected_input, bool accept_any_tls_version) {
  if (buffer_.size() > position_) {
    // A record a previous read ended inside: complete it from the lent bytes, cut it, and free
    // the buffer once nothing unread is left in it.
    complete_buffered_record(protected_input, accept_any_tls_version);
    auto record =
        cut_record(ByteView(buffer_).subspan(position_), protected_input, accept_any_tls_version);
    if (!record) return std::nullopt;
    position_ += kRecordHeaderLength + record->fragment.size();
    if (position_ == buffer_.size()) release_buffer();
    return record;
  }
  if (borrowed_.empty()) return std::nullopt;
  auto record = cut_record(borrowed_, protected_input, accept_any_tls_version);
  if (record) borrowed_ = borrowed_.subspan(kRecordHeaderLength + record->fragment.size());
  return record;
}

}  // namespace sc::tls
