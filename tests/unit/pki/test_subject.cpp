// SubjectDetails rules (country codes, lengths, characters that hide or disguise text, UTF-8)
// and serial numbers.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <vector>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/serial_number.hpp"
#include "common/pki/subject.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using sc::pki::PkiError;
using sc::pki::SerialNumber;
using sc::pki::SubjectDetails;

namespace {
SubjectDetails valid_subject() {
  SubjectDetails subject;
  subject.country = "DE";
  subject.state = "Bayern";
  subject.locality = "München";
  subject.organisation = "Example Bank AG";
  subject.organisational_unit = "Online Banking";
  subject.common_name = "bank.example";
  return subject;
}
}  // namespace

TEST_CASE("a complete subject is valid", "[pki][subject]") {
  CHECK_FALSE(valid_subject().validate().has_value());
  SubjectDetails minimal;
  minimal.common_name = "client-7";
  CHECK_FALSE(minimal.validate().has_value());
}

TEST_CASE("country must be an assigned ISO 3166-1 alpha-2 code", "[pki][subject]") {
  for (const char* bad : {"XX", "deu", "D1", "de", "D", "UK", "EU", "ZZ", "AA"}) {
    SubjectDetails subject = valid_subject();
    subject.country = bad;
    INFO("country " << bad);
    const auto problem = subject.validate();
    REQUIRE(problem.has_value());
    CHECK(problem->find("country") != std::string::npos);
  }
  for (const char* good : {"DE", "FR", "US", "GB", "JP", "SS", "AX", "CW"}) {
    SubjectDetails subject = valid_subject();
    subject.country = good;
    INFO("country " << good);
    CHECK_FALSE(subject.validate().has_value());
  }
  CHECK(sc::pki::is_assigned_country_code("BQ"));
  CHECK_FALSE(sc::pki::is_assigned_country_code("AN"));  // withdrawn in 2010
}

TEST_CASE("common name is required", "[pki][subject]") {
  SubjectDetails subject = valid_subject();
  subject.common_name.clear();
  const auto problem = subject.validate();
  REQUIRE(problem.has_value());
  CHECK(*problem == "common name is required");
  CHECK_THROWS_AS(subject.to_x509_name(), PkiError);
}

TEST_CASE("control characters are refused in every field", "[pki][subject]") {
  for (const std::string& bad :
       {std::string("bank\x01"), std::string("a\nb"), std::string("tab\there"),
        std::string("del\x7f"), std::string("c1-\xc2\x85")}) {
    SubjectDetails subject = valid_subject();
    subject.organisation = bad;
    const auto problem = subject.validate();
    REQUIRE(problem.has_value());
    CHECK(problem->find("control character") != std::string::npos);
  }
  SubjectDetails subject = valid_subject();
  subject.common_name = std::string("bank\0evil", 9);
  CHECK(subject.validate().has_value());
}

TEST_CASE("fields are at most 64 characters, counted as characters", "[pki][subject]") {
  SubjectDetails subject = valid_subject();
  subject.common_name = std::string(64, 'a');
  CHECK_FALSE(subject.validate().has_value());
  subject.common_name = std::string(65, 'a');
  const auto problem = subject.validate();
  REQUIRE(problem.has_value());
  CHECK(problem->find("65 characters") != std::string::npos);

  std::string umlauts;
  for (int i = 0; i < 64; ++i) umlauts += "\xc3\xbc";  // 64 x 'ü' = 128 bytes
  subject = valid_subject();
  subject.locality = umlauts;
  CHECK_FALSE(subject.validate().has_value());
  subject.locality += "\xc3\xbc";
  CHECK(subject.validate().has_value());
}

TEST_CASE("fields must be valid UTF-8", "[pki][subject]") {
  for (const std::string& bad :
       {std::string("\xff"), std::string("\xc3"), std::string("\xc0\xaf"),  // overlong '/'
        std::string("\xed\xa0\x80"),                                        // surrogate
        std::string("\xf4\x90\x80\x80")}) {                                 // > U+10FFFF
    SubjectDetails subject = valid_subject();
    subject.organisational_unit = bad;
    const auto problem = subject.validate();
    REQUIRE(problem.has_value());
    CHECK(problem->find("UTF-8") != std::string::npos);
  }
}

