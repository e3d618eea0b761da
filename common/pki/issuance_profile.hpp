#pragma once
// Who a certificate is for, and what the CA puts in it because of that.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/pki/certificate.hpp"
#include "common/pki/role.hpp"

namespace sc::pki {

// The extended key usages the CA grants a role (see role.hpp).
std::vector<ExtendedKeyUsage> extended_key_usages_for(Role role);

// Where relying parties find what the CA publishes about its certificates, written into each
// certificate it issues: the OCSP responder and the issuer's certificate in authorityInfoAccess
// (RFC 5280 section 4.2.2.1: id-ad-ocsp, id-ad-caIssuers) and the CRL in cRLDistributionPoints
// (RFC 5280 section 4.2.1.13). Plain http URLs: a relying party fetching them must not need
// TLS to check the certificates TLS itself depends on (RFC 5280 section 4.2.1.13 and 8).
struct PublicationUrls {
  std::string ocsp;        // "http://127.0.0.1:8080/ocsp"
  std::string ca_issuers;  // "http://127.0.0.1:8080/ca.crt" (DER certificate)
  std::string crl;         // "http://127.0.0.1:8080/ca.crl" (DER CRL)

  // The three URLs under one base ("http://host:port", a trailing '/' ignored), with the
  // paths the TTP serves them on (ocsp_path, ca_issuers_path, crl_path).
  static PublicationUrls under(std::string_view base_url);
  static constexpr const char* ocsp_path = "/ocsp";
  static constexpr const char* ca_issuers_path = "/ca.crt";
  static constexpr const char* crl_path = "/ca.crl";

  // nullopt when every URL is an http URL this CA can write, else a sentence.
  std::optional<std::string> problem() const;
};

// nullopt when base_url can start the publication URLs: "http://" followed by a host (name,
// IPv4 address or [IPv6] address), an optional :port and an optional path, with nothing that
// would need escaping (spaces, controls, quotes, backslash, '<', '>', '^', '`', '{', '|', '}',
// non-ASCII); else a sentence.
std::optional<std::string> public_url_problem(std::string_view base_url);

struct IssuanceProfile {
  IssuanceProfile() = default;
  IssuanceProfile(Role role_, unsigned validity_days_, std::vector<std::string> dns_names_ = {},
                  std::optional<TimePoint> not_before_ = std::nullopt)
      : role(role_),
        validity_days(validity_days_),
        dns_names(std::move(dns_names_)),
        not_before(not_before_) {}

  // Decides the EKU and the role policy OID in the certificate; a CSR cannot choose it.
  Role role = Role::Customer;
  unsigned validity_days = 365;  // 1 .. 3650
  // For tests only (ttp serve --bank-validity-minutes): a lifetime in minutes that replaces
  // validity_days, so that renewal can be watched happen. 1 .. 1440.
  std::optional<std::chrono::minutes> validity_minutes_for_testing;
  // subjectAltName entries; a name that parses as an IPv4/IPv6 address becomes iPAddress,
  // the rest dNSName. Empty: no subjectAltName extension.
  std::vector<std::string> dns_names;
  // Start of validity. Default (nullopt): now minus 5 minutes for clock skew. Set it to
  // back-date a certificate, e.g. in tests that need an expired one.
  std::optional<TimePoint> not_before;
  // authorityInfoAccess and cRLDistributionPoints, both non-critical (RFC 5280 sections 4.2.2.1
  // and 4.2.1.13 say they MUST be non-critical). nullopt: neither extension.
  std::optional<PublicationUrls> publication;
};

}  // namespace sc::pki
