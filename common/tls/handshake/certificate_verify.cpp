#include "common/tls/handshake/certificate_verify.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "common/tls/alert.hpp"
#include "common/tls/handshake/handshake_message.hpp"
#include "common/tls/handshake/negotiation.hpp"
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

Bytes certificate_verify_content(PeerRole signer, ByteView transcript_hash) {
  constexpr std::string_view kServer = "TLS 1.3, server CertificateVerify";
  constexpr std::string_view kClient = "TLS 1.3, client CertificateVerify";
  Bytes content(64, 0x20);
  ByteView label = as_bytes(signer == PeerRole::Server ? kServer : kClient);
  content.insert(content.end(), label.begin(), label.end());
  content.push_back(0);
  content.insert(content.end(), transcript_hash.begin(), transcript_hash.end());
  return content;
}

crypto::SignatureScheme check_certificate_verify(ByteView body, PeerRole signer,
                                                 const std::vector<std::uint16_t>& offered,
                                                 const crypto::PublicKey& peer_key,
                                                 ByteView transcript_hash) {
  const std::string peer = signer == PeerRole::Server ? "server" : "client";
  const CertificateVerify verify = decode_certificate_verify(body);
  auto scheme = crypto::signature_scheme_from_code(verify.algorithm);
  // The algorithm must be one offered in signature_algorithms.
  if (!scheme || std::find(offered.begin(), offered.end(), verify.algorithm) == offered.end()) {
    throw ProtocolError(
        AlertDescription::illegal_parameter,
        peer + " signed with " + scheme_description(verify.algorithm) + " which we did not offer");
  }
  if (!peer_key.supports(*scheme)) {
    throw ProtocolError(AlertDescription::illegal_parameter,
                        peer + " signed with " + scheme_description(verify.algorithm) +
                            ", which its certificate key cannot make");
  }
  const Bytes content = certificate_verify_content(signer, transcript_hash);
  if (!peer_key.verify(*scheme, content, verify.signature)) {
    throw ProtocolError(AlertDescription::decrypt_error, peer + " CertificateVerify signature (" +
                                                             scheme_description(verify.algorithm) +
                                                             ") does not verify");
  }
  return *scheme;
}

}  // namespace sc::tls