TEST_CASE("subject round-trips through an X509_NAME with RFC 5280 string types", "[pki][subject]") {
  const SubjectDetails subject = valid_subject();
  sc::crypto::X509NamePtr name = subject.to_x509_name();
  CHECK(SubjectDetails::from_x509_name(name.get()) == subject);
  CHECK(sc::pki::name_one_line(name.get()) ==
        "C=DE, ST=Bayern, L=München, O=Example Bank AG, OU=Online Banking, CN=bank.example");
  CHECK(subject.one_line() == sc::pki::name_one_line(name.get()));

  const X509_NAME_ENTRY* country = X509_NAME_get_entry(name.get(), 0);
  CHECK(ASN1_STRING_type(X509_NAME_ENTRY_get_data(country)) == V_ASN1_PRINTABLESTRING);
  const X509_NAME_ENTRY* common_name = X509_NAME_get_entry(name.get(), 5);
  CHECK(ASN1_STRING_type(X509_NAME_ENTRY_get_data(common_name)) == V_ASN1_UTF8STRING);
}

TEST_CASE("serial numbers are positive, at most 20 octets, parsed from hex", "[pki][serial]") {
  CHECK(SerialNumber::from_hex("0x4F:1a").hex() == "4F1A");
  CHECK(SerialNumber::from_hex("00FF").hex() == "FF");
  CHECK(SerialNumber::from_hex("abc").hex() == "0ABC");
  CHECK_THROWS_AS(SerialNumber::from_hex("00"), PkiError);
  CHECK_THROWS_AS(SerialNumber::from_hex("xyz"), PkiError);
  CHECK_THROWS_AS(SerialNumber::from_hex(std::string(42, '1')), PkiError);         // 21 octets
  CHECK_THROWS_AS(SerialNumber::from_hex("80" + std::string(38, '0')), PkiError);  // sign octet
  CHECK_NOTHROW(SerialNumber::from_hex("7F" + std::string(38, 'F')));

  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const SerialNumber serial = SerialNumber::random();
    CHECK(serial.bytes().size() <= 16);
    CHECK(serial.bytes().front() != 0);
    seen.insert(serial.hex());
    sc::crypto::Asn1IntegerPtr encoded = serial.to_asn1();
    CHECK(ASN1_STRING_type(encoded.get()) == V_ASN1_INTEGER);  // not V_ASN1_NEG_INTEGER
    CHECK(SerialNumber::from_asn1(encoded.get()) == serial);
  }
  CHECK(seen.size() == 200);
}

