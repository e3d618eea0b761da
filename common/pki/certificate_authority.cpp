#include "common/pki/certificate_authority.hpp"

#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <limits>
#include <system_error>

#include "common/crypto/error.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"

namespace sc::pki {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::minutes;

namespace {

constexpr unsigned kMaxValidityDays = 3650;
constexpr unsigned kMaxRootValidityDays = 30 * 366;
// RFC 6960 leaves the number of CertIDs per request open; nobody needs more than this.
constexpr int kMaxOcspCertIds = 64;
constexpr auto kClockSkewAllowance = minutes(5);
constexpr auto kServiceRenewalMargin = days(7);
constexpr unsigned kServiceValidityDays = 365;

const EVP_MD* signing_digest(crypto::HashAlgorithm hash) {
  return hash == crypto::HashAlgorithm::Sha384 ? EVP_sha384() : EVP_sha256();
}

// One extension from OpenSSL's configuration syntax, e.g. "critical,CA:TRUE". Only fixed
// strings of ours go through here; names from requests never do (see subject_alt_names).
void add_extension(X509* certificate, X509V3_CTX* context, int nid, const char* value) {
  crypto::X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, context, nid, value));
  crypto::check(extension != nullptr, std::string("building extension ") + OBJ_nid2sn(nid));
  crypto::check(X509_add_ext(certificate, extension.get(), -1) == 1,
                std::string("adding extension ") + OBJ_nid2sn(nid));
}

void set_validity(X509* certificate, TimePoint not_before, TimePoint not_after) {
  crypto::Asn1TimePtr start = detail::asn1_time(not_before);
  crypto::Asn1TimePtr end = detail::asn1_time(not_after);
  crypto::check(X509_set1_notBefore(certificate, start.get()) == 1, "X509_set1_notBefore");
  crypto::check(X509_set1_notAfter(certificate, end.get()) == 1, "X509_set1_notAfter");
}

void set_serial(X509* certificate, const SerialNumber& serial) {
  crypto::Asn1IntegerPtr value = serial.to_asn1();
  crypto::check(X509_set_serialNumber(certificate, value.get()) == 1, "X509_set_serialNumber");
}

std::string eku_config(Role role) {
  std::string text;
  for (const ExtendedKeyUsage usage : extended_key_usages_for(role)) {
    if (!text.empty()) text += ',';
    text += extended_key_usage_name(usage);
  }
  return text;
}

using AuthorityInfoAccessPtr =
    std::unique_ptr<AUTHORITY_INFO_ACCESS, crypto::OpensslDeleter<AUTHORITY_INFO_ACCESS_free>>;
using AccessDescriptionPtr =
    std::unique_ptr<ACCESS_DESCRIPTION, crypto::OpensslDeleter<ACCESS_DESCRIPTION_free>>;
using CrlDistPointsPtr =
    std::unique_ptr<CRL_DIST_POINTS, crypto::OpensslDeleter<CRL_DIST_POINTS_free>>;
using DistPointPtr = std::unique_ptr<DIST_POINT, crypto::OpensslDeleter<DIST_POINT_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, crypto::OpensslDeleter<GENERAL_NAME_free>>;

// A uniformResourceIdentifier GeneralName (RFC 5280 section 4.2.1.6: an IA5String). Built as a
// value, never through OpenSSL's configuration syntax, so that no character of the operator's
// URL is interpreted.
GeneralNamePtr uri_name(const std::string& uri) {
  GeneralNamePtr name(GENERAL_NAME_new());
  crypto::check(name != nullptr, "GENERAL_NAME_new");
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  crypto::check(text != nullptr, "ASN1_IA5STRING_new");
  if (ASN1_STRING_set(text, uri.data(), static_cast<int>(uri.size())) != 1) {
    ASN1_IA5STRING_free(text);
    crypto::check(false, "ASN1_STRING_set");
  }
  GENERAL_NAME_set0_value(name.get(), GEN_URI, text);
  return name;
}

