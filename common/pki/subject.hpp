#pragma once
// The distinguished name of a certificate subject, as a person types it at enrollment.
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/openssl_ptr.hpp"

namespace sc::pki {

// True when code is an officially assigned ISO 3166-1 alpha-2 country code ("DE", "FR", ...).
bool is_assigned_country_code(std::string_view code);

struct SubjectDetails {
  std::string country;              // C: ISO 3166-1 alpha-2, two upper-case letters
  std::string state;                // ST (optional)
  std::string locality;             // L  (optional)
  std::string organisation;         // O  (optional)
  std::string organisational_unit;  // OU (optional)
  std::string common_name;          // CN (required)

  // nullopt when valid, else a sentence naming the first bad field, e.g.
  // "country \"XX\" is not an assigned ISO 3166-1 alpha-2 code". Rules: common name required;
  // country empty or an assigned code; every field at most 64 characters (RFC 5280 upper
  // bounds), valid UTF-8, none of the characters that hide or disguise text: C0/C1 controls,
  // bidirectional controls, invisible and format characters, line/paragraph separators
  // ("common name holds U+202E, a character that changes text direction").
  std::optional<std::string> validate() const;

  // Throws PkiError (with the validate() sentence) when invalid. Fields are UTF8String.
  crypto::X509NamePtr to_x509_name() const;
  static SubjectDetails from_x509_name(const X509_NAME* name);

  // "C=DE, O=Example Bank, CN=bank" (only the fields that are set, in that order).
  std::string one_line() const;

  bool operator==(const SubjectDetails&) const = default;
};

// OpenSSL's RFC 2253-like one-line form of any X509_NAME: "C=DE, O=..., CN=...".
std::string name_one_line(const X509_NAME* name);

}  // namespace sc::pki
