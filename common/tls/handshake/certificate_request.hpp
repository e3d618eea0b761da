#pragma once
// CertificateRequest (RFC 8446 section 4.3.2).
#include <vector>

#include "common/crypto/signature.hpp"
#include "common/tls/handshake/extensions.hpp"
#include "common/tls/status_request.hpp"

namespace sc::tls {

struct CertificateRequest {
  Bytes certificate_request_context;  // empty during the handshake
  Extensions extensions;              // signature_algorithms is mandatory
};

Bytes encode_certificate_request(const CertificateRequest& message);
CertificateRequest decode_certificate_request(ByteView body);

// What a CertificateRequest asks of the client, typed: the schemes its CertificateVerify may
// use (signature_algorithms, 4.3.2; code points we may not know included) and whether to
// staple an OCSP response (status_request, 4.4.2.1). decode_error when malformed.
struct CertificateRequestTerms {
  std::vector<crypto::SignatureScheme> signature_schemes;
  StatusRequest status_request = StatusRequest::none;
};
CertificateRequestTerms certificate_request_terms(const CertificateRequest& request);

}  // namespace sc::tls
