#pragma once
// CertificateVerify (RFC 8446 section 4.4.3) and the content its signature covers.
#include <cstdint>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/certificate_verifier.hpp"

namespace sc::tls {

struct CertificateVerify {
  std::uint16_t algorithm = 0;
  Bytes signature;
};

Bytes encode_certificate_verify(const CertificateVerify& message);
CertificateVerify decode_certificate_verify(ByteView body);

// 64 spaces, "TLS 1.3, server CertificateVerify" (or client), a zero byte, the transcript hash.
Bytes certificate_verify_content(PeerRole signer, ByteView transcript_hash);

// Checks the peer's CertificateVerify body (RFC 8446 section 4.4.3): a scheme we offered, one
// the key of its certificate can make, and a signature over the transcript hash. Returns the
// scheme; throws ProtocolError (illegal_parameter, decrypt_error) naming the peer otherwise.
crypto::SignatureScheme check_certificate_verify(ByteView body, PeerRole signer,
                                                 const std::vector<std::uint16_t>& offered,
                                                 const crypto::PublicKey& peer_key,
                                                 ByteView transcript_hash);

}  // namespace sc::tls
