// The ttp binary's admin commands, run as separate processes against a folder whose registry
// is held open by an in-process TTP service (as a running daemon would hold it).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <regex>

#include "common/pki/pem_file.hpp"
#include "tests/support/test_data.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/registry.hpp"
#include "ttp/ttp_service.hpp"

using namespace sc;

namespace {

std::string ttp_binary() {
  return (test::binary_dir() / "bin" / "ttp").string();
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

TEST_CASE("ttp init creates an RSA 3072 root, fingerprint file, registry and CRL; reuses them",
          "[ttp][cli]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const auto first =
      test::run_command(ttp_binary() + " init --certs-dir " + certs.string(), scratch);
  INFO(first.errors);
  REQUIRE(first.exit_code == 0);
  const auto root = pki::read_certificate_file(certs / "ca.pem");
  CHECK(root.is_ca());
  CHECK(root.public_key().type() == crypto::KeyType::Rsa);
  CHECK(root.public_key().bits() == 3072);
  CHECK(first.output == "CA fingerprint (SHA-256): " + root.sha256_fingerprint() + "\n");
  CHECK(test::read_file(certs / "ca.fingerprint") == root.sha256_fingerprint() + "\n");
  CHECK((std::filesystem::status(certs / "ca.key").permissions() &
         (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
  CHECK(std::filesystem::exists(certs / "registry.db"));
  CHECK(std::filesystem::exists(certs / "crl.pem"));
  CHECK(std::filesystem::exists(certs / "service.pem"));

  const auto again =
      test::run_command(ttp_binary() + " init --certs-dir " + certs.string(), scratch);
  REQUIRE(again.exit_code == 0);
  CHECK(again.output == first.output);  // same root

  // The service certificate is in the registry, so status answers know it.
  const auto listed =
      test::run_command(ttp_binary() + " list --certs-dir " + certs.string(), scratch);
  CHECK_THAT(listed.output, Catch::Contains("ttp-service") && Catch::Contains("good"));
}

TEST_CASE("ttp init refuses a damaged root key and touches nothing", "[ttp][cli]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  test::test_authority(certs);
  test::write_file(certs / "ca.key",
                   "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  const auto before = test::read_file(certs / "ca.pem");
  const auto result =
      test::run_command(ttp_binary() + " init --certs-dir " + certs.string(), scratch);
  CHECK(result.exit_code == 1);
  CHECK_FALSE(result.errors.empty());
  CHECK(test::read_file(certs / "ca.pem") == before);
  CHECK_FALSE(std::filesystem::exists(certs / "registry.db"));
}

TEST_CASE("token, list, revoke and crl work while a TTP holds the registry open", "[ttp][cli]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const std::string dir = " --certs-dir " + certs.string();
  const auto authority = test::test_authority(certs);
  ttp::Registry registry(certs / "registry.db");  // the "daemon"
  ttp::CrlPublisher crl(authority, registry, certs / "crl.pem");
  ttp::TtpService service(authority, registry, crl);

  const auto token = test::run_command(
      ttp_binary() + " token create --role customer --cn alice --ttl-hours 2" + dir, scratch);
  INFO(token.errors);
  REQUIRE(token.exit_code == 0);
  REQUIRE(std::regex_match(token.output, std::regex("[0-9a-f]{64}\n")));    // alone on a line
  CHECK(token.errors.find(first_line(token.output)) == std::string::npos);  // not logged

  const std::string reply =
      service.handle(ttp::Request{"ENROLL customer " + first_line(token.output),
                                  test::in_process_csr("alice").to_pem()},
                     "test");
  REQUIRE(reply.rfind("OK ENROLLED serial=", 0) == 0);
  const std::string serial = reply.substr(19, reply.find(' ', 19) - 19);

  const auto listed = test::run_command(ttp_binary() + " list" + dir, scratch);
  REQUIRE(listed.exit_code == 0);
  CHECK_THAT(listed.output, Catch::Contains(serial) && Catch::Contains("customer") &&
                                Catch::Contains("good") && Catch::Contains("CN=alice"));

  const auto revoked = test::run_command(
      ttp_binary() + " revoke --serial " + serial + " --reason keyCompromise" + dir, scratch);
  INFO(revoked.errors);
  REQUIRE(revoked.exit_code == 0);
  // The daemon sees it at its next status answer.
  CHECK(
      service.handle(ttp::Request{"STATUS " + serial, ""}, "test").rfind("OK STATUS revoked", 0) ==
      0);
  const auto crl_text =
      test::run_command("openssl crl -noout -text -in " + (certs / "crl.pem").string(), scratch);
  CHECK_THAT(crl_text.output, Catch::Contains(serial) && Catch::Contains("Key Compromise"));
  const auto listed_again = test::run_command(ttp_binary() + " list" + dir, scratch);
  CHECK_THAT(listed_again.output, Catch::Contains("revoked keyCompromise"));

  const auto twice = test::run_command(
      ttp_binary() + " revoke --serial " + serial + " --reason superseded" + dir, scratch);
  CHECK(twice.exit_code == 1);
  CHECK_THAT(twice.errors, Catch::Contains("already revoked"));
  const auto unknown = test::run_command(
      ttp_binary() + " revoke --serial 0123456789ABCDEF --reason superseded" + dir, scratch);
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.errors, Catch::Contains("no certificate with serial"));
  const auto bad_reason = test::run_command(
      ttp_binary() + " revoke --serial " + serial + " --reason because" + dir, scratch);
  CHECK(bad_reason.exit_code == 2);
  CHECK_THAT(bad_reason.errors, Catch::Contains("not a revocation reason"));

  const auto published = test::run_command(ttp_binary() + " crl" + dir, scratch);
  REQUIRE(published.exit_code == 0);
  CHECK(published.output == (certs / "crl.pem").string() + "\n");
}

TEST_CASE("a bank token carries the host name into the subjectAltName", "[ttp][cli]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const auto authority = test::test_authority(certs);
  const auto token = test::run_command(ttp_binary() +
                                           " token create --role bank --cn bank --host "
                                           "bank.example --certs-dir " +
                                           certs.string(),
                                       scratch);
  REQUIRE(token.exit_code == 0);
  ttp::Registry registry(certs / "registry.db");
  ttp::CrlPublisher crl(authority, registry, certs / "crl.pem");
  ttp::TtpService service(authority, registry, crl);
  const std::string reply = service.handle(ttp::Request{"ENROLL bank " + first_line(token.output),
                                                        test::in_process_csr("bank").to_pem()},
                                           "test");
  REQUIRE(reply.rfind("OK ENROLLED", 0) == 0);
  const auto leaf = pki::Certificate::from_pem(reply.substr(reply.find("-----BEGIN")));
  CHECK(leaf.dns_names() == std::vector<std::string>{"bank.example"});
}

TEST_CASE("admin commands refuse bad arguments with a sentence", "[ttp][cli]") {
  test::TempFolder scratch;
  const std::string dir = " --certs-dir " + (scratch / "certs").string();
  const auto role =
      test::run_command(ttp_binary() + " token create --role admin --cn x" + dir, scratch);
  CHECK(role.exit_code == 2);
  CHECK_THAT(role.errors, Catch::Contains("--role must be bank or customer"));
  const auto no_cn = test::run_command(ttp_binary() + " token create --role bank" + dir, scratch);
  CHECK(no_cn.exit_code == 2);
  CHECK_THAT(no_cn.errors, Catch::Contains("--cn is required"));
  const auto unknown = test::run_command(ttp_binary() + " frobnicate" + dir, scratch);
  CHECK(unknown.exit_code == 2);
  const auto no_ca = test::run_command(ttp_binary() + " crl" + dir, scratch);
  CHECK(no_ca.exit_code == 1);
  CHECK_FALSE(no_ca.errors.empty());
}

TEST_CASE("ttp init refuses a root key open to others and tightens a wide folder",
          "[ttp][cli][files]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const std::string init =
      ttp_binary() + " init --root-key-type ecdsa --certs-dir " + certs.string();
  REQUIRE(test::run_command(init, scratch).exit_code == 0);
  const auto mode_of = [](const std::filesystem::path& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_mode & 0777;
  };
  CHECK(mode_of(certs) == 0700);
  CHECK(mode_of(certs / "registry.db") == 0600);
  CHECK(mode_of(certs / "ca.key") == 0600);
  CHECK(mode_of(certs / "service.key") == 0600);

  ::chmod((certs / "ca.key").c_str(), 0644);
  const auto refused = test::run_command(init, scratch);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.errors, Catch::Contains((certs / "ca.key").string()) &&
                                 Catch::Contains("run chmod 600 on it"));

  ::chmod((certs / "ca.key").c_str(), 0600);
  ::chmod(certs.c_str(), 0755);
  ::chmod((certs / "registry.db").c_str(), 0644);
  const auto tightened = test::run_command(init, scratch);
  INFO(tightened.errors);
  CHECK(tightened.exit_code == 0);
  CHECK_THAT(tightened.errors, Catch::Contains("tightened it to 0700"));
  CHECK(mode_of(certs) == 0700);
  CHECK(mode_of(certs / "registry.db") == 0600);
}

TEST_CASE("ttp token create fixes subject fields; the CSR must carry them", "[ttp][cli][token]") {
  test::TempFolder scratch;
  const auto certs = scratch / "certs";
  const std::string dir = " --certs-dir " + certs.string();
  const auto authority = test::test_authority(certs);
  const auto bad_country = test::run_command(
      ttp_binary() + " token create --role customer --cn uma --country XX" + dir, scratch);
  CHECK(bad_country.exit_code == 2);
  CHECK_THAT(bad_country.errors, Catch::Contains("--country") && Catch::Contains("XX"));

  const auto token = test::run_command(ttp_binary() +
                                           " token create --role customer --cn uma --country DE "
                                           "--organisation 'Example Bank' --unit Retail" +
                                           dir,
                                       scratch);
  INFO(token.errors);
  REQUIRE(token.exit_code == 0);
  ttp::Registry registry(certs / "registry.db");
  const auto fixed = registry.tokens().back().fixed;
  CHECK(fixed == ttp::FixedSubjectFields{"DE", "", "", "Example Bank", "Retail"});

  ttp::CrlPublisher crl(authority, registry, certs / "crl.pem");
  ttp::TtpService service(authority, registry, crl);
  const std::string refused =
      service.handle(ttp::Request{"ENROLL customer " + first_line(token.output),
                                  test::in_process_csr("uma").to_pem()},  // O=Example, no OU
                     "test");
  CHECK(refused ==
        "ERROR subject-mismatch the token fixes O=\"Example Bank\"; the request asks for "
        "O=\"Example\"\nEND\n");
}
