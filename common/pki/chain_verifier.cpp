#include "common/pki/chain_verifier.hpp"

#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <memory>

#include "common/crypto/error.hpp"
#include "common/crypto/random.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"

namespace sc::pki {

using tls::AlertDescription;
using tls::CertificateCheck;
using tls::PeerRole;

namespace {

// A peer's chain longer than this is refused before any parsing work (DoS cap).
constexpr std::size_t kMaxChainLength = 10;

CertificateCheck refused(AlertDescription alert, std::string reason, std::string subject = {}) {
  CertificateCheck check;
  check.accepted = false;
  check.alert = alert;
  check.reason = std::move(reason);
  check.subject = std::move(subject);
  return check;
}

// "certificate for CN=client-7" (or the whole subject when it has no common name).
std::string described(const Certificate& certificate) {
  const std::string common_name = certificate.common_name();
  return "certificate for " +
         (common_name.empty() ? certificate.subject_line() : "CN=" + common_name);
}

std::string colon_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text;
  for (const std::uint8_t byte : bytes) {
    if (!text.empty()) text += ':';
    text += kDigits[byte >> 4];
    text += kDigits[byte & 0x0F];
  }
  return text;
}

std::string date_only(TimePoint time) {
  return format_time(time).substr(0, 10);
}

// A check passed whose result only matters when it fails: no subject line is printed for it.
CertificateCheck passed() {
  CertificateCheck check;
  check.accepted = true;
  return check;
}

CertificateCheck accepted_leaf(const Certificate& leaf) {
  CertificateCheck accepted;
  accepted.accepted = true;
  accepted.subject = leaf.subject_line();
  return accepted;
}

std::string revoked_sentence(const Certificate& leaf, const RevocationStatus& status) {
  return described(leaf) + " is revoked (serial " + leaf.serial_hex() + ", " +
         date_only(status.revoked_at) + ", " + revocation_reason_name(status.reason) + ")";
}

std::optional<std::vector<Certificate>> parse_chain(const std::vector<Bytes>& chain_der,
                                                    const CertificateCache& parsed,
                                                    CertificateCheck& failure) {
  if (chain_der.empty()) {
    failure = refused(AlertDescription::bad_certificate, "the peer sent no certificate");
    return std::nullopt;
  }
  if (chain_der.size() > kMaxChainLength) {
    failure =
        refused(AlertDescription::bad_certificate,
                "the peer's certificate chain has " + std::to_string(chain_der.size()) +
                    " certificates; at most " + std::to_string(kMaxChainLength) + " are accepted");
    return std::nullopt;
  }
  std::vector<Certificate> chain;
  chain.reserve(chain_der.size());
  for (std::size_t i = 0; i < chain_der.size(); ++i) {
    if (std::optional<Certificate> known = parsed.find(chain_der[i])) {
      chain.push_back(std::move(*known));
      continue;
    }
    try {
      chain.push_back(Certificate::from_der(chain_der[i]));
    } catch (const PkiError& error) {
      failure =
          refused(AlertDescription::bad_certificate,
                  "certificate " + std::to_string(i) + " of the peer's chain: " + error.what());
      return std::nullopt;
    }
  }
  return chain;
}

std::string names_of(const Certificate& certificate) {
  std::string text;
  for (const auto& list : {certificate.dns_names(), certificate.ip_addresses()}) {
    for (const std::string& name : list) {
      if (!text.empty()) text += ", ";
      text += name;
    }
  }
  return text.empty() ? "none" : text;
}

CertificateCheck explain_store_error(int error, X509* failing, const Certificate& leaf,
                                     PeerRole role, const std::string& server_name) {
  const Certificate culprit = [&] {
    if (failing == nullptr || X509_up_ref(failing) != 1) return leaf;
    return Certificate(crypto::X509Ptr(failing));
  }();
  const std::string subject = leaf.subject_line();
  const std::string what = described(culprit);
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return refused(AlertDescription::certificate_expired,
                     what + " expired on " + format_time(culprit.not_after()), subject);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return refused(AlertDescription::certificate_expired,
                     what + " is not valid before " + format_time(culprit.not_before()), subject);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return refused(AlertDescription::unknown_ca,
                     what + " was issued by \"" + culprit.issuer_line() +
                         "\", which is not a trusted certificate authority",
                     subject);
    case X509_V_ERR_INVALID_PURPOSE:
      return refused(AlertDescription::unsupported_certificate,
                     what + " may not be used for TLS " +
                         (role == PeerRole::Server ? "server" : "client") +
                         " authentication (extended key usage " +
                         (role == PeerRole::Server ? "serverAuth" : "clientAuth") +
                         " missing, or key usage wrong)",
                     subject);
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return refused(
          AlertDescription::bad_certificate,
          what + " does not name \"" + server_name + "\" (names: " + names_of(leaf) + ")", subject);
    case X509_V_ERR_CERT_REVOKED:
      return refused(AlertDescription::certificate_revoked, what + " is revoked", subject);
    default:
      return refused(AlertDescription::bad_certificate,
                     what + " failed verification: " + X509_verify_cert_error_string(error),
                     subject);
  }
}

