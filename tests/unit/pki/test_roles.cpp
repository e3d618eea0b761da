// Roles in certificates: the CA writes the role's policy OID (checked with the openssl CLI
// too), a CSR cannot choose it, Certificate::role() reads it, the verifiers refuse each role
// confusion when told which role to expect, and the TTP's own service certificate carries
// its role even when an older service.pem did not.
#include <catch2/catch.hpp>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/role.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::crypto::PrivateKey;
using sc::tls::AlertDescription;
using sc::tls::PeerRole;

namespace {

constexpr const char* kBankOid = "2.25.71681638631175243505375220373124435732.1.1";
constexpr const char* kCustomerOid = "2.25.71681638631175243505375220373124435732.1.2";
constexpr const char* kTtpServiceOid = "2.25.71681638631175243505375220373124435732.1.3";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct RoleScene {
  TempFolder folder;
  CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder / "ca", fast_ca_options("Role Root"));
  PrivateKey key = PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
  Certificate bank = issue("bank.example", {Role::Bank, 30, {"bank.example"}});
  Certificate customer = issue("alice", {Role::Customer, 30, {}});
  Certificate service = issue("ttp", {Role::TtpService, 30, {"localhost"}});

  Certificate issue(const std::string& name, const IssuanceProfile& profile) const {
    return ca.issue(make_csr(name, key), profile, ca.random_serial());
  }
  std::vector<sc::Bytes> chain(const Certificate& leaf) const {
    return {leaf.to_der(), ca.root().to_der()};
  }
  ChainVerifier expecting(Role role) const {
    ChainVerifier verifier({ca.root()});
    verifier.expect_role(role);
    return verifier;
  }
  std::string cli_text(const Certificate& certificate, const std::string& file) const {
    write_certificate_file(folder / file, certificate);
    const CommandResult result = run("openssl x509 -noout -text -in " + quoted(folder / file));
    INFO(result.output);
    REQUIRE(result.exit_code == 0);
    return result.output;
  }
};

}  // namespace

TEST_CASE("the role OIDs sit under the project's UUID arc", "[pki][roles]") {
  CHECK(std::string(kProjectOidArc) == "2.25.71681638631175243505375220373124435732");
  CHECK(std::string(role_policy_oid(Role::Bank)) == kBankOid);
  CHECK(std::string(role_policy_oid(Role::Customer)) == kCustomerOid);
  CHECK(std::string(role_policy_oid(Role::TtpService)) == kTtpServiceOid);
  for (const Role role : {Role::Bank, Role::Customer, Role::TtpService}) {
    CHECK(role_from_policy_oid(role_policy_oid(role)) == role);
    CHECK(role_from_name(role_name(role)) == role);
  }
  CHECK_FALSE(role_from_policy_oid("2.25.71681638631175243505375220373124435732.1.4"));
  CHECK_FALSE(role_from_policy_oid("2.5.29.32.0"));
  CHECK_FALSE(role_from_policy_oid(""));
}

TEST_CASE("every issued certificate carries its role's policy OID", "[pki][roles]") {
  RoleScene scene;
  const std::vector<std::pair<Certificate, Role>> issued = {{scene.bank, Role::Bank},
                                                            {scene.customer, Role::Customer},
                                                            {scene.service, Role::TtpService}};
  for (const auto& [certificate, role] : issued) {
    INFO(role_name(role));
    CHECK(certificate.role() == role);
    CHECK(certificate.role_policies() == std::vector<Role>{role});

    // The openssl CLI, as an independent reader, sees one non-critical certificatePolicies
    // extension with exactly that OID and none of the others.
    const std::string text = scene.cli_text(certificate, std::string(role_name(role)) + ".pem");
    CHECK(contains(text, "X509v3 Certificate Policies: \n"));
    CHECK_FALSE(contains(text, "X509v3 Certificate Policies: critical"));
    CHECK(contains(text, std::string("Policy: ") + role_policy_oid(role) + "\n"));
    for (const Role other : {Role::Bank, Role::Customer, Role::TtpService}) {
      if (other != role) CHECK_FALSE(contains(text, role_policy_oid(other)));
    }
  }
  // The root carries no role: it is no peer.
  CHECK_FALSE(scene.ca.root().role().has_value());
  CHECK(scene.ca.root().role_policies().empty());
}