namespace {

std::string utf8(std::uint32_t code_point) {
  std::string text;
  if (code_point < 0x80) {
    text += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    text += static_cast<char>(0xC0 | (code_point >> 6));
    text += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    text += static_cast<char>(0xE0 | (code_point >> 12));
    text += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    text += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    text += static_cast<char>(0xF0 | (code_point >> 18));
    text += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    text += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    text += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return text;
}

std::string code_point_label(std::uint32_t code_point) {
  char text[16];
  std::snprintf(text, sizeof text, "U+%04X", static_cast<unsigned>(code_point));
  return text;
}

struct RefusedRange {
  std::uint32_t first;
  std::uint32_t last;
  const char* kind;
};

// The lists of the rule, written out independently of subject.cpp.
const std::vector<RefusedRange> kRefused = {
    {0x0000, 0x001F, "a control character"},
    {0x007F, 0x009F, "a control character"},
    {0x061C, 0x061C, "a character that changes text direction"},
    {0x200E, 0x200F, "a character that changes text direction"},
    {0x202A, 0x202E, "a character that changes text direction"},
    {0x2066, 0x2069, "a character that changes text direction"},
    {0x00AD, 0x00AD, "an invisible character"},
    {0x034F, 0x034F, "an invisible character"},
    {0x115F, 0x1160, "an invisible character"},
    {0x17B4, 0x17B5, "an invisible character"},
    {0x180B, 0x180F, "an invisible character"},
    {0x200B, 0x200D, "an invisible character"},
    {0x2060, 0x2064, "an invisible character"},
    {0x206A, 0x206F, "an invisible character"},
    {0x3164, 0x3164, "an invisible character"},
    {0xFE00, 0xFE0F, "an invisible character"},
    {0xFEFF, 0xFEFF, "an invisible character"},
    {0xFFA0, 0xFFA0, "an invisible character"},
    {0xFFF9, 0xFFFB, "an invisible character"},
    {0xE0000, 0xE007F, "an invisible character"},
    {0x2028, 0x2029, "a line or paragraph separator"},
};

}  // namespace

TEST_CASE("every character that hides or disguises text is refused, by code point",
          "[pki][subject]") {
  int refused = 0;
  for (const RefusedRange& range : kRefused) {
    for (std::uint32_t code_point = range.first; code_point <= range.last; ++code_point) {
      SubjectDetails subject = valid_subject();
      subject.common_name = "bank" + utf8(code_point) + "example";
      const auto problem = subject.validate();
      INFO(code_point_label(code_point));
      REQUIRE(problem.has_value());
      CHECK(*problem == "common name holds " + code_point_label(code_point) + ", " + range.kind);
      CHECK_THROWS_AS(subject.to_x509_name(), PkiError);
      ++refused;
    }
  }
  CHECK(refused ==
        32 + 33 + 1 + 2 + 5 + 4 + 1 + 1 + 2 + 2 + 5 + 3 + 5 + 6 + 1 + 16 + 1 + 1 + 3 + 128 + 2);
}

TEST_CASE("the refusal names the field and the character", "[pki][subject]") {
  SubjectDetails subject = valid_subject();
  subject.common_name = "bank" + utf8(0x202E) + "elpmaxe";
  CHECK(subject.validate() ==
        std::string("common name holds U+202E, a character that changes text direction"));
  subject = valid_subject();
  subject.organisation = "Example" + utf8(0x200B) + "Bank";
  CHECK(subject.validate() == std::string("organisation holds U+200B, an invisible character"));
  subject = valid_subject();
  subject.locality = "M" + utf8(0xE0041) + "unich";
  CHECK(subject.validate() == std::string("locality holds U+E0041, an invisible character"));
  subject = valid_subject();
  subject.organisational_unit = "Line" + utf8(0x2028) + "Two";
  CHECK(subject.validate() ==
        std::string("organisational unit holds U+2028, a line or paragraph separator"));
  subject = valid_subject();
  subject.state = "Bay" + utf8(0x061C) + "ern";
  CHECK(subject.validate() ==
        std::string("state holds U+061C, a character that changes text direction"));
  subject = valid_subject();
  subject.common_name = "bell\x07";
  CHECK(subject.validate() == std::string("common name holds U+0007, a control character"));
}

TEST_CASE("neighbours of the refused characters and ordinary scripts are accepted",
          "[pki][subject]") {
  for (const std::uint32_t code_point :
       {0x00A0u,  0x00ACu,  0x00AEu, 0x061Bu, 0x061Du, 0x200Au, 0x2010u, 0x2027u, 0x202Fu,
        0x2065u,  0x2070u,  0x3163u, 0x3165u, 0xFDFFu, 0xFE10u, 0xFEFEu, 0xFF21u, 0xFFFCu,
        0xDFFFFu, 0xE0080u, 0x00FCu, 0x0411u, 0x05D0u, 0x0627u, 0x4E2Du, 0x1F3E6u}) {
    SubjectDetails subject = valid_subject();
    subject.common_name = "bank" + utf8(code_point) + "example";
    INFO(code_point_label(code_point));
    CHECK_FALSE(subject.validate().has_value());
  }
}

TEST_CASE("the CA refuses a CSR whose subject hides a direction change", "[pki][subject]") {
  // Built with the CLI, which does not check the characters: only the CA's rule stands
  // between "CN=bank<RLO>elpmaxe" (shown as "bankexample") and a certificate.
  sc::pki::test::TempFolder folder;
  const auto ca = sc::pki::CertificateAuthority::open_or_create(
      folder / "ca", sc::pki::test::fast_ca_options("Subject Root"));
  const auto made = sc::pki::test::run(
      "openssl req -new -utf8 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
      sc::pki::test::quoted(folder / "rlo.key") + " -out " +
      sc::pki::test::quoted(folder / "rlo.csr") + " -subj '/C=DE/CN=bank" + utf8(0x202E) +
      "elpmaxe'");
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  const auto csr =
      sc::pki::CertificateSigningRequest::from_pem(sc::pki::test::read_file(folder / "rlo.csr"));
  CHECK_THROWS_WITH(
      ca.issue(csr, {sc::pki::Role::Customer, 30, {}}, ca.random_serial()),
      "invalid CSR subject: common name holds U+202E, a character that changes text direction");
}
