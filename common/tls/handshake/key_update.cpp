#include "common/tls/handshake/key_update.hpp"

#include <string>

#include "common/tls/handshake/handshake_message.hpp"
#include "common/tls/wire/byte_reader.hpp"

namespace sc::tls {

Bytes encode_key_update(const KeyUpdate& message) {
  const std::uint8_t body = message.update_requested ? 1 : 0;
  return frame_handshake(HandshakeType::key_update, ByteView(&body, 1));
}

KeyUpdate decode_key_update(ByteView body) {
  wire::ByteReader reader(body, "KeyUpdate");
  std::uint8_t request = reader.u8("request_update");
  reader.expect_end();
  // RFC 8446 section 4.6.3: any other value is illegal_parameter.
  if (request > 1) {
    throw ProtocolError(
        AlertDescription::illegal_parameter,
        "KeyUpdate request_update is " + std::to_string(request) + ", neither 0 nor 1");
  }
  return KeyUpdate{request == 1};
}

}  // namespace sc::tls
