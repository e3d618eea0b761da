#pragma once
// The engine hands the peer's certificate chain to a verifier. common/pki implements it with
// an X509_STORE; tests may implement it too. The engine itself never parses X.509 beyond
// extracting the leaf's public key.
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/alert.hpp"

namespace sc::tls {

enum class PeerRole { Server, Client };

// What the verifier established about the leaf's revocation status.
enum class RevocationEvidence {
  not_checked,    // nothing: the application must establish it (bank: asynchronous lookup)
  stapled_good,   // a stapled OCSP response, verified offline, says good
  looked_up_good  // a synchronous RevocationCheck said good
};

struct CertificateCheck {
  bool accepted = false;
  AlertDescription alert = AlertDescription::bad_certificate;  // when not accepted
  std::string reason;   // "certificate for CN=client-7 is revoked (serial 4F..., 2026-11-20)"
  std::string subject;  // one-line subject of the leaf, for logs, when it could be parsed
  // The accepted leaf's public key, when the verifier has it at hand: the engine then need not
  // parse the certificate a second time (with OpenSSL 3.0 a parse is ~8% of a handshake).
  std::shared_ptr<const crypto::PublicKey> leaf_key;
  RevocationEvidence revocation = RevocationEvidence::not_checked;
};

class CertificateVerifier {
 public:
  virtual ~CertificateVerifier() = default;
  // chain_der[0] is the leaf. expected_server_name is empty when the role is Client or when
  // no name is to be checked. stapled_ocsp is the DER OCSP response the peer stapled to its
  // leaf (status_request in the leaf's CertificateEntry, RFC 8446 section 4.4.2.1); empty when
  // it stapled none.
  virtual CertificateCheck verify(const std::vector<Bytes>& chain_der, PeerRole role,
                                  const std::string& expected_server_name,
                                  ByteView stapled_ocsp = {}) const = 0;
};

}  // namespace sc::tls
