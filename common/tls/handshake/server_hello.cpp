#include "common/tls/handshake/server_hello.hpp"

#include <algorithm>
#include <array>

#include "common/tls/handshake/handshake_message.hpp"

namespace sc::tls {

ByteView hello_retry_request_random() {
  // RFC 8446 section 4.1.3
  static constexpr std::array<std::uint8_t, 32> kRandom = {
      0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
      0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
      0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};
  return kRandom;
}

bool ServerHello::is_hello_retry_request() const {
  ByteView special = hello_retry_request_random();
  return std::equal(random.begin(), random.end(), special.begin(), special.end());
}

Bytes encode_server_hello(const ServerHello& hello) {
  wire::ByteWriter writer;
  writer.u16(hello.legacy_version);
  writer.bytes(hello.random);
  writer.vector8(hello.legacy_session_id_echo);
  writer.u16(hello.cipher_suite);
  writer.u8(hello.legacy_compression_method);
  write_extensions(writer, hello.extensions);
  return frame_handshake(HandshakeType::server_hello, writer.data());
}

std::optional<CipherSuite> known_cipher_suite(const ServerHello& hello) {
  return cipher_suite_from_code(hello.cipher_suite);
}

std::optional<std::uint16_t> selected_version(const ServerHello& hello) {
  const Extension* versions = find_extension(hello.extensions, ExtensionType::supported_versions);
  if (versions == nullptr) return std::nullopt;
  return decode_selected_version(versions->data);
}

std::optional<ServerKeyShare> server_key_share(const ServerHello& hello) {
  const Extension* share = find_extension(hello.extensions, ExtensionType::key_share);
  if (share == nullptr) return std::nullopt;
  KeyShareEntry entry = decode_server_key_share(share->data);
  return ServerKeyShare{static_cast<NamedGroup>(entry.group), std::move(entry.key_exchange)};
}

HelloRetryRequestChanges hello_retry_request_changes(const ServerHello& retry) {
  HelloRetryRequestChanges changes;
  if (const Extension* share = find_extension(retry.extensions, ExtensionType::key_share)) {
    changes.selected_group = static_cast<NamedGroup>(decode_hello_retry_key_share(share->data));
  }
  if (const Extension* cookie = find_extension(retry.extensions, ExtensionType::cookie)) {
    changes.cookie = cookie->data;
  }
  return changes;
}

ServerHello decode_server_hello(ByteView body) {
  wire::ByteReader reader(body, "ServerHello");
  ServerHello hello;
  hello.legacy_version = reader.u16("legacy_version");
  hello.random = to_bytes(reader.bytes(32, "random"));
  hello.legacy_session_id_echo = to_bytes(reader.vector8(0, 32, "legacy_session_id_echo"));
  hello.cipher_suite = reader.u16("cipher_suite");
  hello.legacy_compression_method = reader.u8("legacy_compression_method");
  // A TLS 1.2 ServerHello may omit extensions; the engine then reports protocol_version.
  if (!reader.empty()) hello.extensions = read_extensions(reader, 0, "ServerHello");
  reader.expect_end();
  return hello;
}

}  // namespace sc::tls
