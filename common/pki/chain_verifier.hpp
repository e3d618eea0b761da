#pragma once
// Certificate chain verification for the TLS engine (tls::CertificateVerifier) with an
// X509_STORE: trusted roots, untrusted intermediates from the peer, X509_V_FLAG_X509_STRICT,
// the leaf's EKU for the peer's role, keyUsage digitalSignature, host name or IP, optionally
// the leaf's role (role.hpp), the algorithm floor on every certificate of the chain, and the
// revocation status from a stapled OCSP response or an optional revocation check.
//
// Order of the checks, and the alert of each refusal:
//   1. the chain to a trusted root (unknown_ca, certificate_expired, bad_certificate, ...)
//   2. the leaf's usage: EKU, digitalSignature, not a CA (unsupported_certificate)
//   3. the leaf's role when expect_role was called (unsupported_certificate)
//   4. the floor, for every certificate of the verified chain including the trust anchor:
//      RSA keys of at least 2048 bits, EC keys on P-256 or P-384 only, no signature made
//      with SHA-1 or MD5 (bad_certificate)
//   5. revocation: the staple per StaplePolicy (certificate_revoked,
//      bad_certificate_status_response), else the RevocationCheck (certificate_revoked,
//      certificate_unknown)
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/pki/certificate.hpp"
#include "common/pki/certificate_cache.hpp"
#include "common/pki/revocation.hpp"
#include "common/pki/role.hpp"
#include "common/tls/certificate_verifier.hpp"

namespace sc::pki {

// Asked about the leaf once the chain is otherwise good. Revoked -> certificate_revoked;
// Unknown -> accepted unless the verifier was told to require a known status.
using RevocationCheck =
    std::function<RevocationStatus(const Certificate& leaf, const Certificate& issuer)>;

// Sends a DER OCSP request to a responder and returns its DER response (throws on failure).
using OcspTransport = std::function<Bytes(const Bytes& request_der)>;

// A RevocationCheck that asks an OCSP responder: a request with a fresh nonce for the leaf,
// sent through transport, and the response checked by verify_ocsp_response (signature by the
// leaf's issuer, CertID, freshness, nonce echo). A response that cannot be trusted throws,
// which the verifier reports as certificate_unknown when it requires a known status.
RevocationCheck ocsp_revocation_check(OcspTransport transport);

// What a verifier does with the OCSP response a peer staples to its leaf.
enum class StaplePolicy {
  ignore,             // never looks at it (the default; revocation as before)
  verify_if_present,  // a staple is verified offline and decides; without one, the
                      // RevocationCheck (if set) is asked, else the status stays not_checked
  require             // a staple is verified and decides; without one the peer is refused
};

// Thread-safe once configured: one verifier serves every connection of a daemon. The trusted
// roots go into one X509_STORE when it is made, and the certificates of chains it accepted
// are kept parsed (CertificateCache), so that a peer seen again is not parsed again; every
// check (chain, usage, role, floor, revocation) still runs for every handshake.
class ChainVerifier : public tls::CertificateVerifier {
 public:
  using StaplePolicy = pki::StaplePolicy;

  explicit ChainVerifier(std::vector<Certificate> trusted_roots,
                         RevocationCheck revocation_check = {});

  void set_revocation_check(RevocationCheck check) { revocation_check_ = std::move(check); }
  // When set, an Unknown status is refused with certificate_unknown.
  void require_known_status(bool required) { require_known_status_ = required; }
  // Verify as of this time instead of now (tests, forensic checks).
  void set_verification_time(std::optional<TimePoint> time) { verification_time_ = time; }
  // The leaf must carry exactly this role's policy OID; otherwise unsupported_certificate
  // ("certificate for CN=ttp has the role ttp-service; this peer must be a bank"). Without
  // this call the role is not checked.
  void expect_role(Role role) { expected_role_ = role; }
  void set_staple_policy(StaplePolicy policy) { staple_policy_ = policy; }

  // A staple that says good yields check.revocation = stapled_good; a revoked one
  // certificate_revoked; one that cannot be trusted (signature, CertID, stale, from the
  // future, status unknown), or none under StaplePolicy::require,
  // bad_certificate_status_response.
  tls::CertificateCheck verify(const std::vector<Bytes>& chain_der, tls::PeerRole role,
                               const std::string& expected_server_name,
                               ByteView stapled_ocsp = {}) const override;

  const std::vector<Certificate>& trusted_roots() const { return trusted_roots_; }

 private:
  tls::CertificateCheck check_revocation_status(const Certificate& leaf, const Certificate& issuer,
                                                tls::PeerRole role, ByteView stapled_ocsp) const;

  std::vector<Certificate> trusted_roots_;
  std::shared_ptr<X509_STORE> store_;         // the trusted roots; shared by copies, never changed
  std::shared_ptr<CertificateCache> parsed_;  // certificates of accepted chains
  RevocationCheck revocation_check_;
  bool require_known_status_ = false;
  std::optional<TimePoint> verification_time_;
  std::optional<Role> expected_role_;
  StaplePolicy staple_policy_ = StaplePolicy::ignore;
};

// First contact with the TTP: the caller knows only the SHA-256 fingerprint of its root (out
// of band). Accepts a chain whose last certificate is a self-signed CA root with exactly that
// fingerprint, then verifies the chain to that root like ChainVerifier.
class PinnedRootVerifier : public tls::CertificateVerifier {
 public:
  // fingerprint: 32 bytes, or hex text with or without ':' separators (either case).
  explicit PinnedRootVerifier(Bytes sha256_fingerprint);
  explicit PinnedRootVerifier(std::string_view sha256_fingerprint_text);

  // As ChainVerifier's.
  void expect_role(Role role) { expected_role_ = role; }
  void set_staple_policy(StaplePolicy policy) { staple_policy_ = policy; }

  tls::CertificateCheck verify(const std::vector<Bytes>& chain_der, tls::PeerRole role,
                               const std::string& expected_server_name,
                               ByteView stapled_ocsp = {}) const override;

  // The pinned root if chain_der ends with it (so a client can save it after first contact).
  std::optional<Certificate> pinned_root_in(const std::vector<Bytes>& chain_der) const;

 private:
  Bytes fingerprint_;
  std::optional<Role> expected_role_;
  StaplePolicy staple_policy_ = StaplePolicy::ignore;
};

// Parses "AB:CD:..." / "abcd..." into 32 bytes; throws PkiError otherwise.
Bytes parse_sha256_fingerprint(std::string_view text);

}  // namespace sc::pki
