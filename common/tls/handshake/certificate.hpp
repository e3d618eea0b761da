#pragma once
// Certificate (RFC 8446 section 4.4.2), X.509 entries only.
#include <optional>
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

// status_request in a CertificateEntry (RFC 8446 section 4.4.2.1): the DER OCSP response the
// entry staples, nullopt when it staples none; decode_error when its CertificateStatus is
// malformed. Whether the extension was asked for is the engine's check.
std::optional<Bytes> stapled_ocsp_response(const CertificateEntry& entry);
// Staples response (DER OCSPResponse) to the entry as status_request; an absent or empty
// response staples nothing (OCSPResponse<1..2^24-1>, RFC 6066 section 8).
void staple_ocsp_response(CertificateEntry& entry, const std::optional<Bytes>& response);

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