CertificateCheck check_leaf_usage(const Certificate& leaf, PeerRole role) {
  // The store's purpose check lets a certificate without any EKU through; the product's
  // certificates always carry one, so its absence is refused here.
  const ExtendedKeyUsage needed =
      role == PeerRole::Server ? ExtendedKeyUsage::ServerAuth : ExtendedKeyUsage::ClientAuth;
  if (!leaf.has_extended_key_usage(needed)) {
    return refused(AlertDescription::unsupported_certificate,
                   described(leaf) + " lacks the " + extended_key_usage_name(needed) +
                       " extended key usage required of a TLS " +
                       (role == PeerRole::Server ? "server" : "client"),
                   leaf.subject_line());
  }
  if (!leaf.has_key_usage_digital_signature()) {
    return refused(AlertDescription::unsupported_certificate,
                   described(leaf) +
                       " lacks the digitalSignature key usage needed to sign "
                       "a TLS 1.3 CertificateVerify",
                   leaf.subject_line());
  }
  if (leaf.is_ca()) {
    return refused(AlertDescription::unsupported_certificate,
                   described(leaf) + " is a CA certificate, not an end-entity certificate",
                   leaf.subject_line());
  }
  return passed();
}

CertificateCheck check_revocation(const RevocationCheck& revocation_check,
                                  bool require_known_status, const Certificate& leaf,
                                  const Certificate& issuer) {
  CertificateCheck accepted = accepted_leaf(leaf);
  if (!revocation_check) return accepted;
  RevocationStatus status;
  try {
    status = revocation_check(leaf, issuer);
  } catch (const std::exception& error) {
    if (!require_known_status) {
      spdlog::warn("revocation status of {} (serial {}) could not be checked: {}", described(leaf),
                   leaf.serial_hex(), error.what());
      return accepted;
    }
    return refused(AlertDescription::certificate_unknown,
                   "revocation status of " + described(leaf) + " (serial " + leaf.serial_hex() +
                       ") could not be checked: " + error.what(),
                   leaf.subject_line());
  }
  if (status.is_revoked()) {
    return refused(AlertDescription::certificate_revoked, revoked_sentence(leaf, status),
                   leaf.subject_line());
  }
  if (!status.is_good() && require_known_status) {
    return refused(AlertDescription::certificate_unknown,
                   "revocation status of " + described(leaf) + " (serial " + leaf.serial_hex() +
                       ") is unknown to the responder",
                   leaf.subject_line());
  }
  if (status.is_good()) accepted.revocation = tls::RevocationEvidence::looked_up_good;
  return accepted;
}

struct VerifiedChain {
  CertificateCheck check;
  // When accepted: the chain the store built, leaf first, trust anchor last (at least two).
  std::vector<Certificate> built;
  const Certificate& issuer() const { return built.at(1); }
};

// The trusted roots in one store, made once per verifier: X509_verify_cert only reads a store
// (OpenSSL's own TLS contexts share one between all connections).
std::shared_ptr<X509_STORE> make_store(const std::vector<Certificate>& trusted_roots) {
  crypto::X509StorePtr store(X509_STORE_new());
  crypto::check(store != nullptr, "X509_STORE_new");
  for (const Certificate& root : trusted_roots) {
    crypto::check(X509_STORE_add_cert(store.get(), root.native()) == 1, "X509_STORE_add_cert");
  }
  return std::shared_ptr<X509_STORE>(store.release(), X509_STORE_free);
}