TEST_CASE("a CSR cannot choose its role", "[pki][roles]") {
  RoleScene scene;
  // A request built with the CLI that asks for the bank policy (and the TTP's, for good
  // measure) and to be a CA.
  const CommandResult made =
      run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
          quoted(scene.folder / "greedy.key") + " -out " + quoted(scene.folder / "greedy.csr") +
          " -subj '/C=DE/CN=mallory' -addext 'certificatePolicies=" + kBankOid + "," +
          kTtpServiceOid + "' -addext 'basicConstraints=critical,CA:TRUE'");
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  const auto csr = CertificateSigningRequest::from_pem(read_file(scene.folder / "greedy.csr"));
  const CommandResult asked =
      run("openssl req -noout -text -in " + quoted(scene.folder / "greedy.csr"));
  REQUIRE(contains(asked.output, kBankOid));  // the request really asks

  const Certificate granted =
      scene.ca.issue(csr, {Role::Customer, 30, {}}, CertificateAuthority::random_serial());
  CHECK(granted.role() == Role::Customer);
  CHECK(granted.role_policies() == std::vector<Role>{Role::Customer});
  CHECK_FALSE(granted.is_ca());
  const std::string text = scene.cli_text(granted, "granted.pem");
  CHECK(contains(text, kCustomerOid));
  CHECK_FALSE(contains(text, kBankOid));
  CHECK_FALSE(contains(text, kTtpServiceOid));

  ChainVerifier bank_expected = scene.expecting(Role::Bank);
  const auto check = bank_expected.verify(scene.chain(granted), PeerRole::Client, "");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
}

TEST_CASE("role() is empty for none, several or unreadable role policies", "[pki][roles]") {
  RoleScene scene;
  const auto leaf_key = generate_ec_key("P-256");
  ForgedCertificate request;
  request.key = leaf_key.get();

  request.common_name = "old-bank";
  const Certificate none = forge_certificate(request, scene.ca);
  CHECK_FALSE(none.role().has_value());
  CHECK(none.role_policies().empty());

  request.common_name = "two-faced";
  request.policies = {kBankOid, kCustomerOid};
  const Certificate several = forge_certificate(request, scene.ca);
  CHECK_FALSE(several.role().has_value());
  CHECK(several.role_policies() == std::vector<Role>{Role::Bank, Role::Customer});

  // Foreign policies (anyPolicy here) are ignored beside exactly one of ours.
  request.common_name = "bank-with-extras";
  request.policies = {"2.5.29.32.0", kBankOid};
  const Certificate extras = forge_certificate(request, scene.ca);
  CHECK(extras.role() == Role::Bank);
  request.policies = {"2.5.29.32.0"};
  CHECK_FALSE(forge_certificate(request, scene.ca).role().has_value());

  // An extension whose value is not a certificatePolicies sequence (an ASN.1 NULL).
  request.common_name = "garbled";
  request.policies.clear();
  const Certificate plain = forge_certificate(request, scene.ca);
  sc::crypto::X509Ptr garbled(X509_dup(plain.native()));
  REQUIRE(garbled != nullptr);
  std::unique_ptr<ASN1_OCTET_STRING, sc::crypto::OpensslDeleter<ASN1_OCTET_STRING_free>> value(
      ASN1_OCTET_STRING_new());
  const unsigned char null_der[] = {0x05, 0x00};
  REQUIRE(ASN1_OCTET_STRING_set(value.get(), null_der, sizeof null_der) == 1);
  sc::crypto::X509ExtensionPtr extension(
      X509_EXTENSION_create_by_NID(nullptr, NID_certificate_policies, 0, value.get()));
  REQUIRE(extension != nullptr);
  REQUIRE(X509_add_ext(garbled.get(), extension.get(), -1) == 1);
  const PrivateKey ca_key = root_key_of(scene.ca);
  REQUIRE(X509_sign(garbled.get(), ca_key.native(), EVP_sha256()) > 0);
  const Certificate unreadable(std::move(garbled));
  CHECK_FALSE(unreadable.role().has_value());
  CHECK_THROWS_AS(unreadable.role_policies(), PkiError);
  const auto check =
      scene.expecting(Role::Bank).verify(scene.chain(unreadable), PeerRole::Server, "");
  CHECK_FALSE(check.accepted);
}

