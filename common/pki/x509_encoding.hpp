#pragma once
// Internal to common/pki: conversions between libcrypto's ASN.1/X.509 objects and the
// product's types (times, text, subjectAltName entries). Not part of the public API.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/crypto/openssl_ptr.hpp"
#include "common/pki/certificate.hpp"

namespace sc::pki::detail {

using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, crypto::OpensslDeleter<GENERAL_NAMES_free>>;
using ExtendedKeyUsagePtr =
    std::unique_ptr<EXTENDED_KEY_USAGE, crypto::OpensslDeleter<EXTENDED_KEY_USAGE_free>>;
using Asn1EnumeratedPtr =
    std::unique_ptr<ASN1_ENUMERATED, crypto::OpensslDeleter<ASN1_ENUMERATED_free>>;
using Asn1OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, crypto::OpensslDeleter<ASN1_OCTET_STRING_free>>;
using CertificatePoliciesPtr =
    std::unique_ptr<CERTIFICATEPOLICIES, crypto::OpensslDeleter<CERTIFICATEPOLICIES_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, crypto::OpensslDeleter<X509_REVOKED_free>>;

struct X509StackDeleter {  // frees the stack only: the certificates belong to someone else
  void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_free(stack); }
};
using BorrowedX509Stack = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
struct OwnedX509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_pop_free(stack, X509_free); }
};
using OwnedX509Stack = std::unique_ptr<STACK_OF(X509), OwnedX509StackDeleter>;
struct ExtensionStackDeleter {
  void operator()(STACK_OF(X509_EXTENSION) * stack) const noexcept {
    sk_X509_EXTENSION_pop_free(stack, X509_EXTENSION_free);
  }
};
using ExtensionStack = std::unique_ptr<STACK_OF(X509_EXTENSION), ExtensionStackDeleter>;

TimePoint time_from_asn1(const ASN1_TIME* time);  // throws PkiError when malformed
// Seconds since the epoch as a TimePoint, saturated to the clock's range (years past 2262).
TimePoint time_from_seconds(std::int64_t seconds_since_epoch);
// UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 section 4.1.2.5).
crypto::Asn1TimePtr asn1_time(TimePoint time);

crypto::BioPtr memory_bio();
crypto::BioPtr read_only_bio(std::string_view data);
std::string bio_contents(BIO* bio);

// A certificatePolicies value (RFC 5280 section 4.2.1.4): one PolicyInformation without
// qualifiers per OID (dotted form). Throws PkiError on an OID that does not parse.
CertificatePoliciesPtr certificate_policies(const std::vector<std::string>& policy_oids);

// Dotted numeric form of an OID ("2.25.7168...1.1"), never a short name. "" when null.
std::string oid_text(const ASN1_OBJECT* object);

std::string asn1_string_utf8(const ASN1_STRING* string);  // throws PkiError when unconvertible

// True for textual IPv4 / IPv6 addresses ("127.0.0.1", "::1").
bool is_ip_address(std::string_view name);
// A host name of LDH labels (RFC 1123): 1..63 characters each, 253 in total, no wildcards.
bool is_valid_dns_name(std::string_view name);
// subjectAltName entries for names: iPAddress for addresses, dNSName for the rest. Throws
// PkiError on a name that is neither.
GeneralNamesPtr subject_alt_names(const std::vector<std::string>& names);
// Text of dNSName / iPAddress entries (other kinds are skipped).
std::vector<std::string> general_name_texts(const GENERAL_NAMES* names, int kind);

}  // namespace sc::pki::detail
