#pragma once
// Splits the received byte stream into records (RFC 8446 section 5.1), checking the header
// before a single byte of the fragment is buffered beyond the limit.
#include <optional>

#include "common/crypto/bytes.hpp"
#include "common/tls/record/content_type.hpp"

namespace sc::tls {

struct Record {
  std::uint8_t type = 0;
  Bytes header;  // the 5 header bytes: the AAD of a protected record
  Bytes fragment;
};

class RecordDeframer {
 public:
  void feed(ByteView bytes);
  // The next complete record, or nullopt when more bytes are needed. protected_input: the
  // peer's records are encrypted now (length limit 2^14+256, else 2^14).
  // accept_any_tls_version: any legacy_record_version 0x03XX is acceptable (plaintext records,
  // RFC 8446 section 5.1: the field is ignored); otherwise only 0x0303.
  std::optional<Record> next(bool protected_input, bool accept_any_tls_version);
  std::size_t buffered() const { return buffer_.size() - position_; }
  // Bytes held in memory, consumed ones included (bounded: see feed()).
  std::size_t retained() const { return buffer_.size(); }

 private:
  Bytes buffer_;
  std::size_t position_ = 0;
};

}  // namespace sc::tls