void add_access_description(AUTHORITY_INFO_ACCESS* access, int method, const std::string& uri) {
  AccessDescriptionPtr description(ACCESS_DESCRIPTION_new());
  crypto::check(description != nullptr, "ACCESS_DESCRIPTION_new");
  ASN1_OBJECT_free(description->method);
  description->method = OBJ_nid2obj(method);
  GENERAL_NAME_free(description->location);
  description->location = uri_name(uri).release();
  crypto::check(sk_ACCESS_DESCRIPTION_push(access, description.get()) > 0,
                "sk_ACCESS_DESCRIPTION_push");
  description.release();  // now owned by the stack
}

// authorityInfoAccess (RFC 5280 section 4.2.2.1, "conforming CAs MUST mark this extension as
// non-critical"): where the OCSP responder (id-ad-ocsp, RFC 6960 section 3.1) and the issuer's
// certificate (id-ad-caIssuers, a DER certificate over HTTP) are.
void add_authority_info_access(X509* certificate, const PublicationUrls& urls) {
  AuthorityInfoAccessPtr access(AUTHORITY_INFO_ACCESS_new());
  crypto::check(access != nullptr, "AUTHORITY_INFO_ACCESS_new");
  add_access_description(access.get(), NID_ad_OCSP, urls.ocsp);
  add_access_description(access.get(), NID_ad_ca_issuers, urls.ca_issuers);
  crypto::check(X509_add1_ext_i2d(certificate, NID_info_access, access.get(), 0, 0) == 1,
                "adding authorityInfoAccess");
}

// cRLDistributionPoints (RFC 5280 section 4.2.1.13, "SHOULD be non-critical"): one
// DistributionPoint with a fullName URI, no reasons (the CRL covers all of them) and no
// cRLIssuer (the CA signs its own CRL).
void add_crl_distribution_point(X509* certificate, const std::string& uri) {
  CrlDistPointsPtr points(sk_DIST_POINT_new_null());
  crypto::check(points != nullptr, "sk_DIST_POINT_new_null");
  DistPointPtr point(DIST_POINT_new());
  crypto::check(point != nullptr, "DIST_POINT_new");
  point->distpoint = DIST_POINT_NAME_new();
  crypto::check(point->distpoint != nullptr, "DIST_POINT_NAME_new");
  point->distpoint->type = 0;  // fullName
  point->distpoint->name.fullname = GENERAL_NAMES_new();
  crypto::check(point->distpoint->name.fullname != nullptr, "GENERAL_NAMES_new");
  GeneralNamePtr name = uri_name(uri);
  crypto::check(sk_GENERAL_NAME_push(point->distpoint->name.fullname, name.get()) > 0,
                "sk_GENERAL_NAME_push");
  name.release();
  crypto::check(sk_DIST_POINT_push(points.get(), point.get()) > 0, "sk_DIST_POINT_push");
  point.release();
  crypto::check(
      X509_add1_ext_i2d(certificate, NID_crl_distribution_points, points.get(), 0, 0) == 1,
      "adding cRLDistributionPoints");
}

