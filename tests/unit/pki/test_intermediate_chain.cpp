// A chain through an intermediate CA built with the openssl CLI: the verifier must take the
// intermediate from the peer's chain (untrusted) and anchor it at our root.
#include <catch2/catch.hpp>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pem_file.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::tls::AlertDescription;
using sc::tls::PeerRole;

namespace {

void must_run(const std::string& command) {
  const CommandResult result = run(command);
  INFO(command << "\n" << result.output);
  REQUIRE(result.exit_code == 0);
}

}  // namespace

TEST_CASE("a leaf under an intermediate CA verifies through the peer's chain",
          "[pki][verifier][intermediate]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder / "ca", fast_ca_options("Chain Root"));
  const auto ca_pem = quoted(folder / "ca" / "ca.pem");
  const auto ca_key = quoted(folder / "ca" / "ca.key");
  write_file(folder / "ext.cnf",
             "[intermediate]\n"
             "basicConstraints=critical,CA:TRUE,pathlen:0\n"
             "keyUsage=critical,keyCertSign,cRLSign\n"
             "subjectKeyIdentifier=hash\n"
             "authorityKeyIdentifier=keyid:always\n"
             "[leaf]\n"
             "basicConstraints=critical,CA:FALSE\n"
             "keyUsage=critical,digitalSignature\n"
             "extendedKeyUsage=serverAuth\n"
             "subjectAltName=DNS:bank.example\n"
             "subjectKeyIdentifier=hash\n"
             "authorityKeyIdentifier=keyid:always\n");
  const auto ext = quoted(folder / "ext.cnf");

  must_run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
           quoted(folder / "int.key") + " -out " + quoted(folder / "int.csr") +
           " -subj '/C=DE/O=Chain Test/CN=Issuing CA'");
  must_run("openssl x509 -req -in " + quoted(folder / "int.csr") + " -CA " + ca_pem + " -CAkey " +
           ca_key + " -set_serial 0x1001 -days 30 -sha256 -extfile " + ext +
           " -extensions intermediate -out " + quoted(folder / "int.pem"));
  must_run("openssl req -new -newkey rsa:2048 -nodes -keyout " + quoted(folder / "leaf.key") +
           " -out " + quoted(folder / "leaf.csr") + " -subj '/C=DE/O=Chain Test/CN=bank.example'");
  must_run("openssl x509 -req -in " + quoted(folder / "leaf.csr") + " -CA " +
           quoted(folder / "int.pem") + " -CAkey " + quoted(folder / "int.key") +
           " -set_serial 0x2002 -days 10 -sha256 -extfile " + ext + " -extensions leaf -out " +
           quoted(folder / "leaf.pem"));

  const Certificate intermediate = read_certificate_file(folder / "int.pem");
  const Certificate leaf = read_certificate_file(folder / "leaf.pem");
  CHECK(intermediate.is_ca());
  CHECK_FALSE(intermediate.is_self_signed());

  const ChainVerifier verifier({ca.root()});
  auto check =
      verifier.verify({leaf.to_der(), intermediate.to_der()}, PeerRole::Server, "bank.example");
  INFO(check.reason);
  CHECK(check.accepted);
  CHECK(verifier
            .verify({leaf.to_der(), intermediate.to_der(), ca.root().to_der()}, PeerRole::Server,
                    "bank.example")
            .accepted);

  // Without the intermediate the leaf cannot be anchored.
  check = verifier.verify({leaf.to_der()}, PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::unknown_ca);
  CHECK(check.reason.find("Issuing CA") != std::string::npos);

  // The revocation callback is given the intermediate as the leaf's issuer.
  ChainVerifier with_status({ca.root()}, [&](const Certificate& l, const Certificate& issuer) {
    CHECK(l == leaf);
    CHECK(issuer == intermediate);
    return RevocationStatus::good();
  });
  CHECK(with_status.verify({leaf.to_der(), intermediate.to_der()}, PeerRole::Server, "").accepted);

  // An intermediate is not acceptable as a leaf.
  CHECK_FALSE(verifier.verify({intermediate.to_der()}, PeerRole::Server, "").accepted);
}