VerifiedChain verify_with_store(X509_STORE* store, const std::vector<Certificate>& chain,
                                PeerRole role, const std::string& server_name,
                                std::optional<TimePoint> verification_time) {
  detail::BorrowedX509Stack untrusted(sk_X509_new_null());
  crypto::check(untrusted != nullptr, "sk_X509_new_null");
  for (std::size_t i = 1; i < chain.size(); ++i) {
    crypto::check(sk_X509_push(untrusted.get(), chain[i].native()) > 0, "sk_X509_push");
  }
  crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
  crypto::check(context != nullptr, "X509_STORE_CTX_new");
  crypto::check(
      X509_STORE_CTX_init(context.get(), store, chain.front().native(), untrusted.get()) == 1,
      "X509_STORE_CTX_init");
  crypto::check(X509_STORE_CTX_set_purpose(context.get(), role == PeerRole::Server
                                                              ? X509_PURPOSE_SSL_SERVER
                                                              : X509_PURPOSE_SSL_CLIENT) == 1,
                "X509_STORE_CTX_set_purpose");
  X509_VERIFY_PARAM* parameters = X509_STORE_CTX_get0_param(context.get());
  crypto::check(X509_VERIFY_PARAM_set_flags(parameters, X509_V_FLAG_X509_STRICT) == 1,
                "X509_VERIFY_PARAM_set_flags");
  if (verification_time) {
    X509_VERIFY_PARAM_set_time(parameters,
                               std::chrono::system_clock::to_time_t(*verification_time));
  }
  if (!server_name.empty()) {
    if (detail::is_ip_address(server_name)) {
      crypto::check(X509_VERIFY_PARAM_set1_ip_asc(parameters, server_name.c_str()) == 1,
                    "X509_VERIFY_PARAM_set1_ip_asc");
    } else {
      // Names only from subjectAltName (RFC 6125 section 6.4.4; our servers always have one).
      X509_VERIFY_PARAM_set_hostflags(
          parameters, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
      crypto::check(
          X509_VERIFY_PARAM_set1_host(parameters, server_name.c_str(), server_name.size()) == 1,
          "X509_VERIFY_PARAM_set1_host");
    }
  }

  const int verified = X509_verify_cert(context.get());
  if (verified != 1) {
    const int error = X509_STORE_CTX_get_error(context.get());
    X509* failing = X509_STORE_CTX_get_current_cert(context.get());
    ERR_clear_error();
    return {explain_store_error(error, failing, chain.front(), role, server_name), {}};
  }
  STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(context.get());
  if (built == nullptr || sk_X509_num(built) < 2) {
    return {refused(AlertDescription::bad_certificate,
                    described(chain.front()) + " is itself a trust anchor, not an end entity",
                    chain.front().subject_line()),
            {}};
  }
  std::vector<Certificate> built_chain;
  for (int i = 0; i < sk_X509_num(built); ++i) {
    X509* certificate = sk_X509_value(built, i);
    crypto::check(X509_up_ref(certificate) == 1, "X509_up_ref");
    built_chain.emplace_back(crypto::X509Ptr(certificate));
  }
  return {passed(), std::move(built_chain)};
}

// "a bank", "a customer", "the TTP service": what a peer must be.
const char* role_as_peer(Role role) {
  switch (role) {
    case Role::Bank:
      return "a bank";
    case Role::Customer:
      return "a customer";
    case Role::TtpService:
      return "the TTP service";
  }
  return "unknown";
}

// "the bank", "the customer", "the TTP service", or by the TLS side when no role is known.
std::string peer_called(const Certificate& leaf, std::optional<Role> expected, PeerRole role) {
  const std::optional<Role> known = expected ? expected : leaf.role();
  if (!known) return role == PeerRole::Server ? "the server" : "the client";
  switch (*known) {
    case Role::Bank:
      return "the bank";
    case Role::Customer:
      return "the customer";
    case Role::TtpService:
      return "the TTP service";
  }
  return "the peer";
}

std::string role_names(const std::vector<Role>& roles) {
  std::string text;
  for (const Role role : roles) {
    if (!text.empty()) text += ", ";
    text += role_name(role);
  }
  return text;
}

// The leaf carries exactly the expected role's policy OID (role.hpp).
CertificateCheck check_leaf_role(const Certificate& leaf, Role expected) {
  const std::string must_be = std::string("this peer must be ") + role_as_peer(expected);
  std::string problem;
  try {
    const std::vector<Role> roles = leaf.role_policies();
    if (roles.size() == 1 && roles.front() == expected) return passed();
    if (roles.empty()) {
      problem = " carries no role (issued before roles existed?): " + must_be;
    } else if (roles.size() == 1) {
      problem = std::string(" has the role ") + role_name(roles.front()) + "; " + must_be;
    } else {
      problem = " carries several roles (" + role_names(roles) + "): " + must_be;
    }
  } catch (const PkiError& error) {
    problem = std::string(" has no readable role (") + error.what() + "): " + must_be;
  }
  return refused(AlertDescription::unsupported_certificate, described(leaf) + problem,
                 leaf.subject_line());
}

// Digests whose collisions are practical (SHA-1: SHAttered 2017, chosen-prefix 2020; MD5:
// the rogue CA of 2008) or worse: a signature made with one proves nothing.
const char* refused_digest_name(int digest_nid) {
  switch (digest_nid) {
    case NID_sha1:
      return "SHA-1";
    case NID_md5:
      return "MD5";
    case NID_md5_sha1:
      return "MD5+SHA-1";
    case NID_md4:
      return "MD4";
    case NID_md2:
      return "MD2";
    default:
      return nullptr;
  }
}

// The floor for one certificate: its key, and the digest of its own signature. For the
// self-signed trust anchor that is the signature OpenSSL never verifies, which is why it is
// read here from the algorithm identifier rather than learnt from verification.
std::optional<std::string> floor_problem(const Certificate& certificate) {
  if (auto problem = key_floor_problem(certificate.key_description())) {
    return described(certificate) + " " + *problem;
  }
  int digest_nid = NID_undef;
  if (X509_get_signature_info(certificate.native(), &digest_nid, nullptr, nullptr, nullptr) != 1) {
    ERR_clear_error();
    digest_nid = NID_undef;
  }
  if (const char* digest = refused_digest_name(digest_nid)) {
    return described(certificate) + " is signed with " + digest + ", which is refused";
  }
  return std::nullopt;
}

CertificateCheck check_floor(const std::vector<Certificate>& built) {
  for (const Certificate& certificate : built) {
    if (auto problem = floor_problem(certificate)) {
      return refused(AlertDescription::bad_certificate, *problem, built.front().subject_line());
    }
  }
  return passed();
}

// RFC 8446 section 4.4.2.1: the staple is an OCSPResponse for the leaf; RFC 6066 section 8:
// a client that cannot use it aborts with bad_certificate_status_response.
CertificateCheck check_staple(ByteView stapled_ocsp, const Certificate& leaf,
                              const Certificate& issuer, TimePoint now) {
  RevocationStatus status;
  try {
    status = verify_stapled_ocsp_response(stapled_ocsp, leaf, issuer, now);
  } catch (const PkiError& error) {
    return refused(AlertDescription::bad_certificate_status_response,
                   "the OCSP response stapled to the " + described(leaf) +
                       " cannot be trusted: " + error.what(),
                   leaf.subject_line());
  }
  if (status.is_revoked()) {
    return refused(AlertDescription::certificate_revoked, revoked_sentence(leaf, status),
                   leaf.subject_line());
  }
  if (!status.is_good()) {
    return refused(AlertDescription::bad_certificate_status_response,
                   "the OCSP response stapled to the " + described(leaf) + " (serial " +
                       leaf.serial_hex() + ") says its status is unknown to the responder",
                   leaf.subject_line());
  }
  CertificateCheck accepted = accepted_leaf(leaf);
  accepted.revocation = tls::RevocationEvidence::stapled_good;
  return accepted;
}

}  // namespace

