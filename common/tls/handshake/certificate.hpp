#pragma once
// Certificate (RFC 8446 section 4.4.2), X.509 entries only.
#include <vector>

#include "common/tls/handshake/extensions.hpp"

namespace sc::tls {

struct CertificateEntry {
  Bytes cert_data;  // DER
  Extensions extensions;
};

struct Certificate {
  Bytes certificate_request_context;
  std::vector<CertificateEntry> certificate_list;  // leaf first; may be empty (client)
};

Bytes encode_certificate(const Certificate& message);
Certificate decode_certificate(ByteView body);

}  // namespace sc::tls

#include "common/crypto/signature.hpp"
#include "common/tls/certificate_verifier.hpp"

namespace sc::tls {

// The public key of a DER certificate (its SubjectPublicKeyInfo); bad_certificate when the
// certificate or its key cannot be parsed.
crypto::PublicKey certificate_public_key(ByteView certificate_der);
// The key of an accepted peer leaf: the one the verifier handed over, else parsed from the DER.
crypto::PublicKey peer_public_key(const CertificateCheck& check, ByteView leaf_der);

}  // namespace sc::tls
