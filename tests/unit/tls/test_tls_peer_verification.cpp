// The proofs the handshake states carry (issue 17): VerifiedCertificate is made only by
// verify_peer_certificate, PeerSignatureChecked only by PeerSignatureChecked::check, so a state
// that holds one cannot be reached on a path that skipped the check.
#include <catch2/catch.hpp>
#include <functional>
#include <type_traits>

#include "common/tls/handshake/certificate_verify.hpp"
#include "common/tls/peer_verification.hpp"
#include "tests/unit/tls/alert_test_support.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

// Nothing but the checking functions can make a proof: no public constructor but the move.
static_assert(!std::is_default_constructible_v<VerifiedCertificate>);
static_assert(!std::is_copy_constructible_v<VerifiedCertificate>);
static_assert(
    !std::is_constructible_v<VerifiedCertificate, PeerRole, crypto::PublicKey, PeerIdentity>);
static_assert(!std::is_default_constructible_v<PeerSignatureChecked>);
static_assert(!std::is_copy_constructible_v<PeerSignatureChecked>);
static_assert(
    !std::is_constructible_v<PeerSignatureChecked, crypto::SignatureScheme, PeerIdentity>);

namespace {

Certificate certificate_of(const TestIdentity& identity) {
  Certificate certificate;
  certificate.certificate_list.push_back({identity.der(), {}});
  return certificate;
}

Bytes signed_certificate_verify(const TestIdentity& identity, ByteView transcript_hash) {
  CertificateVerify verify;
  verify.algorithm = static_cast<std::uint16_t>(crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  verify.signature =
      identity.key->sign(crypto::SignatureScheme::ecdsa_secp256r1_sha256,
                         certificate_verify_content(PeerRole::Server, transcript_hash));
  const Bytes message = encode_certificate_verify(verify);
  return Bytes(message.begin() + 4, message.end());  // the body
}

}  // namespace

TEST_CASE("verify_peer_certificate: the verifier's refusal is the alert", "[tls][proofs]") {
  const TestPki& pki = TestPki::get();
  CHECK(alert_of([&] {
          verify_peer_certificate(*pki.verifier, certificate_of(pki.stranger_leaf),
                                  PeerRole::Server, "server.test");
        }) == AlertDescription::unknown_ca);
  CHECK(alert_of([&] {
          verify_peer_certificate(*pki.verifier, certificate_of(pki.server_ecdsa), PeerRole::Server,
                                  "other.test");
        }) == AlertDescription::bad_certificate);
}

TEST_CASE("PeerSignatureChecked: made from a verified certificate and a good signature",
          "[tls][proofs]") {
  const TestPki& pki = TestPki::get();
  const Bytes transcript_hash(32, 0x42);
  const std::vector<std::uint16_t> offered = {0x0403};
  auto verified = [&] {
    return verify_peer_certificate(*pki.verifier, certificate_of(pki.server_ecdsa),
                                   PeerRole::Server, "server.test");
  };
  const Bytes good = signed_certificate_verify(pki.server_ecdsa, transcript_hash);

  PeerSignatureChecked proof =
      PeerSignatureChecked::check(verified(), good, offered, transcript_hash);
  CHECK(proof.scheme() == crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  HandshakeSummary summary;
  std::move(proof).record_in(summary);
  CHECK(summary.peer_signature_scheme == crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  CHECK(summary.peer_certificate_chain == std::vector<Bytes>{pki.server_ecdsa.der()});

  // Over another transcript, or by another key, the signature does not verify.
  const Bytes other_hash(32, 0x43);
  CHECK(alert_of([&] { PeerSignatureChecked::check(verified(), good, offered, other_hash); }) ==
        AlertDescription::decrypt_error);
  const Bytes stranger = signed_certificate_verify(pki.stranger_leaf, transcript_hash);
  CHECK(alert_of([&] {
          PeerSignatureChecked::check(verified(), stranger, offered, transcript_hash);
        }) == AlertDescription::decrypt_error);
  // A scheme we did not offer is illegal_parameter.
  CHECK(alert_of([&] {
          PeerSignatureChecked::check(verified(), good, {0x0804}, transcript_hash);
        }) == AlertDescription::illegal_parameter);
}
