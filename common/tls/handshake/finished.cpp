#include "common/tls/handshake/finished.hpp"

#include "common/tls/handshake/handshake_message.hpp"
#include "common/tls/wire/byte_reader.hpp"

namespace sc::tls {

Bytes encode_finished(const Finished& message) {
  return frame_handshake(HandshakeType::finished, message.verify_data);
}

Finished decode_finished(ByteView body, std::size_t hash_length) {
  wire::ByteReader reader(body, "Finished");
  Finished message;
  message.verify_data = to_bytes(reader.bytes(hash_length, "verify_data"));
  reader.expect_end();
  return message;
}

}  // namespace sc::tls
