#pragma once
// Record protection of one direction under one traffic secret (RFC 8446 section 5.2-5.3):
// per-record nonce = write_iv XOR the 64-bit sequence number padded to 12 bytes, AAD = the
// record header, inner plaintext = content || type || zeros. A new RecordProtection (sequence
// number 0) is made at every key change.
#include <cstdint>

#include "common/crypto/aead.hpp"
#include "common/tls/key_schedule.hpp"
#include "common/tls/record/content_type.hpp"

namespace sc::tls {

struct OpenedRecord {
  ContentType type{};
  Bytes content;
};

class RecordProtection {
 public:
  // first_sequence_number is 0 on the wire; tests start near 2^64 to check the wrap guard.
  RecordProtection(crypto::AeadAlgorithm aead, const TrafficKeys& keys,
                   std::uint64_t first_sequence_number = 0);

  // A whole TLSCiphertext record (header included) carrying content of the given type
  // (content.size() <= 2^14). Throws std::length_error instead of letting the sequence number
  // wrap (RFC 8446 section 5.3); the connection updates its keys long before.
  Bytes seal(ContentType type, ByteView content);
  // The same record appended to out (the connection's output buffer): one copy, no temporaries.
  void seal_into(ContentType type, ByteView content, Bytes& out);
  // Opens one record: bad_record_mac when it does not authenticate, unexpected_message when
  // the inner plaintext is all zeros, record_overflow when it is longer than 2^14 + 1, and
  // unexpected_message rather than let the sequence number wrap (5.3).
  OpenedRecord open(ByteView header, ByteView ciphertext);
  // The same, decrypting in place in the received fragment (no second buffer).
  OpenedRecord open(ByteView header, Bytes&& ciphertext);
  // Whether the record would authenticate at the current sequence number, which it leaves
  // unchanged (for skipping rejected 0-RTT records, RFC 8446 section 4.2.10).
  bool authentic(ByteView header, ByteView ciphertext) const;

  std::uint64_t sequence_number() const { return sequence_number_; }

 private:
  Bytes nonce() const;

  crypto::Aead aead_;
  SecretBytes iv_;
  std::uint64_t sequence_number_ = 0;
};

}  // namespace sc::tls
