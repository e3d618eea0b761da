// The verification floor: the chain verifier refuses weak keys and weak signatures on any
// certificate of the chain, trust anchor included, even when a CA (not ours) issued them.
// The certificates are built directly with OpenSSL and signed with the CA's key, because
// CertificateAuthority refuses to issue them.
#include <catch2/catch.hpp>

#include <openssl/err.h>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/key_description.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::tls::AlertDescription;
using sc::tls::PeerRole;

namespace {

struct FloorScene {
  TempFolder folder;
  CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder / "ca", fast_ca_options("Floor Root"));

  Certificate forge(const std::string& name, const EVP_PKEY* key,
                    const EVP_MD* digest = nullptr) const {
    ForgedCertificate request;
    request.common_name = name;
    request.key = key;
    request.digest = digest;
    request.policies = {role_policy_oid(Role::Bank)};
    request.dns_names = {"bank.example"};
    return forge_certificate(request, ca);
  }
  sc::tls::CertificateCheck verify(const Certificate& leaf) const {
    ChainVerifier verifier({ca.root()});
    verifier.expect_role(Role::Bank);
    return verifier.verify({leaf.to_der(), ca.root().to_der()}, PeerRole::Server, "bank.example");
  }
};

}  // namespace

TEST_CASE("a forged certificate that meets the floor is accepted", "[pki][floor]") {
  // The control: the forging itself is not what the verifier refuses.
  FloorScene scene;
  for (const char* curve : {"P-256", "P-384"}) {
    const auto key = generate_ec_key(curve);
    const auto check = scene.verify(scene.forge("good", key.get()));
    INFO(curve << ": " << check.reason);
    CHECK(check.accepted);
  }
  const auto rsa = generate_rsa_key(2048);
  const auto check = scene.verify(scene.forge("good-rsa", rsa.get(), EVP_sha384()));
  INFO(check.reason);
  CHECK(check.accepted);
}

TEST_CASE("an RSA key below 2048 bits is refused at verification", "[pki][floor]") {
  FloorScene scene;
  const auto key = generate_rsa_key(1024);
  const Certificate weak = scene.forge("weak", key.get());
  CHECK(weak.key_description().text() == "RSA 1024");
  const auto check = scene.verify(weak);
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason ==
        "certificate for CN=weak has an RSA key of 1024 bits; at least 2048 are "
        "required");
  CHECK(check.subject == weak.subject_line());
}

TEST_CASE("EC keys off P-256 and P-384, and EdDSA keys, are refused at verification",
          "[pki][floor]") {
  FloorScene scene;
  const auto p521 = generate_ec_key("P-521");
  auto check = scene.verify(scene.forge("p521", p521.get(), EVP_sha512()));
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason ==
        "certificate for CN=p521 has an ECDSA key on P-521; only P-256 and P-384 are accepted");

  const auto brainpool = generate_ec_key("brainpoolP256r1");
  check = scene.verify(scene.forge("brainpool", brainpool.get()));
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason.find("has an ECDSA key on brainpoolP256r1") != std::string::npos);

  const auto edwards = generate_ed25519_key();
  check = scene.verify(scene.forge("edwards", edwards.get()));
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason ==
        "certificate for CN=edwards has an ED25519 key; only RSA and ECDSA "
        "(P-256, P-384) keys are accepted");
}

TEST_CASE("a certificate signed with SHA-1 is refused at verification", "[pki][floor]") {
  FloorScene scene;
  const auto key = generate_ec_key("P-256");
  const Certificate old = scene.forge("old", key.get(), EVP_sha1());
  REQUIRE(X509_get_signature_nid(old.native()) == NID_ecdsa_with_SHA1);
  const auto check = scene.verify(old);
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason == "certificate for CN=old is signed with SHA-1, which is refused");
}

