#pragma once
// CertificateVerify (RFC 8446 section 4.4.3) and the content its signature covers.
#include <cstdint>

#include "common/crypto/bytes.hpp"

namespace sc::tls {

struct CertificateVerify {
  std::uint16_t algorithm = 0;
  Bytes signature;
};

Bytes encode_certificate_verify(const CertificateVerify& message);
CertificateVerify decode_certificate_verify(ByteView body);

// 64 spaces, "TLS 1.3, server CertificateVerify" (or client), a zero byte, the transcript hash.
Bytes certificate_verify_content(bool server, ByteView transcript_hash);

}  // namespace sc::tls
