#pragma once
// What an engine reports (Engine::take_events) and the KeyUpdate request it is given.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/alert.hpp"
#include "common/tls/certificate_verifier.hpp"
#include "common/tls/cipher_suite.hpp"

namespace sc::tls {

struct HandshakeSummary {
  CipherSuite suite{};
  NamedGroup group{};
  bool hello_retry_request = false;
  crypto::SignatureScheme peer_signature_scheme{};  // scheme of the peer's CertificateVerify
  std::optional<crypto::SignatureScheme> own_signature_scheme;  // none if we did not sign
  std::vector<Bytes> peer_certificate_chain;  // DER, leaf first; empty if the peer sent none
  std::string peer_subject;                   // from the verifier, for logs
  std::string server_name;                    // SNI sent (client) or received (server)
  // The OCSP response the peer stapled to its leaf (RFC 8446 section 4.4.2.1), if any, and
  // what the verifier established about the leaf's revocation status.
  std::optional<Bytes> peer_ocsp_response;
  RevocationEvidence peer_revocation = RevocationEvidence::not_checked;
};

struct HandshakeComplete {
  HandshakeSummary summary;
};
struct ApplicationData {
  Bytes data;
};
struct AlertReceived {
  AlertLevel level;
  AlertDescription description;
};
struct AlertSent {
  AlertDescription description;
  std::string reason;  // the sentence saying what went wrong
};
struct PeerClosed {};  // close_notify received: the peer will send nothing more
// Which traffic keys a KeyUpdate replaced: ours (we sent it) or the peer's (we received it).
enum class KeyDirection { sending, receiving };
struct KeyUpdated {
  KeyDirection direction;
};

using Event = std::variant<HandshakeComplete, ApplicationData, AlertReceived, AlertSent, PeerClosed,
                           KeyUpdated>;

// KeyUpdate.request_update (RFC 8446 section 4.6.3): whether the peer is asked to update its
// sending keys too.
enum class KeyUpdateRequest { not_requested, requested };

}  // namespace sc::tls
