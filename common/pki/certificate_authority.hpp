#pragma once
// The TTP's certificate authority: a root key and self-signed root certificate in a folder
// (ca.key mode 0600, ca.pem), issuing end-entity certificates from CSRs, signing CRLs and
// OCSP responses.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/hash.hpp"
#include "common/crypto/signature.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/issuance_profile.hpp"
#include "common/pki/revocation.hpp"
#include "common/pki/serial_number.hpp"
#include "common/pki/subject.hpp"

namespace sc::pki {

struct CaOptions {
  crypto::KeyType key_type = crypto::KeyType::Rsa;
  unsigned rsa_bits = 3072;
  crypto::EcCurve curve = crypto::EcCurve::P256;
  crypto::HashAlgorithm hash = crypto::HashAlgorithm::Sha256;  // for everything the CA signs
  SubjectDetails subject{
      "DE", "", "", "SecureChannel Trusted Third Party", "", "SecureChannel Root CA"};
  unsigned root_validity_days = 3650;
};

// Key pair and certificate chain (leaf first, root last) of a TLS endpoint.
struct ServiceCredentials {
  crypto::PrivateKey key;
  std::vector<Certificate> chain;
  const Certificate& certificate() const { return chain.front(); }
};

// Enforced on every CSR: RSA 2048..8192 bits, or ECDSA on P-256 / P-384 (the floor of
// key_description.hpp, which verifiers apply too, plus the RSA maximum). Returns nullopt when
// acceptable, else the refusal sentence ("RSA key of 1024 bits is below the minimum of 2048").
std::optional<std::string> key_refusal(const KeyDescription& key);

class CertificateAuthority {
 public:
  static constexpr const char* root_certificate_file = "ca.pem";
  static constexpr const char* root_key_file = "ca.key";
  static constexpr const char* service_certificate_file = "service.pem";
  static constexpr const char* service_key_file = "service.key";

  // First start (neither ca.key nor ca.pem exists): creates the folder, the root key and the
  // self-signed root. Later starts load both. A missing half, a damaged file, or a key that
  // does not match the certificate throws PkiError and touches nothing.
  static CertificateAuthority open_or_create(const std::filesystem::path& folder,
                                             const CaOptions& options = {});
  // Loads an existing CA; throws PkiError when it is not there.
  static CertificateAuthority open(const std::filesystem::path& folder,
                                   crypto::HashAlgorithm hash = crypto::HashAlgorithm::Sha256);

  const Certificate& root() const { return root_; }
  const std::filesystem::path& folder() const { return folder_; }
  crypto::HashAlgorithm hash() const { return hash_; }

  // Issues a v3 end-entity certificate: subject from the CSR, issuer = root, validity
  // not_before (default now-5min) .. +validity_days, keyUsage digitalSignature (critical),
  // EKU per role, certificatePolicies with the role's policy OID (non-critical; see
  // role.hpp), subjectAltName from profile.dns_names, basicConstraints CA:FALSE, SKI, AKI,
  // and, when profile.publication is set, authorityInfoAccess (OCSP and caIssuers URLs) and
  // cRLDistributionPoints (the CRL's URL), both non-critical.
  // Nothing but the public key and the subject is taken from the CSR: extensions it
  // requests (a role policy among them) are ignored.
  // Refuses (PkiError) a CSR whose self-signature fails, whose key is below the minimums,
  // whose subject fails SubjectDetails::validate(), a serial the root itself uses, or
  // publication URLs PublicationUrls::problem() refuses.
  Certificate issue(const CertificateSigningRequest& csr, const IssuanceProfile& profile,
                    const SerialNumber& serial) const;

  static SerialNumber random_serial() { return SerialNumber::random(); }

  // A v2 CRL (RFC 5280 section 5) in PEM, with crlNumber and authorityKeyIdentifier
  // extensions and a reasonCode entry extension per revoked serial (none for unspecified).
  // crl_number defaults to this_update in seconds since the epoch (monotonic as time goes).
  std::string make_crl(const std::vector<RevokedEntry>& revoked, TimePoint this_update,
                       TimePoint next_update, std::optional<std::uint64_t> crl_number = {}) const;

  // Answers a DER OCSP request (RFC 6960) with a DER OCSP response signed by the root:
  // one SingleResponse per CertID, status from lookup (CertIDs not naming this CA: unknown),
  // nonce copied when present, thisUpdate = now, nextUpdate = now + next_update_after.
  // A request that does not parse yields a "malformedRequest" response, not an exception.
  Bytes make_ocsp_response(ByteView request_der, const RevocationLookup& lookup,
                           std::chrono::seconds next_update_after = std::chrono::hours(1)) const;

  // The TTP's own TLS identity (role TtpService, CN "ttp", SAN localhost and 127.0.0.1 by
  // default) as service.key / service.pem beside the root. Reuses them when present, valid,
  // matching and issued by this root; reissues the certificate (same key) when it expires
  // within 7 days or lacks the ttp-service role policy; creates both when neither exists; throws
  // PkiError on damaged files.
  ServiceCredentials ensure_service_credentials(
      const std::vector<std::string>& names = {"localhost", "127.0.0.1"},
      crypto::KeyType key_type = crypto::KeyType::Ecdsa) const;

 private:
  CertificateAuthority(std::filesystem::path folder, crypto::PrivateKey key, Certificate root,
                       crypto::HashAlgorithm hash);

  std::filesystem::path folder_;
  crypto::PrivateKey key_;
  Certificate root_;
  crypto::HashAlgorithm hash_;
};

}  // namespace sc::pki
