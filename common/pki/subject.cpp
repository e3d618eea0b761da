#include "common/pki/subject.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>

#include "common/crypto/error.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/x509_encoding.hpp"

namespace sc::pki {

namespace {

// The 249 officially assigned ISO 3166-1 alpha-2 codes (ISO 3166 Maintenance Agency; the
// same list as Debian's iso-codes iso_3166-1.json), sorted for binary search. User-assigned
// codes (AA, QM-QZ, XA-XZ, ZZ) and reserved ones (e.g. UK, EU) are not countries.
constexpr std::array<std::string_view, 249> kAssignedCountryCodes = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
};

// RFC 5280 Appendix A upper bounds (ub-common-name, ub-organization-name, ...) are 64; the
// state and locality bounds are 128, but the product keeps every field to 64 characters.
constexpr std::size_t kMaxFieldCharacters = 64;

// Decodes UTF-8 strictly (no overlong forms, no surrogates, nothing above U+10FFFF).
// Returns the code points, or nullopt when the text is not valid UTF-8.
std::optional<std::vector<std::uint32_t>> decode_utf8(std::string_view text) {
  std::vector<std::uint32_t> code_points;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    std::size_t length = 0;
    std::uint32_t value = 0;
    std::uint32_t minimum = 0;
    if (lead < 0x80) {
      length = 1, value = lead, minimum = 0;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, value = lead & 0x1F, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, value = lead & 0x0F, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, value = lead & 0x07, minimum = 0x10000;
    } else {
      return std::nullopt;
    }
    if (text.size() - i < length) return std::nullopt;
    for (std::size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<std::uint8_t>(text[i + k]);
      if ((continuation & 0xC0) != 0x80) return std::nullopt;
      value = (value << 6) | (continuation & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      return std::nullopt;
    }
    code_points.push_back(value);
    i += length;
  }
  return code_points;
}

struct CodePointRange {
  std::uint32_t first;
  std::uint32_t last;
};

bool in_any(std::uint32_t code_point, std::initializer_list<CodePointRange> ranges) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const CodePointRange& range) {
    return code_point >= range.first && code_point <= range.last;
  });
}

// C0, DEL and C1 controls.
bool is_control(std::uint32_t code_point) {
  return in_any(code_point, {{0x00, 0x1F}, {0x7F, 0x9F}});
}

// Bidirectional controls (Unicode UAX #9): marks, embeddings, overrides and isolates. In a
// name they can make "CN=bank" display as something else (the "Trojan Source" trick,
// CVE-2021-42574).
bool is_bidirectional_control(std::uint32_t code_point) {
  return in_any(code_point,
                {{0x061C, 0x061C}, {0x200E, 0x200F}, {0x202A, 0x202E}, {0x2066, 0x2069}});
}

// Characters that render as nothing (or as blank filler) and let two names that look alike
// differ: soft hyphen, combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
// Mongolian variation selectors and vowel separator, zero-width space/joiners, word joiner and
// invisible operators, deprecated format characters, variation selectors, byte order mark,
// interlinear annotation controls and the tag characters.
bool is_invisible(std::uint32_t code_point) {
  return in_any(code_point, {{0x00AD, 0x00AD},
                             {0x034F, 0x034F},
                             {0x115F, 0x1160},
                             {0x17B4, 0x17B5},
                             {0x180B, 0x180F},
                             {0x200B, 0x200D},
                             {0x2060, 0x2064},
                             {0x206A, 0x206F},
                             {0x3164, 0x3164},
                             {0xFE00, 0xFE0F},
                             {0xFEFF, 0xFEFF},
                             {0xFFA0, 0xFFA0},
                             {0xFFF9, 0xFFFB},
                             {0xE0000, 0xE007F}});
}

bool is_line_separator(std::uint32_t code_point) {
  return code_point == 0x2028 || code_point == 0x2029;
}

// What kind of character may not appear in a subject field, or nullptr when it may.
const char* refused_character_kind(std::uint32_t code_point) {
  if (is_control(code_point)) return "a control character";
  if (is_bidirectional_control(code_point)) return "a character that changes text direction";
  if (is_invisible(code_point)) return "an invisible character";
  if (is_line_separator(code_point)) return "a line or paragraph separator";
  return nullptr;
}

// "U+202E", "U+E0041".
std::string code_point_text(std::uint32_t code_point) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string digits;
  for (std::uint32_t rest = code_point; rest != 0 || digits.size() < 4; rest >>= 4) {
    digits.insert(digits.begin(), kDigits[rest & 0xF]);
  }
  return "U+" + digits;
}