Certificate build_root(const crypto::PrivateKey& key, const CaOptions& options) {
  crypto::X509Ptr root(X509_new());
  crypto::check(root != nullptr, "X509_new");
  crypto::check(X509_set_version(root.get(), X509_VERSION_3) == 1, "X509_set_version");
  set_serial(root.get(), SerialNumber::random());
  crypto::X509NamePtr name = options.subject.to_x509_name();
  crypto::check(X509_set_subject_name(root.get(), name.get()) == 1, "X509_set_subject_name");
  crypto::check(X509_set_issuer_name(root.get(), name.get()) == 1, "X509_set_issuer_name");
  const TimePoint now = std::chrono::system_clock::now();
  set_validity(root.get(), now - kClockSkewAllowance, now + days(options.root_validity_days));
  crypto::check(X509_set_pubkey(root.get(), key.native()) == 1, "X509_set_pubkey");

  X509V3_CTX context;
  X509V3_set_ctx(&context, root.get(), root.get(), nullptr, nullptr, 0);
  add_extension(root.get(), &context, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(root.get(), &context, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(root.get(), &context, NID_subject_key_identifier, "hash");
  add_extension(root.get(), &context, NID_authority_key_identifier, "keyid:always");
  crypto::check(X509_sign(root.get(), key.native(), signing_digest(options.hash)) > 0,
                "signing the root certificate");
  return Certificate(std::move(root));
}

crypto::PrivateKey generate_key(crypto::KeyType type, unsigned rsa_bits, crypto::EcCurve curve) {
  return type == crypto::KeyType::Rsa ? crypto::PrivateKey::generate_rsa(rsa_bits)
                                      : crypto::PrivateKey::generate_ecdsa(curve);
}

bool key_matches(const Certificate& certificate, const crypto::PrivateKey& key) {
  const int result = X509_check_private_key(certificate.native(), key.native());
  ERR_clear_error();
  return result == 1;
}

void warn_if_key_readable_by_others(const fs::path& key_path) {
  std::error_code error;
  const fs::perms permissions = fs::status(key_path, error).permissions();
  if (error) return;
  if ((permissions & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    spdlog::warn("CA key {} is readable by other users; it should be mode 0600", key_path.string());
  }
}

void warn_if_root_ends_soon(const Certificate& root) {
  const TimePoint now = std::chrono::system_clock::now();
  if (root.not_after() <= now) {
    spdlog::error("the root certificate expired on {}: certificates it issues will not verify",
                  format_time(root.not_after()));
  } else if (root.not_after() - now < days(90)) {
    spdlog::warn("the root certificate expires on {}; plan a new root",
                 format_time(root.not_after()));
  }
}

}  // namespace

std::optional<std::string> key_refusal(const KeyDescription& key) {
  if (!key.supported_algorithm) {
    return key.text() +
           " keys are not accepted; use RSA (2048 to 8192 bits) or ECDSA "
           "P-256/P-384";
  }
  if (key.type == crypto::KeyType::Rsa) {
    if (key.bits < kMinimumRsaBits) {
      return "RSA key of " + std::to_string(key.bits) + " bits is below the minimum of " +
             std::to_string(kMinimumRsaBits);
    }
    if (key.bits > kMaximumRsaBits) {
      return "RSA key of " + std::to_string(key.bits) + " bits is above the maximum of " +
             std::to_string(kMaximumRsaBits);
    }
    return std::nullopt;
  }
  if (!is_accepted_curve(key.curve_name)) {
    return "ECDSA curve " + key.curve_name + " is not accepted; use P-256 or P-384";
  }
  return std::nullopt;
}

CertificateAuthority::CertificateAuthority(fs::path folder, crypto::PrivateKey key,
                                           Certificate root, crypto::HashAlgorithm hash)
    : folder_(std::move(folder)), key_(std::move(key)), root_(std::move(root)), hash_(hash) {}

CertificateAuthority CertificateAuthority::open(const fs::path& folder,
                                                crypto::HashAlgorithm hash) {
  const fs::path key_path = folder / root_key_file;
  const fs::path certificate_path = folder / root_certificate_file;
  const bool have_key = fs::exists(key_path);
  const bool have_certificate = fs::exists(certificate_path);
  if (!have_key && !have_certificate) {
    throw PkiError("no certificate authority in " + folder.string() + " (" + root_key_file +
                   " and " + root_certificate_file + " are missing)");
  }
  if (!have_key || !have_certificate) {
    const fs::path& present = have_key ? key_path : certificate_path;
    const fs::path& missing = have_key ? certificate_path : key_path;
    throw PkiError(present.string() + " exists but " + missing.string() +
                   " is missing; refusing to create a new root beside it (restore the "
                   "missing file, or move both away to start a new CA)");
  }

  std::optional<crypto::PrivateKey> key;
  try {
    key.emplace(crypto::PrivateKey::load_pem_file(key_path));
  } catch (const std::exception& error) {
    throw PkiError("root key " + key_path.string() + " is damaged or unreadable: " + error.what());
  }
  std::optional<Certificate> root;
  try {
    root.emplace(read_certificate_file(certificate_path));
  } catch (const std::exception& error) {
    throw PkiError("root certificate " + certificate_path.string() +
                   " is damaged or unreadable: " + error.what());
  }
  if (!key_matches(*root, *key)) {
    throw PkiError("root key " + key_path.string() + " does not belong to root certificate " +
                   certificate_path.string() + " (" + root->subject_line() +
                   "); refusing to use a mismatched CA");
  }
  if (!root->is_ca() || !root->is_self_signed()) {
    throw PkiError(certificate_path.string() +
                   " is not a self-signed CA certificate (basicConstraints CA:TRUE)");
  }
  warn_if_key_readable_by_others(key_path);
  warn_if_root_ends_soon(*root);
  spdlog::info("CA opened from {}: {} (SHA-256 {})", folder.string(), root->subject_line(),
               root->sha256_fingerprint());
  return CertificateAuthority(folder, std::move(*key), std::move(*root), hash);
}

CertificateAuthority CertificateAuthority::open_or_create(const fs::path& folder,
                                                          const CaOptions& options) {
  if (fs::exists(folder / root_key_file) || fs::exists(folder / root_certificate_file)) {
    return open(folder, options.hash);
  }
  if (auto problem = options.subject.validate()) {
    throw PkiError("invalid CA subject: " + *problem);
  }
  if (options.root_validity_days == 0 || options.root_validity_days > kMaxRootValidityDays) {
    throw PkiError("root validity must be between 1 and " + std::to_string(kMaxRootValidityDays) +
                   " days");
  }
  std::error_code error;
  if (fs::create_directories(folder, error)) {
    fs::permissions(folder, fs::perms::owner_all, error);
  }
  if (!fs::is_directory(folder)) {
    throw PkiError("cannot create the CA folder " + folder.string() + ": " + error.message());
  }

  spdlog::info(
      "creating a new root CA in {} ({} key)", folder.string(),
      options.key_type == crypto::KeyType::Rsa
          ? "RSA " + std::to_string(options.rsa_bits)
          : std::string(options.curve == crypto::EcCurve::P256 ? "ECDSA P-256" : "ECDSA P-384"));
  crypto::PrivateKey key = generate_key(options.key_type, options.rsa_bits, options.curve);
  Certificate root = build_root(key, options);
  key.save_pem_file(folder / root_key_file);
  write_certificate_file(folder / root_certificate_file, root);
  spdlog::info("root CA created: {} serial {} valid until {} (SHA-256 {})", root.subject_line(),
               root.serial_hex(), format_time(root.not_after()), root.sha256_fingerprint());
  return CertificateAuthority(folder, std::move(key), std::move(root), options.hash);
}

Certificate CertificateAuthority::issue(const CertificateSigningRequest& csr,
                                        const IssuanceProfile& profile,
                                        const SerialNumber& serial) const {
  if (!csr.verify_self_signature()) {
    throw PkiError(
        "the certificate signing request's signature does not verify (it was "
        "altered, or not signed by the key it carries)");
  }
  if (auto refusal = key_refusal(csr.key_description())) {
    throw PkiError("refusing to certify the key: " + *refusal);
  }
  const SubjectDetails subject = csr.subject();
  if (auto problem = subject.validate()) throw PkiError("invalid CSR subject: " + *problem);
  const X509_NAME* requested_name = X509_REQ_get_subject_name(csr.native());
  if (X509_NAME_entry_count(requested_name) !=
      X509_NAME_entry_count(subject.to_x509_name().get())) {
    throw PkiError("the CSR subject \"" + csr.subject_line() +
                   "\" carries repeated or unsupported attributes; only one each of C, ST, L, "
                   "O, OU and CN is certified");
  }
  if (profile.validity_days == 0 || profile.validity_days > kMaxValidityDays) {
    throw PkiError("certificate validity must be between 1 and " +
                   std::to_string(kMaxValidityDays) + " days");
  }
  if (profile.publication) {
    if (auto problem = profile.publication->problem()) {
      throw PkiError("the publication URLs cannot go into a certificate: " + *problem);
    }
  }
  if (serial == root_.serial()) {
    throw PkiError("serial " + serial.hex() + " is the root certificate's own serial");
  }

  const TimePoint not_before =
      profile.not_before.value_or(std::chrono::system_clock::now() - kClockSkewAllowance);
  if (profile.validity_minutes_for_testing &&
      (profile.validity_minutes_for_testing->count() < 1 ||
       profile.validity_minutes_for_testing->count() > 1440)) {
    throw PkiError("a test validity must be between 1 and 1440 minutes");
  }
  TimePoint not_after =
      not_before + (profile.validity_minutes_for_testing
                        ? TimePoint::duration(*profile.validity_minutes_for_testing)
                        : TimePoint::duration(days(profile.validity_days)));
  if (not_after > root_.not_after()) {
    spdlog::warn("validity of the certificate for {} shortened to the root's end ({})",
                 subject.one_line(), format_time(root_.not_after()));
    not_after = root_.not_after();
  }

  crypto::X509Ptr certificate(X509_new());
  crypto::check(certificate != nullptr, "X509_new");
  X509* x = certificate.get();
  crypto::check(X509_set_version(x, X509_VERSION_3) == 1, "X509_set_version");
  set_serial(x, serial);
  crypto::X509NamePtr subject_name = subject.to_x509_name();
  crypto::check(X509_set_subject_name(x, subject_name.get()) == 1, "X509_set_subject_name");
  crypto::check(X509_set_issuer_name(x, X509_get_subject_name(root_.native())) == 1,
                "X509_set_issuer_name");
  set_validity(x, not_before, not_after);
  crypto::check(X509_set_pubkey(x, X509_REQ_get0_pubkey(csr.native())) == 1, "X509_set_pubkey");

  X509V3_CTX context;
  X509V3_set_ctx(&context, root_.native(), x, nullptr, nullptr, 0);
  add_extension(x, &context, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(x, &context, NID_key_usage, "critical,digitalSignature");
  add_extension(x, &context, NID_ext_key_usage, eku_config(profile.role).c_str());
  // certificatePolicies (RFC 5280 section 4.2.1.4), non-critical, one PolicyInformation: the
  // role's OID. The role comes from the profile (the enrollment token's role), never from the
  // CSR: the CA copies no extension a CSR asks for, so a requested policy is ignored.
  detail::CertificatePoliciesPtr policies =
      detail::certificate_policies({role_policy_oid(profile.role)});
  crypto::check(X509_add1_ext_i2d(x, NID_certificate_policies, policies.get(), 0, 0) == 1,
                "adding certificatePolicies");
  add_extension(x, &context, NID_subject_key_identifier, "hash");
  add_extension(x, &context, NID_authority_key_identifier, "keyid:always");
  if (!profile.dns_names.empty()) {
    detail::GeneralNamesPtr names = detail::subject_alt_names(profile.dns_names);
    crypto::check(X509_add1_ext_i2d(x, NID_subject_alt_name, names.get(), 0, 0) == 1,
                  "adding subjectAltName");
  }
  if (profile.publication) {
    add_authority_info_access(x, *profile.publication);
    add_crl_distribution_point(x, profile.publication->crl);
  }
  crypto::check(X509_sign(x, key_.native(), signing_digest(hash_)) > 0, "signing the certificate");

  Certificate issued(std::move(certificate));
  spdlog::info("issued {} certificate for {} serial {} ({}) valid until {}",
               role_name(profile.role), issued.subject_line(), issued.serial_hex(),
               csr.key_description().text(), format_time(issued.not_after()));
  return issued;
}

std::string CertificateAuthority::make_crl(const std::vector<RevokedEntry>& revoked,
                                           TimePoint this_update, TimePoint next_update,
                                           std::optional<std::uint64_t> crl_number) const {
  if (next_update <= this_update) throw PkiError("a CRL's nextUpdate must follow thisUpdate");
  crypto::X509CrlPtr crl(X509_CRL_new());
  crypto::check(crl != nullptr, "X509_CRL_new");
  crypto::check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1, "X509_CRL_set_version");
  crypto::check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(root_.native())) == 1,
                "X509_CRL_set_issuer_name");
  crypto::Asn1TimePtr last = detail::asn1_time(this_update);
  crypto::Asn1TimePtr next = detail::asn1_time(next_update);
  crypto::check(X509_CRL_set1_lastUpdate(crl.get(), last.get()) == 1, "X509_CRL_set1_lastUpdate");
  crypto::check(X509_CRL_set1_nextUpdate(crl.get(), next.get()) == 1, "X509_CRL_set1_nextUpdate");

  for (const RevokedEntry& entry : revoked) {
    detail::X509RevokedPtr item(X509_REVOKED_new());
    crypto::check(item != nullptr, "X509_REVOKED_new");
    crypto::Asn1IntegerPtr serial = entry.serial.to_asn1();
    crypto::check(X509_REVOKED_set_serialNumber(item.get(), serial.get()) == 1,
                  "X509_REVOKED_set_serialNumber");
    crypto::Asn1TimePtr when = detail::asn1_time(entry.revoked_at);
    crypto::check(X509_REVOKED_set_revocationDate(item.get(), when.get()) == 1,
                  "X509_REVOKED_set_revocationDate");
    // RFC 5280 section 5.3.1: reasonCode unspecified SHOULD be absent.
    if (entry.reason != RevocationReason::unspecified) {
      detail::Asn1EnumeratedPtr reason(ASN1_ENUMERATED_new());
      crypto::check(reason != nullptr, "ASN1_ENUMERATED_new");
      crypto::check(ASN1_ENUMERATED_set(reason.get(), static_cast<long>(entry.reason)) == 1,
                    "ASN1_ENUMERATED_set");
      crypto::check(X509_REVOKED_add1_ext_i2d(item.get(), NID_crl_reason, reason.get(), 0, 0) == 1,
                    "adding reasonCode");
    }
    crypto::check(X509_CRL_add0_revoked(crl.get(), item.get()) == 1, "X509_CRL_add0_revoked");
    item.release();  // now owned by the CRL
  }

  // RFC 5280 section 5.2.3: crlNumber, monotonically increasing for this CA.
  const std::uint64_t number = crl_number.value_or(
      static_cast<std::uint64_t>(std::chrono::system_clock::to_time_t(this_update)));
  crypto::BignumPtr number_bn(BN_new());
  crypto::check(number_bn != nullptr && BN_set_word(number_bn.get(), number) == 1, "BN_set_word");
  crypto::Asn1IntegerPtr number_asn1(BN_to_ASN1_INTEGER(number_bn.get(), nullptr));
  crypto::check(number_asn1 != nullptr, "BN_to_ASN1_INTEGER");
  crypto::check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number_asn1.get(), 0, 0) == 1,
                "adding crlNumber");
  // RFC 5280 section 5.2.1: authorityKeyIdentifier MUST be present.
  X509V3_CTX context;
  X509V3_set_ctx(&context, root_.native(), nullptr, nullptr, crl.get(), 0);
  crypto::X509ExtensionPtr aki(
      X509V3_EXT_nconf_nid(nullptr, &context, NID_authority_key_identifier, "keyid:always"));
  crypto::check(aki != nullptr, "building the CRL's authorityKeyIdentifier");
  crypto::check(X509_CRL_add_ext(crl.get(), aki.get(), -1) == 1, "X509_CRL_add_ext");

  crypto::check(X509_CRL_sort(crl.get()) == 1, "X509_CRL_sort");
  crypto::check(X509_CRL_sign(crl.get(), key_.native(), signing_digest(hash_)) > 0,
                "signing the CRL");
  crypto::BioPtr bio = detail::memory_bio();
  crypto::check(PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1, "PEM_write_bio_X509_CRL");
  spdlog::info("CRL number {} signed with {} revoked serial(s), next update {}", number,
               revoked.size(), format_time(next_update));
  return detail::bio_contents(bio.get());
}

