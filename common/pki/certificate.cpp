#include "common/pki/certificate.hpp"

#include <openssl/pem.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/crypto/error.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"

namespace sc::pki {

const char* extended_key_usage_name(ExtendedKeyUsage usage) {
  switch (usage) {
    case ExtendedKeyUsage::ServerAuth:
      return "serverAuth";
    case ExtendedKeyUsage::ClientAuth:
      return "clientAuth";
    case ExtendedKeyUsage::OcspSigning:
      return "OCSPSigning";
  }
  return "unknown";
}

Certificate::Certificate(crypto::X509Ptr certificate) : certificate_(std::move(certificate)) {
  if (!certificate_) throw PkiError("a certificate object is missing (null X509)");
}

Certificate::Certificate(const Certificate& other) : certificate_(nullptr) {
  crypto::check(X509_up_ref(other.native()) == 1, "X509_up_ref");
  certificate_.reset(other.native());
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    crypto::check(X509_up_ref(other.native()) == 1, "X509_up_ref");
    certificate_.reset(other.native());
  }
  return *this;
}

Certificate Certificate::from_der(ByteView der) {
  if (der.empty()) throw PkiError("the certificate is empty");
  const unsigned char* cursor = der.data();
  crypto::X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!certificate) {
    throw PkiError("the certificate is not valid DER X.509: " + crypto::openssl_error_text());
  }
  if (cursor != der.data() + der.size()) {
    throw PkiError("the certificate DER is followed by " +
                   std::to_string(der.data() + der.size() - cursor) + " unexpected bytes");
  }
  return Certificate(std::move(certificate));
}

Certificate Certificate::from_pem(std::string_view pem) {
  crypto::BioPtr bio = detail::read_only_bio(pem);
  crypto::X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) {
    throw PkiError("no valid PEM certificate found: " + crypto::openssl_error_text());
  }
  return Certificate(std::move(certificate));
}

std::vector<Certificate> Certificate::chain_from_pem(std::string_view pem) {
  crypto::BioPtr bio = detail::read_only_bio(pem);
  std::vector<Certificate> chain;
  for (;;) {
    crypto::X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!certificate) {
      const unsigned long error = ERR_peek_last_error();
      const bool end_of_input =
          ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE;
      if (end_of_input && !chain.empty()) {
        ERR_clear_error();
        break;
      }
      throw PkiError(chain.empty()
                         ? "no valid PEM certificate found: " + crypto::openssl_error_text()
                         : "certificate " + std::to_string(chain.size() + 1) +
                               " of the PEM bundle is damaged: " + crypto::openssl_error_text());
    }
    chain.emplace_back(std::move(certificate));
  }
  return chain;
}

Bytes Certificate::to_der() const {
  const int length = i2d_X509(native(), nullptr);
  crypto::check(length > 0, "i2d_X509");
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  crypto::check(i2d_X509(native(), &cursor) == length, "i2d_X509");
  return der;
}

std::string Certificate::to_pem() const {
  crypto::BioPtr bio = detail::memory_bio();
  crypto::check(PEM_write_bio_X509(bio.get(), native()) == 1, "PEM_write_bio_X509");
  return detail::bio_contents(bio.get());
}

std::string Certificate::subject_line() const {
  return name_one_line(X509_get_subject_name(native()));
}

std::string Certificate::issuer_line() const {
  return name_one_line(X509_get_issuer_name(native()));
}

SubjectDetails Certificate::subject() const {
  return SubjectDetails::from_x509_name(X509_get_subject_name(native()));
}

std::string Certificate::common_name() const {
  const X509_NAME* name = X509_get_subject_name(native());
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return {};
  return detail::asn1_string_utf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index)));
}

SerialNumber Certificate::serial() const {
  return SerialNumber::from_asn1(X509_get0_serialNumber(native()));
}

std::string Certificate::serial_hex() const {
  // Works for non-conforming (zero or negative) serials too, which serial() refuses.
  crypto::BignumPtr number(ASN1_INTEGER_to_BN(X509_get0_serialNumber(native()), nullptr));
  crypto::check(number != nullptr, "ASN1_INTEGER_to_BN");
  char* hex = BN_bn2hex(number.get());
  crypto::check(hex != nullptr, "BN_bn2hex");
  std::string text(hex);
  OPENSSL_free(hex);
  return text;
}

TimePoint Certificate::not_before() const {
  return detail::time_from_asn1(X509_get0_notBefore(native()));
}

TimePoint Certificate::not_after() const {
  return detail::time_from_asn1(X509_get0_notAfter(native()));
}

crypto::PublicKey Certificate::public_key() const {
  crypto::EvpPkeyPtr key(X509_get_pubkey(native()));
  crypto::check(key != nullptr, "X509_get_pubkey");
  return crypto::PublicKey(std::move(key));
}

