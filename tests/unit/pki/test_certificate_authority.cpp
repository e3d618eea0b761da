// The CA: root creation and reuse, refusal to touch damaged or mismatched files, issuance from
// our CSRs and from openssl-CLI CSRs, key minimums, and the extensions as `openssl x509`
// and `openssl verify` see them.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::crypto::EcCurve;
using sc::crypto::PrivateKey;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

unsigned file_mode(const std::filesystem::path& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

// `openssl req` with a fresh key of the given openssl -newkey spec.
CertificateSigningRequest cli_csr(const TempFolder& folder, const std::string& newkey,
                                  const std::string& subject) {
  const auto key = folder / "cli.key";
  const auto csr = folder / "cli.csr";
  const CommandResult result =
      run("openssl req -new -newkey " + newkey + " -nodes -keyout " + quoted(key) + " -out " +
          quoted(csr) + " -subj '" + subject + "'");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return CertificateSigningRequest::from_pem(read_file(csr));
}

CommandResult openssl_verify(const TempFolder& folder, const Certificate& certificate,
                             const std::string& extra = "") {
  const auto path = folder / "to-verify.pem";
  write_certificate_file(path, certificate);
  return run("openssl verify -x509_strict " + extra + " -CAfile " + quoted(folder / "ca.pem") +
             " " + quoted(path));
}

std::string openssl_text(const TempFolder& folder, const Certificate& certificate) {
  const auto path = folder / "to-print.pem";
  write_certificate_file(path, certificate);
  const CommandResult result = run("openssl x509 -noout -text -in " + quoted(path));
  REQUIRE(result.exit_code == 0);
  return result.output;
}

}  // namespace

TEST_CASE("first start creates the root; later starts reuse it", "[pki][ca]") {
  TempFolder folder;
  const auto ca_folder = folder / "ca";
  std::string fingerprint;
  {
    const CertificateAuthority ca = CertificateAuthority::open_or_create(ca_folder);  // RSA-3072
    fingerprint = ca.root().sha256_fingerprint();
    CHECK(ca.root().is_ca());
    CHECK(ca.root().is_self_signed());
    CHECK(ca.root().subject_line() ==
          "C=DE, O=SecureChannel Trusted Third Party, CN=SecureChannel Root CA");
    CHECK(ca.root().public_key().bits() == 3072);
  }
  CHECK(file_mode(ca_folder / "ca.key") == 0600);
  CHECK(std::filesystem::exists(ca_folder / "ca.pem"));

  const CertificateAuthority again = CertificateAuthority::open_or_create(ca_folder);
  CHECK(again.root().sha256_fingerprint() == fingerprint);

  const CommandResult fp =
      run("openssl x509 -noout -fingerprint -sha256 -in " + quoted(ca_folder / "ca.pem"));
  CHECK(contains(fp.output, fingerprint));

  const CommandResult text = run("openssl x509 -noout -text -in " + quoted(ca_folder / "ca.pem"));
  INFO(text.output);
  CHECK(contains(text.output, "Version: 3 (0x2)"));
  CHECK(contains(text.output, "X509v3 Basic Constraints: critical"));
  CHECK(contains(text.output, "CA:TRUE"));
  CHECK(contains(text.output, "X509v3 Key Usage: critical"));
  CHECK(contains(text.output, "Certificate Sign, CRL Sign"));
  CHECK(contains(text.output, "X509v3 Subject Key Identifier"));
  CHECK(contains(text.output, "X509v3 Authority Key Identifier"));
  CHECK(contains(text.output, "sha256WithRSAEncryption"));
  // The root verifies against itself under strict X.509 rules.
  const CommandResult verify =
      run("openssl verify -x509_strict -CAfile " + quoted(ca_folder / "ca.pem") + " " +
          quoted(ca_folder / "ca.pem"));
  INFO(verify.output);
  CHECK(verify.exit_code == 0);
}

