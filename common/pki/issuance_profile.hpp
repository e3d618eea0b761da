#pragma once
// Who a certificate is for, and what the CA puts in it because of that.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/pki/certificate.hpp"
#include "common/pki/role.hpp"

namespace sc::pki {

// The extended key usages the CA grants a role (see role.hpp).
std::vector<ExtendedKeyUsage> extended_key_usages_for(Role role);

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
};

}  // namespace sc::pki
