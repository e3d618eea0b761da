#pragma once
// Proofs of what the engine has verified about its peer. Each is a move-only type whose only
// maker is the function that does the check, so a handshake state that needs the proof (the
// state after Certificate needs a VerifiedCertificate, the state after CertificateVerify a
// PeerSignatureChecked) cannot be reached on a path that skips the check: it does not compile.
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/certificate_verifier.hpp"
#include "common/tls/events.hpp"
#include "common/tls/handshake/certificate.hpp"

namespace sc::tls {

// What the verifier established about the peer's certificate, for HandshakeSummary.
struct PeerIdentity {
  std::vector<Bytes> chain;  // DER, leaf first
  std::string subject;
  std::optional<Bytes> ocsp_response;  // stapled to the leaf
  RevocationEvidence revocation = RevocationEvidence::not_checked;
};

// The peer's Certificate, accepted by the CertificateVerifier (RFC 8446 section 4.4.2.4).
class VerifiedCertificate {
 public:
  VerifiedCertificate(VerifiedCertificate&&) noexcept = default;
  VerifiedCertificate& operator=(VerifiedCertificate&&) noexcept = default;
  VerifiedCertificate(const VerifiedCertificate&) = delete;
  VerifiedCertificate& operator=(const VerifiedCertificate&) = delete;

  PeerRole role() const { return role_; }
  const crypto::PublicKey& public_key() const { return public_key_; }

 private:
  friend VerifiedCertificate verify_peer_certificate(const CertificateVerifier&, const Certificate&,
                                                     PeerRole, const std::string&);
  friend class PeerSignatureChecked;
  VerifiedCertificate(PeerRole role, crypto::PublicKey key, PeerIdentity identity);

  PeerRole role_;
  crypto::PublicKey public_key_;
  PeerIdentity identity_;
};

// Runs the verifier over a non-empty Certificate message (entry extensions already checked by
// the caller): the chain, the expected server name (empty for a client) and the OCSP response
// stapled to the leaf (RFC 8446 section 4.4.2.1; one on another entry is ignored). Throws
// ProtocolError with the verifier's alert and sentence when it refuses the chain.
VerifiedCertificate verify_peer_certificate(const CertificateVerifier& verifier,
                                            const Certificate& certificate, PeerRole role,
                                            const std::string& expected_server_name);

// The peer's CertificateVerify, checked against the key of its verified certificate (RFC 8446
// section 4.4.3): proof that the peer holds the certificate's private key.
class PeerSignatureChecked {
 public:
  PeerSignatureChecked(PeerSignatureChecked&&) noexcept = default;
  PeerSignatureChecked& operator=(PeerSignatureChecked&&) noexcept = default;
  PeerSignatureChecked(const PeerSignatureChecked&) = delete;
  PeerSignatureChecked& operator=(const PeerSignatureChecked&) = delete;

  crypto::SignatureScheme scheme() const { return scheme_; }
  // Writes the peer's scheme, chain, subject, staple and revocation evidence.
  void record_in(HandshakeSummary& summary) &&;

  // Checks the CertificateVerify body: a scheme from offered, one the certificate's key can
  // make, a signature over transcript_hash. Consumes the certificate it vouches for.
  static PeerSignatureChecked check(VerifiedCertificate certificate, ByteView certificate_verify,
                                    const std::vector<std::uint16_t>& offered,
                                    ByteView transcript_hash);

 private:
  PeerSignatureChecked(crypto::SignatureScheme scheme, PeerIdentity identity);

  crypto::SignatureScheme scheme_;
  PeerIdentity identity_;
};

}  // namespace sc::tls