TEST_CASE("each role confusion is refused when the role is expected", "[pki][roles][verifier]") {
  RoleScene scene;

  // The TTP's service certificate where a bank server is expected (a TTP key must not be able
  // to pose as a bank).
  auto check =
      scene.expecting(Role::Bank).verify(scene.chain(scene.service), PeerRole::Server, "localhost");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason ==
        "certificate for CN=ttp has the role ttp-service; this peer must be a bank");
  CHECK(check.leaf_key == nullptr);

  // A bank certificate where the TTP is expected (a bank must not pose as the TTP to its
  // customers or to another bank).
  check = scene.expecting(Role::TtpService)
              .verify(scene.chain(scene.bank), PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason ==
        "certificate for CN=bank.example has the role bank; this peer must be the TTP service");

  // A bank certificate where a customer is expected: the bank's EKU includes clientAuth, so
  // only the role tells them apart.
  const ChainVerifier plain({scene.ca.root()});
  REQUIRE(plain.verify(scene.chain(scene.bank), PeerRole::Client, "").accepted);
  check = scene.expecting(Role::Customer).verify(scene.chain(scene.bank), PeerRole::Client, "");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason ==
        "certificate for CN=bank.example has the role bank; this peer must be a customer");

  // A customer certificate where a bank client is expected (the TTP's renewal of banks).
  check = scene.expecting(Role::Bank).verify(scene.chain(scene.customer), PeerRole::Client, "");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason == "certificate for CN=alice has the role customer; this peer must be a bank");

  // Each certificate passes where its own role is expected.
  CHECK(scene.expecting(Role::Bank)
            .verify(scene.chain(scene.bank), PeerRole::Server, "bank.example")
            .accepted);
  CHECK(scene.expecting(Role::Bank).verify(scene.chain(scene.bank), PeerRole::Client, "").accepted);
  CHECK(scene.expecting(Role::Customer)
            .verify(scene.chain(scene.customer), PeerRole::Client, "")
            .accepted);
  CHECK(scene.expecting(Role::TtpService)
            .verify(scene.chain(scene.service), PeerRole::Server, "localhost")
            .accepted);
}

TEST_CASE("a certificate without a role, or with several, is refused when a role is expected",
          "[pki][roles][verifier]") {
  RoleScene scene;
  const auto leaf_key = generate_ec_key("P-256");
  ForgedCertificate request;
  request.key = leaf_key.get();
  request.common_name = "old-bank";
  request.dns_names = {"bank.example"};
  const Certificate roleless = forge_certificate(request, scene.ca);

  // Without expect_role nothing changes: a certificate from before roles still verifies.
  const ChainVerifier plain({scene.ca.root()});
  auto check = plain.verify(scene.chain(roleless), PeerRole::Server, "bank.example");
  INFO(check.reason);
  CHECK(check.accepted);

  check =
      scene.expecting(Role::Bank).verify(scene.chain(roleless), PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason ==
        "certificate for CN=old-bank carries no role (issued before roles existed?): this peer "
        "must be a bank");

  request.common_name = "two-faced";
  request.policies = {kBankOid, kCustomerOid};
  const Certificate several = forge_certificate(request, scene.ca);
  check =
      scene.expecting(Role::Bank).verify(scene.chain(several), PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason ==
        "certificate for CN=two-faced carries several roles (bank, customer): this peer must be "
        "a bank");
}

TEST_CASE("the pinned-root verifier checks the expected role too", "[pki][roles][pinned]") {
  RoleScene scene;
  const ServiceCredentials service = scene.ca.ensure_service_credentials();
  CHECK(service.certificate().role() == Role::TtpService);
  const std::vector<sc::Bytes> chain = {service.chain[0].to_der(), service.chain[1].to_der()};

  PinnedRootVerifier pinned(scene.ca.root().sha256_fingerprint());
  pinned.expect_role(Role::TtpService);
  auto check = pinned.verify(chain, PeerRole::Server, "localhost");
  INFO(check.reason);
  CHECK(check.accepted);

  // A bank certificate under the same root does not pass for the TTP.
  check = pinned.verify(scene.chain(scene.bank), PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(contains(check.reason, "this peer must be the TTP service"));
}

TEST_CASE("a service certificate from before roles is reissued with the same key",
          "[pki][roles][service]") {
  TempFolder folder;
  const CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder.path(), fast_ca_options("Service Root"));
  // A service identity as an older TTP wrote it: valid, matching, issued by the root, but
  // without a role policy.
  const PrivateKey service_key = PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
  ForgedCertificate request;
  request.common_name = "ttp";
  request.key = service_key.native();
  request.extended_key_usage = "serverAuth";
  request.dns_names = {"localhost"};
  const Certificate old_certificate = forge_certificate(request, ca);
  REQUIRE_FALSE(old_certificate.role().has_value());
  service_key.save_pem_file(folder / CertificateAuthority::service_key_file);
  write_chain_file(folder / CertificateAuthority::service_certificate_file,
                   {old_certificate, ca.root()});

  const ServiceCredentials renewed = ca.ensure_service_credentials();
  CHECK(renewed.certificate().role() == Role::TtpService);
  CHECK(renewed.certificate().serial() != old_certificate.serial());
  CHECK(renewed.certificate().public_key().to_der() == service_key.public_key().to_der());
  CHECK(renewed.key.public_key().to_der() == service_key.public_key().to_der());
  const std::vector<Certificate> on_disk =
      read_chain_file(folder / CertificateAuthority::service_certificate_file);
  REQUIRE(on_disk.size() == 2);
  CHECK(on_disk.front() == renewed.certificate());

  // The next start keeps it: it has its role now.
  const ServiceCredentials again = ca.ensure_service_credentials();
  CHECK(again.certificate() == renewed.certificate());
}
