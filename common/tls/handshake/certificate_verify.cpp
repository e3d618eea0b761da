#include "common/tls/handshake/certificate_verify.hpp"

#include <string_view>

#include "common/tls/handshake/handshake_message.hpp"
#include "common/tls/wire/byte_reader.hpp"
#include "common/tls/wire/byte_writer.hpp"

namespace sc::tls {

Bytes encode_certificate_verify(const CertificateVerify& message) {
  wire::ByteWriter writer;
  writer.u16(message.algorithm);
  writer.vector16(message.signature);
  return frame_handshake(HandshakeType::certificate_verify, writer.data());
}

CertificateVerify decode_certificate_verify(ByteView body) {
  wire::ByteReader reader(body, "CertificateVerify");
  CertificateVerify message;
  message.algorithm = reader.u16("algorithm");
  message.signature = to_bytes(reader.vector16(1, 0xFFFF, "signature"));
  reader.expect_end();
  return message;
}

Bytes certificate_verify_content(bool server, ByteView transcript_hash) {
  constexpr std::string_view kServer = "TLS 1.3, server CertificateVerify";
  constexpr std::string_view kClient = "TLS 1.3, client CertificateVerify";
  Bytes content(64, 0x20);
  ByteView label = as_bytes(server ? kServer : kClient);
  content.insert(content.end(), label.begin(), label.end());
  content.push_back(0);
  content.insert(content.end(), transcript_hash.begin(), transcript_hash.end());
  return content;
}

}  // namespace sc::tls
