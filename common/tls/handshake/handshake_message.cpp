#include "common/tls/handshake/handshake_message.hpp"

#include "common/tls/wire/byte_writer.hpp"

namespace sc::tls {

std::string handshake_type_name(HandshakeType type) {
  switch (type) {
    case HandshakeType::client_hello:
      return "ClientHello";
    case HandshakeType::server_hello:
      return "ServerHello";
    case HandshakeType::new_session_ticket:
      return "NewSessionTicket";
    case HandshakeType::end_of_early_data:
      return "EndOfEarlyData";
    case HandshakeType::encrypted_extensions:
      return "EncryptedExtensions";
    case HandshakeType::certificate:
      return "Certificate";
    case HandshakeType::certificate_request:
      return "CertificateRequest";
    case HandshakeType::certificate_verify:
      return "CertificateVerify";
    case HandshakeType::finished:
      return "Finished";
    case HandshakeType::key_update:
      return "KeyUpdate";
    case HandshakeType::message_hash:
      return "message_hash";
  }
  return "unknown handshake message " + std::to_string(static_cast<int>(type));
}

Bytes frame_handshake(HandshakeType type, ByteView body) {
  wire::ByteWriter writer;
  writer.u8(static_cast<std::uint8_t>(type));
  writer.vector24(body);
  return writer.take();
}

}  // namespace sc::tls
