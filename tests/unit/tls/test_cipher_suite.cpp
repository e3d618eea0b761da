// The cipher suite table (RFC 8446 appendix B.4 plus the private-use suites), named groups
// (RFC 8446 section 4.2.7) and alert names (RFC 8446 section 6).
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "common/tls/alert.hpp"
#include "common/tls/cipher_suite.hpp"

using namespace sc::tls;
using sc::crypto::AeadAlgorithm;
using sc::crypto::HashAlgorithm;

TEST_CASE("standard suites carry their RFC 8446 code points, AEAD and hash", "[tls]") {
  const auto standard = standard_cipher_suites();
  REQUIRE(standard.size() == 3);
  CHECK(static_cast<int>(standard[0]) == 0x1301);
  CHECK(static_cast<int>(standard[1]) == 0x1302);
  CHECK(static_cast<int>(standard[2]) == 0x1303);

  const auto& aes128 = cipher_suite_info(CipherSuite::TLS_AES_128_GCM_SHA256);
  CHECK(aes128.name == "TLS_AES_128_GCM_SHA256");
  CHECK(aes128.aead == AeadAlgorithm::Aes128Gcm);
  CHECK(aes128.hash == HashAlgorithm::Sha256);
  CHECK(aes128.standard);
  const auto& aes256 = cipher_suite_info(CipherSuite::TLS_AES_256_GCM_SHA384);
  CHECK(aes256.aead == AeadAlgorithm::Aes256Gcm);
  CHECK(aes256.hash == HashAlgorithm::Sha384);
  const auto& chacha = cipher_suite_info(CipherSuite::TLS_CHACHA20_POLY1305_SHA256);
  CHECK(chacha.aead == AeadAlgorithm::ChaCha20Poly1305);
  CHECK(chacha.hash == HashAlgorithm::Sha256);
}

TEST_CASE("every AEAD x hash pair has exactly one suite; private ones are marked", "[tls]") {
  const auto suites = all_cipher_suites();
  CHECK(suites.size() == 6);
  std::set<std::pair<AeadAlgorithm, HashAlgorithm>> pairs;
  for (const auto& info : suites) {
    INFO(std::string(info.name));
    pairs.insert({info.aead, info.hash});
    CHECK(cipher_suite_for(info.aead, info.hash) == info.suite);
    CHECK(cipher_suite_from_code(static_cast<std::uint16_t>(info.suite)) == info.suite);
    CHECK(cipher_suite_from_name(info.name) == info.suite);
    const bool private_range = static_cast<std::uint16_t>(info.suite) >= 0xFF00;
    CHECK(info.standard == !private_range);
    CHECK((info.name.find("(private)") != std::string_view::npos) == private_range);
  }
  CHECK(pairs.size() == 6);
  CHECK(cipher_suite_info(CipherSuite::PRIVATE_CHACHA20_POLY1305_SHA384).name ==
        "TLS_CHACHA20_POLY1305_SHA384 (private)");
}

TEST_CASE("suite names are looked up with or without the private mark, in any case", "[tls]") {
  CHECK(cipher_suite_from_name("TLS_CHACHA20_POLY1305_SHA384") ==
        CipherSuite::PRIVATE_CHACHA20_POLY1305_SHA384);
  CHECK(cipher_suite_from_name("tls_chacha20_poly1305_sha384 (PRIVATE)") ==
        CipherSuite::PRIVATE_CHACHA20_POLY1305_SHA384);
  CHECK(cipher_suite_from_name("tls_aes_256_gcm_sha384") == CipherSuite::TLS_AES_256_GCM_SHA384);
  // The mark is accepted on any name (it is informative), and does not change the suite.
  CHECK(cipher_suite_from_name("TLS_AES_256_GCM_SHA384 (private)") ==
        CipherSuite::TLS_AES_256_GCM_SHA384);
  CHECK_FALSE(cipher_suite_from_name("TLS_AES_128_CCM_SHA256").has_value());
  CHECK_FALSE(cipher_suite_from_name("").has_value());
  CHECK_FALSE(cipher_suite_from_code(0x1304).has_value());  // CCM: not offered
  CHECK_FALSE(cipher_suite_from_code(0xFF04).has_value());
  CHECK_THROWS_AS(cipher_suite_info(static_cast<CipherSuite>(0x00ff)), std::invalid_argument);
}

TEST_CASE("named groups map to key exchange groups", "[tls]") {
  CHECK(named_group_from_code(0x001d) == NamedGroup::x25519);
  CHECK(named_group_from_code(0x0017) == NamedGroup::secp256r1);
  CHECK(named_group_from_code(0x0018) == NamedGroup::secp384r1);
  CHECK_FALSE(named_group_from_code(0x0019).has_value());  // secp521r1: not supported
  CHECK_FALSE(named_group_from_code(0x001e).has_value());  // x448: not supported
  CHECK(key_exchange_group(NamedGroup::x25519) == sc::crypto::KeyExchangeGroup::X25519);
  CHECK(key_exchange_group(NamedGroup::secp256r1) == sc::crypto::KeyExchangeGroup::Secp256r1);
  CHECK(key_exchange_group(NamedGroup::secp384r1) == sc::crypto::KeyExchangeGroup::Secp384r1);
  CHECK(std::string(named_group_name(NamedGroup::x25519)) == "x25519");
  CHECK(std::string(named_group_name(NamedGroup::secp256r1)) == "secp256r1");
  CHECK(std::string(named_group_name(NamedGroup::secp384r1)) == "secp384r1");
  // Offered and accepted by default, after x25519 and secp256r1.
  CHECK(default_groups() ==
        std::vector<NamedGroup>{NamedGroup::x25519, NamedGroup::secp256r1, NamedGroup::secp384r1});
}

TEST_CASE("every alert has its RFC 8446 name", "[tls]") {
  CHECK(std::string(alert_name(AlertDescription::close_notify)) == "close_notify");
  CHECK(std::string(alert_name(AlertDescription::bad_record_mac)) == "bad_record_mac");
  CHECK(std::string(alert_name(AlertDescription::decrypt_error)) == "decrypt_error");
  CHECK(std::string(alert_name(AlertDescription::certificate_required)) == "certificate_required");
  CHECK(std::string(alert_name(AlertDescription::no_application_protocol)) ==
        "no_application_protocol");
  CHECK(std::string(alert_name(static_cast<AlertDescription>(255))) == "unknown_alert");
  // Names are distinct for all 27 descriptions.
  std::set<std::string> names;
  for (const int code : {0,  10, 20, 22, 40, 42, 43,  44,  45,  46,  47,  48,  49, 50,
                         51, 70, 71, 80, 86, 90, 109, 110, 112, 113, 115, 116, 120}) {
    const std::string name = alert_name(static_cast<AlertDescription>(code));
    CHECK(name != "unknown_alert");
    names.insert(name);
  }
  CHECK(names.size() == 27);
}
