#pragma once
// CertificateRequest (RFC 8446 section 4.3.2).
#include "common/tls/handshake/extensions.hpp"

namespace sc::tls {

struct CertificateRequest {
  Bytes certificate_request_context;  // empty during the handshake
  Extensions extensions;              // signature_algorithms is mandatory
};

Bytes encode_certificate_request(const CertificateRequest& message);
CertificateRequest decode_certificate_request(ByteView body);

}  // namespace sc::tls