RevocationCheck ocsp_revocation_check(OcspTransport transport) {
  if (!transport) throw PkiError("an OCSP revocation check needs a transport");
  return [transport = std::move(transport)](const Certificate& leaf, const Certificate& issuer) {
    const Bytes request = make_ocsp_request(leaf, issuer);
    const Bytes response = transport(request);
    return verify_ocsp_response(response, leaf, issuer, request);
  };
}

ChainVerifier::ChainVerifier(std::vector<Certificate> trusted_roots,
                             RevocationCheck revocation_check)
    : trusted_roots_(std::move(trusted_roots)),
      parsed_(std::make_shared<CertificateCache>()),
      revocation_check_(std::move(revocation_check)) {
  if (trusted_roots_.empty()) throw PkiError("a chain verifier needs at least one trusted root");
  store_ = make_store(trusted_roots_);
}

CertificateCheck ChainVerifier::verify(const std::vector<Bytes>& chain_der, PeerRole role,
                                       const std::string& expected_server_name,
                                       ByteView stapled_ocsp) const {
  try {
    CertificateCheck failure;
    const auto chain = parse_chain(chain_der, *parsed_, failure);
    if (!chain) return failure;
    const Certificate& leaf = chain->front();
    VerifiedChain result =
        verify_with_store(store_.get(), *chain, role, expected_server_name, verification_time_);
    if (!result.check.accepted) return result.check;
    CertificateCheck usage = check_leaf_usage(leaf, role);
    if (!usage.accepted) return usage;
    if (expected_role_) {
      CertificateCheck role_check = check_leaf_role(leaf, *expected_role_);
      if (!role_check.accepted) return role_check;
    }
    CertificateCheck floor = check_floor(result.built);
    if (!floor.accepted) return floor;
    CertificateCheck accepted = check_revocation_status(leaf, result.issuer(), role, stapled_ocsp);
    if (accepted.accepted) {
      accepted.leaf_key = std::make_shared<const crypto::PublicKey>(leaf.public_key());
      // Only certificates of an accepted chain are kept: a stranger cannot fill the cache.
      for (std::size_t i = 0; i < chain->size(); ++i) parsed_->remember(chain_der[i], (*chain)[i]);
    }
    return accepted;
  } catch (const std::exception& error) {
    return refused(AlertDescription::internal_error,
                   std::string("certificate verification failed internally: ") + error.what());
  }
}