TEST_CASE("a certificate signed with MD5 is refused at verification", "[pki][floor]") {
  // MD5 needs an RSA issuer (there is no ECDSA-with-MD5).
  TempFolder folder;
  CaOptions options;
  options.key_type = sc::crypto::KeyType::Rsa;
  options.rsa_bits = 2048;
  options.subject.common_name = "RSA Floor Root";
  const CertificateAuthority ca = CertificateAuthority::open_or_create(folder.path(), options);
  const auto key = generate_ec_key("P-256");
  ForgedCertificate request;
  request.common_name = "ancient";
  request.key = key.get();
  request.digest = EVP_md5();
  request.dns_names = {"bank.example"};
  std::optional<Certificate> ancient;
  try {
    ancient = forge_certificate(request, ca);
  } catch (const std::exception& error) {
    WARN("this OpenSSL no longer signs with MD5 (" << error.what() << "); nothing to refuse");
    ERR_clear_error();
    return;
  }
  REQUIRE(X509_get_signature_nid(ancient->native()) == NID_md5WithRSAEncryption);
  const ChainVerifier verifier({ca.root()});
  const auto check =
      verifier.verify({ancient->to_der(), ca.root().to_der()}, PeerRole::Server, "bank.example");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason == "certificate for CN=ancient is signed with MD5, which is refused");
}

TEST_CASE("the trust anchor itself is held to the floor", "[pki][floor]") {
  // A root whose own (never verified) self-signature uses SHA-1, trusted by the verifier: the
  // chain is refused, naming the root.
  const auto root_key = generate_ec_key("P-256");
  ForgedCertificate root_request;
  root_request.common_name = "Old Root";
  root_request.key = root_key.get();
  root_request.digest = EVP_sha1();
  root_request.certificate_authority = true;
  const Certificate sha1_root = forge_certificate(root_request, nullptr, nullptr);
  REQUIRE(sha1_root.is_self_signed());

  const auto leaf_key = generate_ec_key("P-256");
  ForgedCertificate leaf_request;
  leaf_request.common_name = "bank.example";
  leaf_request.key = leaf_key.get();
  leaf_request.dns_names = {"bank.example"};
  const Certificate leaf = forge_certificate(leaf_request, &sha1_root, root_key.get());

  const ChainVerifier verifier({sha1_root});
  auto check = verifier.verify({leaf.to_der()}, PeerRole::Server, "bank.example");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason == "certificate for CN=Old Root is signed with SHA-1, which is refused");

  // A root with an RSA-1024 key: its signature on the leaf is SHA-256, its key is too weak.
  const auto weak_root_key = generate_rsa_key(1024);
  root_request.common_name = "Weak Root";
  root_request.key = weak_root_key.get();
  root_request.digest = EVP_sha256();
  const Certificate weak_root = forge_certificate(root_request, nullptr, nullptr);
  const Certificate weak_leaf = forge_certificate(leaf_request, &weak_root, weak_root_key.get());
  check = ChainVerifier({weak_root}).verify({weak_leaf.to_der()}, PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason ==
        "certificate for CN=Weak Root has an RSA key of 1024 bits; at least 2048 are required");
}

TEST_CASE("CSR acceptance and verification share the floor", "[pki][floor]") {
  KeyDescription key;
  key.supported_algorithm = true;
  key.type = sc::crypto::KeyType::Rsa;
  key.bits = kMinimumRsaBits - 1;
  CHECK(key_floor_problem(key).has_value());
  CHECK(key_refusal(key).has_value());
  key.bits = kMinimumRsaBits;
  CHECK_FALSE(key_floor_problem(key).has_value());
  CHECK_FALSE(key_refusal(key).has_value());
  // The maximum is for CSRs only: a verifier has no reason to refuse a bigger key.
  key.bits = kMaximumRsaBits + 1;
  CHECK_FALSE(key_floor_problem(key).has_value());
  CHECK(key_refusal(key).has_value());

  key.type = sc::crypto::KeyType::Ecdsa;
  for (const char* curve : {"P-256", "P-384"}) {
    key.curve_name = curve;
    CHECK_FALSE(key_floor_problem(key).has_value());
    CHECK_FALSE(key_refusal(key).has_value());
  }
  for (const char* curve : {"P-224", "P-521", "secp256k1"}) {
    key.curve_name = curve;
    CHECK(key_floor_problem(key).has_value());
    CHECK(key_refusal(key).has_value());
  }
}
