#pragma once
// The caps an engine enforces against abusive peers (part of ClientConfig and ServerConfig).
#include <cstddef>
#include <cstdint>

namespace sc::tls {

// Caps against abuse; every violation is a fatal alert.
struct Limits {
  // Bytes of one handshake message. A ClientHello may be 131396 bytes (all its vectors at
  // their RFC 8446 maximum; OpenSSL 3.0's CLIENT_HELLO_MAX_LENGTH), and tlsfuzzer's
  // test-tls13-signature-algorithms sends one of about 65.6 KB with 32717 schemes.
  std::size_t max_handshake_message = 132 * 1024;
  std::size_t max_buffered_handshake = 256 * 1024;     // bytes buffered before handshake done
  std::size_t max_warning_alerts = 4;                  // non-close warning alerts tolerated
  std::size_t max_change_cipher_spec = 1;              // dummy CCS records tolerated
  std::size_t max_empty_records = 32;                  // zero-length records in a row
  std::size_t max_key_updates_per_record_window = 32;  // KeyUpdates without application data
  // Rejected 0-RTT data the server skips (RFC 8446 4.2.10), counted like OpenSSL 3.0 as record
  // payload minus tag and content type; 2^14 is what tlsfuzzer's 0-RTT scripts send.
  std::size_t max_skipped_early_data = 16384;
  // RFC 8446 section 5.5: records one traffic key protects in one direction. Before our sending
  // key reaches it the engine sends KeyUpdate on its own (its last record is kept for that
  // KeyUpdate), asking the peer to update too once the peer's key has protected half as many;
  // a peer that sends more than this under one key is refused with a fatal alert, so that a
  // 64-bit sequence number never wraps (5.3). 0: the suite's limit, record_limit(suite)
  // (2^24.5 records for AES-GCM, 2^64 - 1 for ChaCha20-Poly1305). Tests lower it; at least 2.
  // It counts the application traffic keys; handshake keys keep the suite's limit.
  std::uint64_t records_per_traffic_key = 0;
};

}  // namespace sc::tls
