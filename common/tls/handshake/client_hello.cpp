#include "common/tls/handshake/client_hello.hpp"

#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

Bytes encode_client_hello(const ClientHello& hello) {
  wire::ByteWriter writer;
  writer.u16(hello.legacy_version);
  writer.bytes(hello.random);
  writer.vector8(hello.legacy_session_id);
  std::size_t mark = writer.open(2);
  for (std::uint16_t suite : hello.cipher_suites) writer.u16(suite);
  writer.close(mark);
  writer.vector8(hello.legacy_compression_methods);
  write_extensions(writer, hello.extensions);
  return frame_handshake(HandshakeType::client_hello, writer.data());
}

ClientHello decode_client_hello(ByteView body) {
  wire::ByteReader reader(body, "ClientHello");
  ClientHello hello;
  hello.legacy_version = reader.u16("legacy_version");
  hello.random = to_bytes(reader.bytes(32, "random"));
  hello.legacy_session_id = to_bytes(reader.vector8(0, 32, "legacy_session_id"));
  ByteView suites = reader.vector16(2, 0xFFFE, "cipher_suites");
  if (suites.size() % 2 != 0) {
    throw ProtocolError(AlertDescription::decode_error,
                        "ClientHello cipher_suites has an odd length");
  }
  wire::ByteReader suite_reader(suites, "ClientHello cipher_suites");
  while (!suite_reader.empty()) hello.cipher_suites.push_back(suite_reader.u16("CipherSuite"));
  hello.legacy_compression_methods = to_bytes(reader.vector8(1, 255, "legacy_compression_methods"));
  // A ClientHello without extensions, or with an empty or short extension block (legal up to
  // TLS 1.2), is a pre-TLS-1.3 client; keep it decodable so the engine can answer
  // protocol_version (or missing_extension) rather than decode_error.
  if (!reader.empty()) hello.extensions = read_extensions(reader, 0, "ClientHello");
  reader.expect_end();
  return hello;
}

}  // namespace sc::tls