namespace {

Bytes encode_ocsp_response(const OCSP_RESPONSE* response) {
  const int length = i2d_OCSP_RESPONSE(response, nullptr);
  crypto::check(length > 0, "i2d_OCSP_RESPONSE");
  Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  crypto::check(i2d_OCSP_RESPONSE(response, &cursor) == length, "i2d_OCSP_RESPONSE");
  return der;
}

Bytes ocsp_error_response(int status, const char* why) {
  spdlog::info("OCSP request refused ({}): {}", OCSP_response_status_str(status), why);
  ERR_clear_error();
  crypto::OcspResponsePtr response(OCSP_response_create(status, nullptr));
  crypto::check(response != nullptr, "OCSP_response_create");
  return encode_ocsp_response(response.get());
}

}  // namespace

Bytes CertificateAuthority::make_ocsp_response(ByteView request_der, const RevocationLookup& lookup,
                                               std::chrono::seconds next_update_after) const {
  const unsigned char* cursor = request_der.data();
  crypto::OcspRequestPtr request(
      request_der.empty()
          ? nullptr
          : d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(request_der.size())));
  if (!request || cursor != request_der.data() + request_der.size()) {
    return ocsp_error_response(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST, "not a DER OCSPRequest");
  }
  const int count = OCSP_request_onereq_count(request.get());
  if (count <= 0 || count > kMaxOcspCertIds) {
    return ocsp_error_response(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
                               "the request names no certificate or too many");
  }

  crypto::OcspBasicResponsePtr basic(OCSP_BASICRESP_new());
  crypto::check(basic != nullptr, "OCSP_BASICRESP_new");
  const TimePoint now = std::chrono::system_clock::now();
  crypto::Asn1TimePtr this_update = detail::asn1_time(now);
  crypto::Asn1TimePtr next_update = detail::asn1_time(now + next_update_after);

  for (int i = 0; i < count; ++i) {
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(request.get(), i));
    ASN1_OBJECT* hash_algorithm = nullptr;
    ASN1_INTEGER* serial_asn1 = nullptr;
    crypto::check(OCSP_id_get0_info(nullptr, &hash_algorithm, nullptr, &serial_asn1, id) == 1,
                  "OCSP_id_get0_info");
    // Is the CertID about this CA? Hash our name and key the way the requester did.
    const EVP_MD* hash = EVP_get_digestbyobj(hash_algorithm);
    crypto::OcspCertIdPtr our_id(hash == nullptr ? nullptr
                                                 : OCSP_cert_to_id(hash, nullptr, root_.native()));
    const bool ours = our_id && OCSP_id_issuer_cmp(our_id.get(), id) == 0;
    ERR_clear_error();

    RevocationStatus status = RevocationStatus::unknown();
    std::string serial_text = "(unreadable)";
    if (ours) {
      std::optional<SerialNumber> serial;
      try {
        serial = SerialNumber::from_asn1(serial_asn1);
      } catch (const PkiError&) {
        // zero or negative serials are never ours: unknown
      }
      if (serial) {
        serial_text = serial->hex();
        try {
          status = lookup(*serial);
        } catch (const std::exception& error) {
          // RFC 6960 section 2.3: internalError, "an internal inconsistency".
          spdlog::error("OCSP: status lookup for serial {} failed: {}", serial_text, error.what());
          return ocsp_error_response(OCSP_RESPONSE_STATUS_INTERNALERROR,
                                     "the status lookup failed");
        }
      }
    }
    int state = V_OCSP_CERTSTATUS_UNKNOWN;
    int reason = OCSP_REVOKED_STATUS_NOSTATUS;
    crypto::Asn1TimePtr revoked_at;
    if (status.is_good()) {
      state = V_OCSP_CERTSTATUS_GOOD;
    } else if (status.is_revoked()) {
      state = V_OCSP_CERTSTATUS_REVOKED;
      revoked_at = detail::asn1_time(status.revoked_at);
      if (status.reason != RevocationReason::unspecified) reason = static_cast<int>(status.reason);
    }
    // The CertID is copied by re-encoding it; one that decoded leniently (e.g. damaged
    // indefinite-length content) can fail there. That is the request's fault, not ours.
    if (OCSP_basic_add1_status(basic.get(), id, state, reason, revoked_at.get(), this_update.get(),
                               next_update.get()) == nullptr) {
      return ocsp_error_response(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
                                 "a CertID of the request cannot be re-encoded");
    }
    spdlog::info("OCSP: serial {} is {}", serial_text,
                 state == V_OCSP_CERTSTATUS_GOOD      ? "good"
                 : state == V_OCSP_CERTSTATUS_REVOKED ? "revoked"
                                                      : "unknown");
  }
  // RFC 8954 / RFC 6960 section 4.4.1: echo the requester's nonce.
  if (OCSP_copy_nonce(basic.get(), request.get()) <= 0) {
    return ocsp_error_response(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
                               "the request's nonce extension cannot be copied");
  }
  crypto::check(OCSP_basic_sign(basic.get(), root_.native(), key_.native(), signing_digest(hash_),
                                nullptr, OCSP_RESPID_KEY) == 1,
                "OCSP_basic_sign");
  crypto::OcspResponsePtr response(
      OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  crypto::check(response != nullptr, "OCSP_response_create");
  return encode_ocsp_response(response.get());
}

