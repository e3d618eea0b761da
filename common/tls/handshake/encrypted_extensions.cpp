#include "common/tls/handshake/encrypted_extensions.hpp"

#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

Bytes encode_encrypted_extensions(const EncryptedExtensions& message) {
  wire::ByteWriter writer;
  write_extensions(writer, message.extensions);
  return frame_handshake(HandshakeType::encrypted_extensions, writer.data());
}

EncryptedExtensions decode_encrypted_extensions(ByteView body) {
  wire::ByteReader reader(body, "EncryptedExtensions");
  EncryptedExtensions message;
  message.extensions = read_extensions(reader, 0, "EncryptedExtensions");
  reader.expect_end();
  return message;
}

}  // namespace sc::tls
