#pragma once
// Handshake message framing (RFC 8446 section 4): msg_type, uint24 length, body.
#include <cstdint>
#include <string>

#include "common/crypto/bytes.hpp"

namespace sc::tls {

enum class HandshakeType : std::uint8_t {
  client_hello = 1,
  server_hello = 2,
  new_session_ticket = 4,
  end_of_early_data = 5,
  encrypted_extensions = 8,
  certificate = 11,
  certificate_request = 13,
  certificate_verify = 15,
  finished = 20,
  key_update = 24,
  message_hash = 254,
};

// "ClientHello", "Finished", ... or "unknown handshake message 77".
std::string handshake_type_name(HandshakeType type);

// One complete handshake message as received or sent, header included (the transcript hashes
// these exact bytes).
struct HandshakeMessage {
  HandshakeType type{};
  Bytes encoded;  // 4-byte header + body
  ByteView body() const { return ByteView(encoded).subspan(4); }
};

// Prepends the 4-byte handshake header to body.
Bytes frame_handshake(HandshakeType type, ByteView body);

}  // namespace sc::tls