ServiceCredentials CertificateAuthority::ensure_service_credentials(
    const std::vector<std::string>& names, crypto::KeyType key_type) const {
  const fs::path key_path = folder_ / service_key_file;
  const fs::path chain_path = folder_ / service_certificate_file;
  const bool have_key = fs::exists(key_path);
  const bool have_chain = fs::exists(chain_path);
  if (have_key != have_chain) {
    throw PkiError((have_key ? key_path : chain_path).string() + " exists but " +
                   (have_key ? chain_path : key_path).string() +
                   " is missing; refusing to replace half of the service identity");
  }

  SubjectDetails subject;
  subject.country = root_.subject().country;
  subject.organisation = root_.subject().organisation;
  subject.common_name = "ttp";
  IssuanceProfile profile{Role::TtpService, kServiceValidityDays, names, std::nullopt};

  if (!have_key) {
    crypto::PrivateKey key = generate_key(key_type, 3072, crypto::EcCurve::P256);
    const CertificateSigningRequest csr = CertificateSigningRequest::create(subject, key);
    Certificate certificate = issue(csr, profile, random_serial());
    key.save_pem_file(key_path);
    write_chain_file(chain_path, {certificate, root_});
    spdlog::info("TTP service identity created: {} ({})", certificate.subject_line(),
                 chain_path.string());
    return ServiceCredentials{std::move(key), {certificate, root_}};
  }

  std::optional<crypto::PrivateKey> key;
  try {
    key.emplace(crypto::PrivateKey::load_pem_file(key_path));
  } catch (const std::exception& error) {
    throw PkiError("service key " + key_path.string() +
                   " is damaged or unreadable: " + error.what());
  }
  std::vector<Certificate> chain;
  try {
    chain = read_chain_file(chain_path);
  } catch (const std::exception& error) {
    throw PkiError("service certificate " + chain_path.string() + " is damaged: " + error.what());
  }
  Certificate certificate = chain.front();
  if (!key_matches(certificate, *key)) {
    throw PkiError("service key " + key_path.string() + " does not belong to " +
                   chain_path.string());
  }
  if (!certificate.signature_verified_by(root_)) {
    throw PkiError(chain_path.string() + " was not issued by this CA's root (" +
                   root_.subject_line() + ")");
  }
  const bool ends_soon =
      certificate.not_after() - kServiceRenewalMargin < std::chrono::system_clock::now();
  // A service.pem issued before roles existed carries no role policy; peers that expect the
  // TTP service role would refuse it, so it is reissued like one that ends soon.
  const bool lacks_role = certificate.role() != Role::TtpService;
  if (ends_soon || lacks_role) {
    const CertificateSigningRequest csr = CertificateSigningRequest::create(subject, *key);
    certificate = issue(csr, profile, random_serial());
    write_chain_file(chain_path, {certificate, root_});
    spdlog::info("TTP service certificate reissued (same key) because it {}, valid until {}",
                 lacks_role ? "lacked the ttp-service role policy" : "was about to expire",
                 format_time(certificate.not_after()));
  }
  return ServiceCredentials{std::move(*key), {certificate, root_}};
}

}  // namespace sc::pki