KeyDescription Certificate::key_description() const {
  const EVP_PKEY* key = X509_get0_pubkey(native());
  if (key == nullptr) ERR_clear_error();
  return describe_public_key(key);
}

Bytes Certificate::sha256_fingerprint_raw() const {
  Bytes digest(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  crypto::check(X509_digest(native(), EVP_sha256(), digest.data(), &length) == 1,
                "X509_digest(SHA-256)");
  digest.resize(length);
  return digest;
}

std::string Certificate::sha256_fingerprint() const {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  for (const std::uint8_t byte : sha256_fingerprint_raw()) {
    if (!text.empty()) text += ':';
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0x0F];
  }
  return text;
}

bool Certificate::is_ca() const {
  return (X509_get_extension_flags(native()) & EXFLAG_CA) != 0;
}

bool Certificate::is_self_signed() const {
  const int result = X509_self_signed(native(), 1);
  ERR_clear_error();  // a failed signature check leaves entries behind
  return result == 1;
}

bool Certificate::has_key_usage_digital_signature() const {
  const bool present = (X509_get_extension_flags(native()) & EXFLAG_KUSAGE) != 0;
  return present && (X509_get_key_usage(native()) & KU_DIGITAL_SIGNATURE) != 0;
}

std::vector<std::string> Certificate::dns_names() const {
  detail::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(native(), NID_subject_alt_name, nullptr, nullptr)));
  return detail::general_name_texts(names.get(), GEN_DNS);
}

std::vector<std::string> Certificate::ip_addresses() const {
  detail::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(native(), NID_subject_alt_name, nullptr, nullptr)));
  return detail::general_name_texts(names.get(), GEN_IPADD);
}

std::vector<ExtendedKeyUsage> Certificate::extended_key_usages() const {
  std::vector<ExtendedKeyUsage> usages;
  if ((X509_get_extension_flags(native()) & EXFLAG_XKUSAGE) == 0) return usages;
  const std::uint32_t bits = X509_get_extended_key_usage(native());
  if ((bits & XKU_SSL_SERVER) != 0) usages.push_back(ExtendedKeyUsage::ServerAuth);
  if ((bits & XKU_SSL_CLIENT) != 0) usages.push_back(ExtendedKeyUsage::ClientAuth);
  if ((bits & XKU_OCSP_SIGN) != 0) usages.push_back(ExtendedKeyUsage::OcspSigning);
  return usages;
}

bool Certificate::has_extended_key_usage(ExtendedKeyUsage usage) const {
  const auto usages = extended_key_usages();
  return std::find(usages.begin(), usages.end(), usage) != usages.end();
}

std::vector<Role> Certificate::role_policies() const {
  // RFC 5280 section 4.2.1.4: certificatePolicies is a sequence of PolicyInformation, each
  // naming one policy OID (with optional qualifiers, which the product neither sets nor
  // reads).
  int critical = -1;
  detail::CertificatePoliciesPtr policies(static_cast<CERTIFICATEPOLICIES*>(
      X509_get_ext_d2i(native(), NID_certificate_policies, &critical, nullptr)));
  if (!policies) {
    ERR_clear_error();
    if (critical == -1) return {};  // no such extension
    throw PkiError(critical == -2
                       ? "the certificate carries more than one certificatePolicies extension"
                       : "the certificate's certificatePolicies extension does not parse");
  }
  std::vector<Role> roles;
  for (int i = 0; i < sk_POLICYINFO_num(policies.get()); ++i) {
    const POLICYINFO* information = sk_POLICYINFO_value(policies.get(), i);
    if (const auto role = role_from_policy_oid(detail::oid_text(information->policyid))) {
      roles.push_back(*role);
    }
  }
  return roles;
}

std::optional<Role> Certificate::role() const {
  try {
    const std::vector<Role> roles = role_policies();
    if (roles.size() == 1) return roles.front();
  } catch (const PkiError&) {
    // an unparsable extension names no role
  }
  return std::nullopt;
}

bool Certificate::signature_verified_by(const Certificate& issuer) const {
  EVP_PKEY* key = X509_get0_pubkey(issuer.native());
  if (key == nullptr) {
    ERR_clear_error();
    return false;
  }
  const int result = X509_verify(native(), key);
  ERR_clear_error();
  return result == 1;
}

bool operator==(const Certificate& a, const Certificate& b) {
  return X509_cmp(a.native(), b.native()) == 0 && a.to_der() == b.to_der();
}

std::string format_time(TimePoint time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm broken_down{};
  if (gmtime_r(&seconds, &broken_down) == nullptr) return "(time out of range)";
  char text[32];
  const std::size_t length =
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &broken_down);
  return std::string(text, length);
}

}  // namespace sc::pki