CertificateCheck ChainVerifier::check_revocation_status(const Certificate& leaf,
                                                        const Certificate& issuer, PeerRole role,
                                                        ByteView stapled_ocsp) const {
  if (staple_policy_ != StaplePolicy::ignore && !stapled_ocsp.empty()) {
    return check_staple(stapled_ocsp, leaf, issuer,
                        verification_time_.value_or(std::chrono::system_clock::now()));
  }
  if (staple_policy_ == StaplePolicy::require) {
    return refused(AlertDescription::bad_certificate_status_response,
                   peer_called(leaf, expected_role_, role) +
                       " stapled no OCSP response to its certificate (" + leaf.subject_line() +
                       ", serial " + leaf.serial_hex() + "), and this peer requires one",
                   leaf.subject_line());
  }
  return check_revocation(revocation_check_, require_known_status_, leaf, issuer);
}

Bytes parse_sha256_fingerprint(std::string_view text) {
  std::string digits;
  for (const char c : text) {
    if (c != ':') digits += c;
  }
  Bytes fingerprint;
  try {
    fingerprint = sc::from_hex(digits);
  } catch (const std::invalid_argument&) {
    throw PkiError("the pinned fingerprint \"" + std::string(text) + "\" is not hexadecimal");
  }
  if (fingerprint.size() != 32) {
    throw PkiError("a SHA-256 fingerprint has 32 bytes; \"" + std::string(text) + "\" has " +
                   std::to_string(fingerprint.size()));
  }
  return fingerprint;
}

PinnedRootVerifier::PinnedRootVerifier(Bytes sha256_fingerprint)
    : fingerprint_(std::move(sha256_fingerprint)) {
  if (fingerprint_.size() != 32) throw PkiError("a SHA-256 fingerprint has 32 bytes");
}

PinnedRootVerifier::PinnedRootVerifier(std::string_view sha256_fingerprint_text)
    : fingerprint_(parse_sha256_fingerprint(sha256_fingerprint_text)) {}

std::optional<Certificate> PinnedRootVerifier::pinned_root_in(
    const std::vector<Bytes>& chain_der) const {
  if (chain_der.size() < 2 || chain_der.size() > kMaxChainLength) return std::nullopt;
  try {
    Certificate root = Certificate::from_der(chain_der.back());
    if (!crypto::equal_constant_time(root.sha256_fingerprint_raw(), fingerprint_)) {
      return std::nullopt;
    }
    if (!root.is_ca() || !root.is_self_signed()) return std::nullopt;
    return root;
  } catch (const PkiError&) {
    return std::nullopt;
  }
}

CertificateCheck PinnedRootVerifier::verify(const std::vector<Bytes>& chain_der, PeerRole role,
                                            const std::string& expected_server_name,
                                            ByteView stapled_ocsp) const {
  std::optional<Certificate> root = pinned_root_in(chain_der);
  if (!root) {
    std::string got = "nothing";
    if (chain_der.size() >= 2) {
      try {
        got = Certificate::from_der(chain_der.back()).sha256_fingerprint();
      } catch (const PkiError&) {
        got = "an unparsable certificate";
      }
    }
    std::string subject;
    try {
      if (!chain_der.empty()) subject = Certificate::from_der(chain_der.front()).subject_line();
    } catch (const PkiError&) {
      // the subject stays empty: nothing parsable to name
    }
    return refused(AlertDescription::unknown_ca,
                   "the peer's chain does not end with the pinned self-signed root (pinned "
                   "SHA-256 " +
                       colon_hex(fingerprint_) + ", found " + got + ")",
                   subject);
  }
  ChainVerifier verifier({*root});
  if (expected_role_) verifier.expect_role(*expected_role_);
  verifier.set_staple_policy(staple_policy_);
  return verifier.verify(chain_der, role, expected_server_name, stapled_ocsp);
}

}  // namespace sc::pki