TEST_CASE("a mismatched, damaged or half-missing CA is refused and left untouched", "[pki][ca]") {
  TempFolder folder;
  const auto a = folder / "a";
  const auto b = folder / "b";
  CertificateAuthority::open_or_create(a, fast_ca_options("Root A"));
  CertificateAuthority::open_or_create(b, fast_ca_options("Root B"));

  SECTION("key of another CA") {
    std::filesystem::copy_file(b / "ca.key", a / "ca.key",
                               std::filesystem::copy_options::overwrite_existing);
    const std::string key_before = read_file(a / "ca.key");
    const std::string cert_before = read_file(a / "ca.pem");
    CHECK_THROWS_WITH(CertificateAuthority::open_or_create(a, fast_ca_options("Root A")),
                      Catch::Contains("does not belong to root certificate"));
    CHECK(read_file(a / "ca.key") == key_before);
    CHECK(read_file(a / "ca.pem") == cert_before);
  }
  SECTION("damaged key") {
    write_file(a / "ca.key", "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
    const std::string cert_before = read_file(a / "ca.pem");
    CHECK_THROWS_WITH(CertificateAuthority::open_or_create(a, fast_ca_options()),
                      Catch::Contains("is damaged or unreadable"));
    CHECK(read_file(a / "ca.pem") == cert_before);
    CHECK(contains(read_file(a / "ca.key"), "garbage"));
  }
  SECTION("damaged certificate") {
    std::string text = read_file(a / "ca.pem");
    text[text.size() / 2] = text[text.size() / 2] == 'A' ? 'B' : 'A';
    write_file(a / "ca.pem", text);
    const std::string key_before = read_file(a / "ca.key");
    CHECK_THROWS_AS(CertificateAuthority::open_or_create(a, fast_ca_options()), PkiError);
    CHECK(read_file(a / "ca.key") == key_before);
    CHECK(read_file(a / "ca.pem") == text);
  }
  SECTION("certificate missing") {
    std::filesystem::remove(a / "ca.pem");
    const std::string key_before = read_file(a / "ca.key");
    CHECK_THROWS_WITH(CertificateAuthority::open_or_create(a, fast_ca_options()),
                      Catch::Contains("is missing"));
    CHECK_FALSE(std::filesystem::exists(a / "ca.pem"));
    CHECK(read_file(a / "ca.key") == key_before);
  }
  SECTION("open() of an empty folder does not create anything") {
    CHECK_THROWS_AS(CertificateAuthority::open(folder / "empty"), PkiError);
    CHECK_FALSE(std::filesystem::exists(folder / "empty"));
  }
}

TEST_CASE("bank and customer certificates from our own CSRs", "[pki][ca][issue]") {
  TempFolder folder;
  const CertificateAuthority ca = CertificateAuthority::open_or_create(folder.path());
  const PrivateKey bank_key = PrivateKey::generate_rsa(2048);
  const SerialNumber bank_serial = CertificateAuthority::random_serial();
  const Certificate bank = ca.issue(make_csr("bank.example", bank_key),
                                    {Role::Bank, 365, {"bank.example", "127.0.0.1"}}, bank_serial);

  CHECK(bank.serial_hex() == bank_serial.hex());
  CHECK(bank.serial() == bank_serial);
  CHECK(bank.issuer_line() == ca.root().subject_line());
  CHECK(bank.subject_line() == "C=DE, O=Example Bank AG, CN=bank.example");
  CHECK(bank.common_name() == "bank.example");
  CHECK_FALSE(bank.is_ca());
  CHECK(bank.dns_names() == std::vector<std::string>{"bank.example"});
  CHECK(bank.ip_addresses() == std::vector<std::string>{"127.0.0.1"});
  CHECK(bank.extended_key_usages() ==
        std::vector<ExtendedKeyUsage>{ExtendedKeyUsage::ServerAuth, ExtendedKeyUsage::ClientAuth});
  CHECK(bank.has_key_usage_digital_signature());
  CHECK(bank.signature_verified_by(ca.root()));
  CHECK(bank.public_key().to_der() == bank_key.public_key().to_der());
  const auto now = std::chrono::system_clock::now();
  CHECK(bank.not_before() <= now - std::chrono::minutes(4));
  CHECK(bank.not_before() >= now - std::chrono::minutes(6));
  CHECK(bank.not_after() - bank.not_before() == std::chrono::hours(24 * 365));

  const CommandResult verified = openssl_verify(folder, bank, "-purpose sslserver");
  INFO(verified.output);
  CHECK(verified.exit_code == 0);
  CHECK(openssl_verify(folder, bank, "-purpose sslclient").exit_code == 0);

  const std::string bank_text = openssl_text(folder, bank);
  INFO(bank_text);
  CHECK(contains(bank_text, "Version: 3 (0x2)"));
  CHECK(contains(bank_text, "Signature Algorithm: sha256WithRSAEncryption"));
  CHECK(contains(bank_text, "X509v3 Key Usage: critical"));
  CHECK(contains(bank_text, "Digital Signature"));
  CHECK(contains(bank_text, "TLS Web Server Authentication, TLS Web Client Authentication"));
  CHECK(contains(bank_text, "DNS:bank.example, IP Address:127.0.0.1"));
  CHECK(contains(bank_text, "X509v3 Basic Constraints: critical"));
  CHECK(contains(bank_text, "CA:FALSE"));
  CHECK(contains(bank_text, "X509v3 Subject Key Identifier"));
  CHECK(contains(bank_text, "X509v3 Authority Key Identifier"));

  const PrivateKey customer_key = PrivateKey::generate_ecdsa(EcCurve::P256);
  const Certificate customer =
      ca.issue(make_csr("client-7", customer_key), {Role::Customer, 90, {}}, ca.random_serial());
  const std::string customer_text = openssl_text(folder, customer);
  INFO(customer_text);
  CHECK(contains(customer_text, "TLS Web Client Authentication"));
  CHECK_FALSE(contains(customer_text, "TLS Web Server Authentication"));
  CHECK_FALSE(contains(customer_text, "Subject Alternative Name"));
  CHECK(contains(customer_text, "Digital Signature"));
  CHECK(contains(customer_text, "Public Key Algorithm: id-ecPublicKey"));
  CHECK(openssl_verify(folder, customer, "-purpose sslclient").exit_code == 0);
  CHECK(openssl_verify(folder, customer, "-purpose sslserver").exit_code != 0);

  // The same RSA root opened for SHA-384 signs PKCS#1 v1.5 with SHA-384.
  const CertificateAuthority sha384 =
      CertificateAuthority::open(folder.path(), sc::crypto::HashAlgorithm::Sha384);
  const Certificate later = sha384.issue(make_csr("client-8", customer_key), {Role::Customer, 30},
                                         sha384.random_serial());
  CHECK(contains(openssl_text(folder, later), "Signature Algorithm: sha384WithRSAEncryption"));
  CHECK(openssl_verify(folder, later).exit_code == 0);
}

TEST_CASE("certificates from an openssl CLI CSR", "[pki][ca][issue]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  const CertificateSigningRequest csr =
      cli_csr(folder, "rsa:2048", "/C=DE/O=Example Bank AG/OU=Payments/CN=bank.example");
  CHECK(csr.verify_self_signature());
  CHECK(csr.key_description().text() == "RSA 2048");
  CHECK(csr.subject().organisational_unit == "Payments");

  const Certificate bank = ca.issue(csr, {Role::Bank, 30, {"bank.example", "localhost"}},
                                    SerialNumber::from_hex("4F01"));
  CHECK(bank.serial_hex() == "4F01");
  CHECK(bank.subject_line() == "C=DE, O=Example Bank AG, OU=Payments, CN=bank.example");
  const CommandResult verified = openssl_verify(folder, bank);
  INFO(verified.output);
  CHECK(verified.exit_code == 0);
  CHECK(contains(openssl_text(folder, bank), "Signature Algorithm: ecdsa-with-SHA256"));
  // The issued certificate carries the key the CLI generated.
  const CommandResult cli_pub =
      run("openssl pkey -pubout -outform DER -in " + quoted(folder / "cli.key") + " -out " +
          quoted(folder / "cli.pub.der"));
  REQUIRE(cli_pub.exit_code == 0);
  const std::string der = read_file(folder / "cli.pub.der");
  CHECK(bank.public_key().to_der() == sc::Bytes(der.begin(), der.end()));
}

TEST_CASE("key minimums: RSA below 2048 and curves other than P-256/P-384 are refused",
          "[pki][ca][issue]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  const IssuanceProfile profile{Role::Customer, 30, {}};

  const auto rsa1024 = cli_csr(folder, "rsa:1024", "/C=DE/CN=weak");
  CHECK(rsa1024.verify_self_signature());
  CHECK_THROWS_WITH(ca.issue(rsa1024, profile, ca.random_serial()),
                    Catch::Contains("RSA key of 1024 bits is below the minimum of 2048"));

  const auto p521 = cli_csr(folder, "ec -pkeyopt ec_paramgen_curve:P-521", "/C=DE/CN=p521");
  CHECK(p521.key_description().curve_name == "P-521");
  CHECK_THROWS_WITH(ca.issue(p521, profile, ca.random_serial()),
                    Catch::Contains("ECDSA curve P-521 is not accepted"));

  const auto ed25519 = cli_csr(folder, "ed25519", "/C=DE/CN=edwards");
  CHECK_THROWS_WITH(ca.issue(ed25519, profile, ca.random_serial()),
                    Catch::Contains("keys are not accepted"));

  for (const char* curve : {"P-256", "P-384"}) {
    const auto csr = cli_csr(folder, std::string("ec -pkeyopt ec_paramgen_curve:") + curve,
                             std::string("/C=FR/CN=") + curve);
    CHECK(csr.key_description().text() == std::string("ECDSA ") + curve);
    const Certificate certificate = ca.issue(csr, profile, ca.random_serial());
    CHECK(openssl_verify(folder, certificate).exit_code == 0);
  }
}

TEST_CASE("our CSRs: SHA-384 for P-384, SHA-256 otherwise; requested names readable",
          "[pki][csr]") {
  const PrivateKey p384 = PrivateKey::generate_ecdsa(EcCurve::P384);
  const CertificateSigningRequest csr = make_csr("bank.example", p384, {"bank.example", "::1"});
  CHECK(X509_REQ_get_signature_nid(csr.native()) == NID_ecdsa_with_SHA384);
  CHECK(csr.verify_self_signature());
  CHECK(csr.requested_dns_names() == std::vector<std::string>{"bank.example", "::1"});
  CHECK(csr.key_description().text() == "ECDSA P-384");

  const PrivateKey p256 = PrivateKey::generate_ecdsa(EcCurve::P256);
  CHECK(X509_REQ_get_signature_nid(make_csr("x", p256).native()) == NID_ecdsa_with_SHA256);
  const PrivateKey rsa = PrivateKey::generate_rsa(2048);
  CHECK(X509_REQ_get_signature_nid(make_csr("x", rsa).native()) == NID_sha256WithRSAEncryption);

  // PEM and DER round trips keep the signature valid.
  CHECK(CertificateSigningRequest::from_pem(csr.to_pem()).verify_self_signature());
  CHECK(CertificateSigningRequest::from_der(csr.to_der()).to_der() == csr.to_der());
  sc::Bytes with_trailer = csr.to_der();
  with_trailer.push_back(0);
  CHECK_THROWS_AS(CertificateSigningRequest::from_der(with_trailer), PkiError);
  CHECK_THROWS_AS(CertificateSigningRequest::from_pem("not a csr"), PkiError);

  SubjectDetails bad;
  bad.country = "XX";
  bad.common_name = "x";
  CHECK_THROWS_WITH(CertificateSigningRequest::create(bad, p256),
                    Catch::Contains("not an assigned ISO 3166-1"));
  CHECK_THROWS_AS(make_csr("x", p256, {"bad name!"}), PkiError);
}

TEST_CASE("a CSR with a tampered signature or subject is refused", "[pki][csr][issue]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  const PrivateKey key = PrivateKey::generate_rsa(2048);
  const sc::Bytes der = make_csr("client-9", key).to_der();

  sc::Bytes bad_signature = der;
  bad_signature.back() ^= 0x01;
  const auto tampered = CertificateSigningRequest::from_der(bad_signature);
  CHECK_FALSE(tampered.verify_self_signature());
  CHECK_THROWS_WITH(ca.issue(tampered, {Role::Customer, 30, {}}, ca.random_serial()),
                    Catch::Contains("signature does not verify"));

  sc::Bytes bad_subject = der;
  const std::string marker = "client-9";
  const auto at = std::search(bad_subject.begin(), bad_subject.end(), marker.begin(), marker.end());
  REQUIRE(at != bad_subject.end());
  *(at + 7) = '8';  // client-8: same length, different name
  const auto renamed = CertificateSigningRequest::from_der(bad_subject);
  CHECK(renamed.subject().common_name == "client-8");
  CHECK_FALSE(renamed.verify_self_signature());
  CHECK_THROWS_AS(ca.issue(renamed, {Role::Customer, 30, {}}, ca.random_serial()), PkiError);
}

TEST_CASE("issuance refuses bad subjects, profiles and serials", "[pki][ca][issue]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  const auto duplicate_cn =
      cli_csr(folder, "ec -pkeyopt ec_paramgen_curve:P-256", "/C=DE/CN=one/CN=two");
  CHECK_THROWS_WITH(ca.issue(duplicate_cn, {Role::Customer, 30, {}}, ca.random_serial()),
                    Catch::Contains("repeated or unsupported attributes"));
  const auto bad_country = cli_csr(folder, "ec -pkeyopt ec_paramgen_curve:P-256", "/C=XX/CN=x");
  CHECK_THROWS_WITH(ca.issue(bad_country, {Role::Customer, 30, {}}, ca.random_serial()),
                    Catch::Contains("country"));

  const PrivateKey key = PrivateKey::generate_ecdsa(EcCurve::P256);
  const auto csr = make_csr("bank.example", key);
  CHECK_THROWS_AS(ca.issue(csr, {Role::Bank, 0, {}}, ca.random_serial()), PkiError);
  CHECK_THROWS_AS(ca.issue(csr, {Role::Bank, 5000, {}}, ca.random_serial()), PkiError);
  CHECK_THROWS_WITH(ca.issue(csr, {Role::Bank, 30, {"bank..example"}}, ca.random_serial()),
                    Catch::Contains("neither a valid DNS host name nor an IP address"));
  CHECK_THROWS_AS(ca.issue(csr, {Role::Bank, 30, {}}, ca.root().serial()), PkiError);
}

TEST_CASE("an ECDSA P-384 CA signs with ecdsa-with-SHA384", "[pki][ca]") {
  TempFolder folder;
  CaOptions options = fast_ca_options("P-384 Root");
  options.curve = EcCurve::P384;
  options.hash = sc::crypto::HashAlgorithm::Sha384;
  const CertificateAuthority ca = CertificateAuthority::open_or_create(folder.path(), options);
  const PrivateKey key = PrivateKey::generate_rsa(3072);
  const Certificate certificate = ca.issue(make_csr("bank.example", key),
                                           {Role::Bank, 30, {"bank.example"}}, ca.random_serial());
  const std::string text = openssl_text(folder, certificate);
  CHECK(contains(text, "Signature Algorithm: ecdsa-with-SHA384"));
  CHECK(contains(text, "Public-Key: (3072 bit)"));
  CHECK(openssl_verify(folder, certificate).exit_code == 0);
}

TEST_CASE("the TTP service identity is created once and reused", "[pki][ca][service]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  const ServiceCredentials first = ca.ensure_service_credentials();
  CHECK(first.certificate().common_name() == "ttp");
  CHECK(first.certificate().dns_names() == std::vector<std::string>{"localhost"});
  CHECK(first.certificate().ip_addresses() == std::vector<std::string>{"127.0.0.1"});
  CHECK(first.certificate().extended_key_usages() ==
        std::vector<ExtendedKeyUsage>{ExtendedKeyUsage::ServerAuth});
  REQUIRE(first.chain.size() == 2);
  CHECK(first.chain[1] == ca.root());
  CHECK(file_mode(folder / "service.key") == 0600);

  const ServiceCredentials second = ca.ensure_service_credentials();
  CHECK(second.certificate() == first.certificate());
  CHECK(second.key.public_key().to_der() == first.key.public_key().to_der());

  const auto chain = read_chain_file(folder / "service.pem");
  REQUIRE(chain.size() == 2);
  CHECK(chain[0] == first.certificate());
  const CommandResult verified =
      run("openssl verify -x509_strict -purpose sslserver -CAfile " + quoted(folder / "ca.pem") +
          " " + quoted(folder / "service.pem"));
  INFO(verified.output);
  CHECK(verified.exit_code == 0);

  std::filesystem::remove(folder / "service.pem");
  CHECK_THROWS_WITH(ca.ensure_service_credentials(), Catch::Contains("is missing"));
  CHECK(std::filesystem::exists(folder / "service.key"));
}
