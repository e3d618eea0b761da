// Certificate parsing and PEM files.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;

TEST_CASE("certificates parse from DER and PEM, chains from PEM bundles", "[pki][certificate]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  const ServiceCredentials service = ca.ensure_service_credentials();
  const Certificate& leaf = service.certificate();

  CHECK(Certificate::from_der(leaf.to_der()) == leaf);
  CHECK(Certificate::from_pem(leaf.to_pem()) == leaf);
  const auto chain = Certificate::chain_from_pem(leaf.to_pem() + ca.root().to_pem());
  REQUIRE(chain.size() == 2);
  CHECK(chain[1] == ca.root());
  CHECK_FALSE(leaf == ca.root());

  sc::Bytes der = leaf.to_der();
  der.push_back(0x00);
  CHECK_THROWS_WITH(Certificate::from_der(der), Catch::Contains("unexpected bytes"));
  der.resize(der.size() - 10);
  CHECK_THROWS_AS(Certificate::from_der(der), PkiError);
  CHECK_THROWS_AS(Certificate::from_der(sc::Bytes{}), PkiError);
  CHECK_THROWS_AS(Certificate::from_pem("hello"), PkiError);
  CHECK_THROWS_AS(Certificate::chain_from_pem(""), PkiError);
  std::string damaged = leaf.to_pem() + ca.root().to_pem();
  damaged.replace(damaged.size() - 80, 4, "@@@@");
  CHECK_THROWS_WITH(Certificate::chain_from_pem(damaged), Catch::Contains("certificate 2"));

  // The fingerprint agrees with the openssl CLI, and the raw form with the text form.
  const CommandResult fp =
      run("openssl x509 -noout -fingerprint -sha256 -in " + quoted(folder / "ca.pem"));
  CHECK(fp.output.find(ca.root().sha256_fingerprint()) != std::string::npos);
  CHECK(ca.root().sha256_fingerprint_raw().size() == 32);
  CHECK(ca.root().sha256_fingerprint().size() == 32 * 3 - 1);

  // The serial agrees with the openssl CLI.
  const CommandResult serial =
      run("openssl x509 -noout -serial -in " + quoted(folder / "service.pem"));
  CHECK(serial.output == "serial=" + leaf.serial_hex() + "\n");
}

TEST_CASE("PEM files are written whole, with mode 0644, replacing the old file", "[pki][pem]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder / "ca", fast_ca_options());
  const auto path = folder / "chain.pem";
  write_chain_file(path, {ca.root(), ca.root()});
  CHECK(read_chain_file(path).size() == 2);
  write_certificate_file(path, ca.root());
  CHECK(read_chain_file(path).size() == 1);
  CHECK(read_certificate_file(path) == ca.root());
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0644);
  // No temporary files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder.path())) {
    ++entries;
  }
  CHECK(entries == 2);  // ca/ and chain.pem

  CHECK_THROWS_AS(read_certificate_file(folder / "missing.pem"), PkiError);
  CHECK_THROWS_AS(write_chain_file(folder / "empty.pem", {}), PkiError);
  CHECK_THROWS_AS(write_certificate_file(folder / "no-such-folder" / "x.pem", ca.root()), PkiError);
  write_file(folder / "junk.pem", "junk");
  CHECK_THROWS_WITH(read_certificate_file(folder / "junk.pem"), Catch::Contains("junk.pem"));
}
