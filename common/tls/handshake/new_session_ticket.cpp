#include "common/tls/handshake/new_session_ticket.hpp"

#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

Bytes encode_new_session_ticket(const NewSessionTicket& message) {
  wire::ByteWriter writer;
  writer.u32(message.ticket_lifetime);
  writer.u32(message.ticket_age_add);
  writer.vector8(message.ticket_nonce);
  writer.vector16(message.ticket);
  write_extensions(writer, message.extensions);
  return frame_handshake(HandshakeType::new_session_ticket, writer.data());
}

NewSessionTicket decode_new_session_ticket(ByteView body) {
  wire::ByteReader reader(body, "NewSessionTicket");
  NewSessionTicket message;
  message.ticket_lifetime = reader.u32("ticket_lifetime");
  message.ticket_age_add = reader.u32("ticket_age_add");
  message.ticket_nonce = to_bytes(reader.vector8(0, 255, "ticket_nonce"));
  message.ticket = to_bytes(reader.vector16(1, 0xFFFF, "ticket"));
  message.extensions = read_extensions(reader, 0, "NewSessionTicket");
  reader.expect_end();
  // RFC 8446 section 4.6.1: "Servers MUST NOT use any value greater than 604800 seconds".
  if (message.ticket_lifetime > 604800) {
    throw ProtocolError(AlertDescription::illegal_parameter,
                        "NewSessionTicket lifetime exceeds seven days");
  }
  return message;
}

}  // namespace sc::tls
