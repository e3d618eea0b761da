// SubjectDetails rules (country codes, lengths, control characters, UTF-8) and serial numbers.
#include <catch2/catch.hpp>

#include <set>

#include "common/pki/pki_error.hpp"
#include "common/pki/serial_number.hpp"
#include "common/pki/subject.hpp"

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
