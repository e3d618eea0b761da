#include "common/pki/issuance_profile.hpp"

#include <cctype>

namespace sc::pki {
namespace {

constexpr std::size_t kMaxUrlLength = 1024;
constexpr std::string_view kHttpScheme = "http://";

bool is_host_name_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
}

// RFC 3986 section 3.3: pchar and '/' (unreserved, pct-encoded, sub-delims, ':', '@').
bool is_path_character(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)) != 0) return true;
  return std::string_view("-._~%!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

std::optional<std::string> port_problem(std::string_view port) {
  if (port.empty() || port.size() > 5) return "the port must be a number from 1 to 65535";
  unsigned value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return "the port must be a number from 1 to 65535";
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return "the port must be a number from 1 to 65535";
  return std::nullopt;
}

std::optional<std::string> authority_problem(std::string_view authority) {
  if (authority.empty()) return "the URL names no host";
  std::string_view port;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return "the IPv6 address lacks its ']'";
    for (const char c : authority.substr(1, close - 1)) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
        return "the IPv6 address holds a character other than hex digits, ':' and '.'";
      }
    }
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "only :port may follow the IPv6 address";
      port = rest.substr(1);
      if (auto problem = port_problem(port)) return problem;
    }
    return std::nullopt;
  }
  const auto colon = authority.find(':');
  const std::string_view host = authority.substr(0, colon);
  if (host.empty()) return "the URL names no host";
  for (const char c : host) {
    if (!is_host_name_character(c)) {
      return "the host may hold only letters, digits, '-' and '.' (no user name, no '@')";
    }
  }
  if (colon != std::string_view::npos) return port_problem(authority.substr(colon + 1));
  return std::nullopt;
}

std::string_view without_trailing_slashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

}  // namespace

std::vector<ExtendedKeyUsage> extended_key_usages_for(Role role) {
  switch (role) {
    case Role::Bank:
      return {ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth};
    case Role::Customer:
      return {ExtendedKeyUsage::ClientAuth};
    case Role::TtpService:
      return {ExtendedKeyUsage::ServerAuth};
  }
  return {};
}

std::optional<std::string> public_url_problem(std::string_view base_url) {
  if (base_url.size() > kMaxUrlLength) {
    return "the URL is longer than " + std::to_string(kMaxUrlLength) + " characters";
  }
  if (base_url.substr(0, kHttpScheme.size()) != kHttpScheme) {
    // RFC 5280 section 4.2.1.13: relying parties fetch CRLs (and OCSP, RFC 6960 appendix A)
    // over plain HTTP; https would make checking a certificate depend on another certificate.
    return "the URL must start with http:// (relying parties fetch revocation data over plain "
           "HTTP; the data is signed)";
  }
  const std::string_view rest = base_url.substr(kHttpScheme.size());
  const auto slash = rest.find('/');
  if (auto problem = authority_problem(rest.substr(0, slash))) return problem;
  if (slash != std::string_view::npos) {
    for (const char c : rest.substr(slash)) {
      if (!is_path_character(c)) {
        return std::string("the URL's path may not hold ") +
               (c == '?' || c == '#' ? "a query or fragment"
                                     : "characters that need escaping (spaces, controls, "
                                       "quotes, non-ASCII)");
      }
    }
  }
  return std::nullopt;
}

PublicationUrls PublicationUrls::under(std::string_view base_url) {
  const std::string base(without_trailing_slashes(base_url));
  return PublicationUrls{base + ocsp_path, base + ca_issuers_path, base + crl_path};
}

std::optional<std::string> PublicationUrls::problem() const {
  for (const std::string* url : {&ocsp, &ca_issuers, &crl}) {
    if (auto problem = public_url_problem(*url))
      return "\"" + url->substr(0, 64) + "\": " + *problem;
  }
  return std::nullopt;
}

}  // namespace sc::pki