std::optional<std::string> field_problem(std::string_view label, std::string_view value) {
  const auto code_points = decode_utf8(value);
  if (!code_points) return std::string(label) + " is not valid UTF-8";
  for (const std::uint32_t code_point : *code_points) {
    if (const char* kind = refused_character_kind(code_point)) {
      return std::string(label) + " holds " + code_point_text(code_point) + ", " + kind;
    }
  }
  if (code_points->size() > kMaxFieldCharacters) {
    return std::string(label) + " is " + std::to_string(code_points->size()) +
           " characters long; at most " + std::to_string(kMaxFieldCharacters) + " are allowed";
  }
  if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) {
    return std::string(label) + " begins or ends with a space";
  }
  return std::nullopt;
}

struct FieldBinding {
  int nid;
  const char* short_name;
  const char* label;
  std::string SubjectDetails::*member;
};

// Certificate subject order: C, ST, L, O, OU, CN.
constexpr std::array<FieldBinding, 6> kFields = {{
    {NID_countryName, "C", "country", &SubjectDetails::country},
    {NID_stateOrProvinceName, "ST", "state", &SubjectDetails::state},
    {NID_localityName, "L", "locality", &SubjectDetails::locality},
    {NID_organizationName, "O", "organisation", &SubjectDetails::organisation},
    {NID_organizationalUnitName, "OU", "organisational unit", &SubjectDetails::organisational_unit},
    {NID_commonName, "CN", "common name", &SubjectDetails::common_name},
}};

}  // namespace

bool is_assigned_country_code(std::string_view code) {
  return std::binary_search(kAssignedCountryCodes.begin(), kAssignedCountryCodes.end(), code);
}

std::optional<std::string> SubjectDetails::validate() const {
  for (const FieldBinding& field : kFields) {
    if (auto problem = field_problem(field.label, this->*field.member)) return problem;
  }
  if (common_name.empty()) return std::string("common name is required");
  if (!country.empty()) {
    const bool two_upper = country.size() == 2 && country[0] >= 'A' && country[0] <= 'Z' &&
                           country[1] >= 'A' && country[1] <= 'Z';
    if (!two_upper) {
      return "country \"" + country + "\" must be two upper-case letters (ISO 3166-1 alpha-2)";
    }
    if (!is_assigned_country_code(country)) {
      return "country \"" + country + "\" is not an assigned ISO 3166-1 alpha-2 code";
    }
  }
  return std::nullopt;
}

crypto::X509NamePtr SubjectDetails::to_x509_name() const {
  if (auto problem = validate()) throw PkiError("invalid subject: " + *problem);
  crypto::X509NamePtr name(X509_NAME_new());
  crypto::check(name != nullptr, "X509_NAME_new");
  for (const FieldBinding& field : kFields) {
    const std::string& value = this->*field.member;
    if (value.empty()) continue;
    // MBSTRING_UTF8: OpenSSL's string table makes countryName a PrintableString and the
    // other attributes UTF8String (RFC 5280 section 4.1.2.6).
    crypto::check(X509_NAME_add_entry_by_NID(name.get(), field.nid, MBSTRING_UTF8,
                                             reinterpret_cast<const unsigned char*>(value.data()),
                                             static_cast<int>(value.size()), -1, 0) == 1,
                  "X509_NAME_add_entry_by_NID");
  }
  return name;
}

SubjectDetails SubjectDetails::from_x509_name(const X509_NAME* name) {
  SubjectDetails details;
  if (name == nullptr) return details;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    for (const FieldBinding& field : kFields) {
      if (field.nid == nid) {
        details.*field.member = detail::asn1_string_utf8(X509_NAME_ENTRY_get_data(entry));
      }
    }
  }
  return details;
}

std::string SubjectDetails::one_line() const {
  std::string line;
  for (const FieldBinding& field : kFields) {
    const std::string& value = this->*field.member;
    if (value.empty()) continue;
    if (!line.empty()) line += ", ";
    line += field.short_name;
    line += '=';
    line += value;
  }
  return line;
}

std::string name_one_line(const X509_NAME* name) {
  if (name == nullptr) return {};
  crypto::BioPtr bio = detail::memory_bio();
  constexpr unsigned long kFlags =
      (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
  crypto::check(X509_NAME_print_ex(bio.get(), name, 0, kFlags) >= 0, "X509_NAME_print_ex");
  return detail::bio_contents(bio.get());
}

}  // namespace sc::pki
