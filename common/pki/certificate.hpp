#pragma once
// An X.509 certificate, owned (X509_up_ref on copy), with the accessors the product needs.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/crypto/openssl_ptr.hpp"
#include "common/crypto/signature.hpp"
#include "common/pki/key_description.hpp"
#include "common/pki/role.hpp"
#include "common/pki/serial_number.hpp"
#include "common/pki/subject.hpp"

namespace sc::pki {

using TimePoint = std::chrono::system_clock::time_point;

enum class ExtendedKeyUsage { ServerAuth, ClientAuth, OcspSigning };
const char* extended_key_usage_name(ExtendedKeyUsage usage);  // "serverAuth", ...

class Certificate {
 public:
  explicit Certificate(crypto::X509Ptr certificate);  // takes ownership; throws on null
  Certificate(const Certificate& other);              // shares the X509 (up_ref)
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&&) noexcept = default;
  Certificate& operator=(Certificate&&) noexcept = default;
  ~Certificate() = default;

  // Throw PkiError on malformed input (trailing bytes after the DER are refused).
  static Certificate from_der(ByteView der);
  static Certificate from_pem(std::string_view pem);  // the first certificate in the text
  static std::vector<Certificate> chain_from_pem(std::string_view pem);  // all, in order

  Bytes to_der() const;
  std::string to_pem() const;

  std::string subject_line() const;  // "C=DE, O=Example Bank, CN=bank"
  std::string issuer_line() const;
  SubjectDetails subject() const;
  std::string common_name() const;  // "" when the subject has none
  SerialNumber serial() const;
  std::string serial_hex() const;  // upper-case hex
  TimePoint not_before() const;
  TimePoint not_after() const;
  crypto::PublicKey public_key() const;
  // The subject key as it is, also when crypto::PublicKey would refuse it (RSA-1024, P-521).
  KeyDescription key_description() const;

  std::string sha256_fingerprint() const;  // "AB:CD:...:EF"
  Bytes sha256_fingerprint_raw() const;    // 32 bytes

  bool is_ca() const;           // basicConstraints cA = TRUE
  bool is_self_signed() const;  // subject == issuer and the signature verifies with own key
  bool has_key_usage_digital_signature() const;
  std::vector<std::string> dns_names() const;     // subjectAltName dNSName entries
  std::vector<std::string> ip_addresses() const;  // subjectAltName iPAddress, text form
  std::vector<ExtendedKeyUsage> extended_key_usages() const;
  bool has_extended_key_usage(ExtendedKeyUsage usage) const;

  // The role whose policy OID (role_policy_oid) the certificatePolicies extension carries.
  // nullopt when it carries none of ours, several of ours, or does not parse; other policy
  // OIDs are ignored.
  std::optional<Role> role() const;
  // Every one of our role policy OIDs in certificatePolicies, in order (normally one; empty
  // without the extension). Throws PkiError when the extension does not parse.
  std::vector<Role> role_policies() const;

  // True when issuer's public key verifies this certificate's signature.
  bool signature_verified_by(const Certificate& issuer) const;

  X509* native() const { return certificate_.get(); }

 private:
  crypto::X509Ptr certificate_;
};

// Equality by DER encoding.
bool operator==(const Certificate& a, const Certificate& b);

// "2026-11-20 13:05:00 UTC"
std::string format_time(TimePoint time);

}  // namespace sc::pki
