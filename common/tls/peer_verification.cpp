#include "common/tls/peer_verification.hpp"

#include <utility>

#include "common/tls/handshake/certificate_verify.hpp"

namespace sc::tls {

VerifiedCertificate::VerifiedCertificate(PeerRole role, crypto::PublicKey key,
                                         PeerIdentity identity)
    : role_(role), public_key_(std::move(key)), identity_(std::move(identity)) {}

VerifiedCertificate verify_peer_certificate(const CertificateVerifier& verifier,
                                            const Certificate& certificate, PeerRole role,
                                            const std::string& expected_server_name) {
  PeerIdentity identity;
  for (const CertificateEntry& entry : certificate.certificate_list) {
    identity.chain.push_back(entry.cert_data);
  }
  identity.ocsp_response = stapled_ocsp_response(certificate.certificate_list.front());
  const CertificateCheck check =
      verifier.verify(identity.chain, role, expected_server_name,
                      identity.ocsp_response ? ByteView(*identity.ocsp_response) : ByteView());
  if (!check.accepted) throw ProtocolError(check.alert, check.reason);
  crypto::PublicKey key = peer_public_key(check, identity.chain.front());
  identity.subject = check.subject;
  identity.revocation = check.revocation;
  return VerifiedCertificate(role, std::move(key), std::move(identity));
}

PeerSignatureChecked::PeerSignatureChecked(crypto::SignatureScheme scheme, PeerIdentity identity)
    : scheme_(scheme), identity_(std::move(identity)) {}

PeerSignatureChecked PeerSignatureChecked::check(VerifiedCertificate certificate,
                                                 ByteView certificate_verify,
                                                 const std::vector<std::uint16_t>& offered,
                                                 ByteView transcript_hash) {
  const crypto::SignatureScheme scheme = check_certificate_verify(
      certificate_verify, certificate.role(), offered, certificate.public_key(), transcript_hash);
  return PeerSignatureChecked(scheme, std::move(certificate.identity_));
}

void PeerSignatureChecked::record_in(HandshakeSummary& summary) && {
  summary.peer_signature_scheme = scheme_;
  summary.peer_ocsp_response = std::move(identity_.ocsp_response);
  summary.peer_certificate_chain = std::move(identity_.chain);
  summary.peer_subject = std::move(identity_.subject);
  summary.peer_revocation = identity_.revocation;
}

}  // namespace sc::tls
