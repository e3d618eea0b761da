// Each party picks its own asymmetric algorithm (issue 9). In memory, with certificates issued
// by the product's own CertificateAuthority (an RSA root signing with SHA-256 and an ECDSA
// P-384 root signing with SHA-384) and checked by pki::ChainVerifier:
// - every server key type x client key type x cipher suite completes a mutually authenticated
//   handshake, each side signing with the scheme its key and the peer's signature_algorithms
//   allow, with chains that mix an RSA root and ECDSA leaves and the other way round;
// - the peer's signature_algorithms decides the scheme;
// - a client offering only RSA schemes to an ECDSA-only server fails with handshake_failure
//   and a sentence naming both sides' schemes.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/crypto/signature.hpp"
#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/tls/engine.hpp"
#include "tests/unit/temporary_folder.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

namespace {

using sc::Bytes;
using sc::crypto::EcCurve;
using sc::crypto::HashAlgorithm;
using sc::crypto::KeyType;
using sc::crypto::PrivateKey;
using sc::crypto::SignatureScheme;
using sc::pki::CaOptions;
using sc::pki::CertificateAuthority;
using sc::pki::CertificateSigningRequest;
using sc::pki::IssuanceProfile;
using sc::pki::Role;
using sc::pki::SubjectDetails;
namespace tls = sc::tls;
using tls::testing::Pump;

constexpr const char* kServerName = "bank.test";

// A folder for the two CAs' files, removed when the test binary ends.
struct ScratchFolder : sc::test::TemporaryFolder {
  ScratchFolder() : sc::test::TemporaryFolder("sc-tls-key-types") {}
};

enum class KeyKind { Rsa2048, EcdsaP256, EcdsaP384 };
enum class RootKind { Rsa, Ecdsa };

const char* key_kind_name(KeyKind kind) {
  switch (kind) {
    case KeyKind::Rsa2048:
      return "RSA-2048";
    case KeyKind::EcdsaP256:
      return "ECDSA P-256";
    case KeyKind::EcdsaP384:
      return "ECDSA P-384";
  }
  return "?";
}

// The scheme a key of that kind signs with when both sides offer the default list
// (ECDSA first, then RSA-PSS with SHA-256 before SHA-384).
SignatureScheme natural_scheme(KeyKind kind) {
  switch (kind) {
    case KeyKind::Rsa2048:
      return SignatureScheme::rsa_pss_rsae_sha256;
    case KeyKind::EcdsaP256:
      return SignatureScheme::ecdsa_secp256r1_sha256;
    case KeyKind::EcdsaP384:
      return SignatureScheme::ecdsa_secp384r1_sha384;
  }
  return SignatureScheme::rsa_pss_rsae_sha256;
}

// Two roots, three keys, and for every root x key x role a certificate issued from a CSR.
// Built once per test binary (RSA key generation is slow).
class MixedPki {
 public:
  static const MixedPki& get() {
    static const MixedPki pki;
    return pki;
  }

  const CertificateAuthority& authority(RootKind root) const {
    return root == RootKind::Rsa ? *rsa_root_ : *ecdsa_root_;
  }
  // Leaf then root, DER.
  tls::Credentials credentials(RootKind root, KeyKind key, Role role) const {
    return issued_.at({root, key, role});
  }
  std::shared_ptr<const tls::CertificateVerifier> verifier() const { return verifier_; }

 private:
  MixedPki() {
    CaOptions rsa_options;
    rsa_options.key_type = KeyType::Rsa;
    rsa_options.rsa_bits = 2048;
    rsa_options.hash = HashAlgorithm::Sha256;
    rsa_options.subject.common_name = "Test RSA Root";
    rsa_root_.emplace(CertificateAuthority::open_or_create(folder_.path() / "rsa", rsa_options));

    CaOptions ecdsa_options;
    ecdsa_options.key_type = KeyType::Ecdsa;
    ecdsa_options.curve = EcCurve::P384;
    ecdsa_options.hash = HashAlgorithm::Sha384;
    ecdsa_options.subject.common_name = "Test ECDSA Root";
    ecdsa_root_.emplace(
        CertificateAuthority::open_or_create(folder_.path() / "ecdsa", ecdsa_options));

    keys_[KeyKind::Rsa2048] = std::make_shared<PrivateKey>(PrivateKey::generate_rsa(2048));
    keys_[KeyKind::EcdsaP256] =
        std::make_shared<PrivateKey>(PrivateKey::generate_ecdsa(EcCurve::P256));
    keys_[KeyKind::EcdsaP384] =
        std::make_shared<PrivateKey>(PrivateKey::generate_ecdsa(EcCurve::P384));

    for (RootKind root : {RootKind::Rsa, RootKind::Ecdsa}) {
      for (const auto& [kind, key] : keys_) {
        for (Role role : {Role::Bank, Role::Customer}) {
          issued_[{root, kind, role}] = issue(authority(root), key, role);
        }
      }
    }
    verifier_ = std::make_shared<sc::pki::ChainVerifier>(
        std::vector<sc::pki::Certificate>{rsa_root_->root(), ecdsa_root_->root()});
  }

  static tls::Credentials issue(const CertificateAuthority& authority,
                                const std::shared_ptr<PrivateKey>& key, Role role) {
    SubjectDetails subject;
    subject.country = "DE";
    subject.common_name = role == Role::Bank ? kServerName : "alice";
    const auto csr = CertificateSigningRequest::create(subject, *key);
    const std::vector<std::string> names =
        role == Role::Bank ? std::vector<std::string>{kServerName} : std::vector<std::string>{};
    const auto leaf = authority.issue(csr, IssuanceProfile{role, 30, names},
                                      CertificateAuthority::random_serial());
    return tls::Credentials{{leaf.to_der(), authority.root().to_der()}, key};
  }

  ScratchFolder folder_;
  std::optional<CertificateAuthority> rsa_root_;
  std::optional<CertificateAuthority> ecdsa_root_;
  std::map<KeyKind, std::shared_ptr<PrivateKey>> keys_;
  std::map<std::tuple<RootKind, KeyKind, Role>, tls::Credentials> issued_;
  std::shared_ptr<const tls::CertificateVerifier> verifier_;
};

// The three standard suites and the three private ones.
std::vector<tls::CipherSuite> every_suite() {
  std::vector<tls::CipherSuite> suites;
  for (const auto& info : tls::all_cipher_suites()) suites.push_back(info.suite);
  return suites;
}

tls::ServerConfig server_config(tls::Credentials credentials) {
  tls::ServerConfig config;
  config.cipher_suites = every_suite();
  config.credentials = std::move(credentials);
  config.client_authentication = tls::ClientAuthentication::required;
  config.verifier = MixedPki::get().verifier();
  return config;
}

tls::ClientConfig client_config(std::optional<tls::Credentials> credentials) {
  tls::ClientConfig config;
  config.server_name = kServerName;
  config.credentials = std::move(credentials);
  config.verifier = MixedPki::get().verifier();
  return config;
}

struct Connection {
  std::unique_ptr<tls::ClientEngine> client;
  std::unique_ptr<tls::ServerEngine> server;
  Pump pump;
};

std::unique_ptr<Connection> connect(tls::ClientConfig client, tls::ServerConfig server) {
  auto connection = std::make_unique<Connection>();
  connection->client = tls::ClientEngine::create(std::move(client));
  connection->server = tls::ServerEngine::create(std::move(server));
  connection->pump.run(*connection->client, *connection->server);
  return connection;
}

std::optional<tls::HandshakeSummary> summary_of(const tls::testing::Observed& observed) {
  const auto done = observed.all<tls::HandshakeComplete>();
  if (done.size() != 1) return std::nullopt;
  return done.front().summary;
}

std::string describe_failure(const tls::testing::Observed& observed) {
  const auto alert = observed.alert_sent();
  return alert ? std::string(tls::alert_name(alert->description)) + ": " + alert->reason
               : "no alert sent";
}

}  // namespace

TEST_CASE("every server key x client key x suite completes with mutual authentication",
          "[tls][key-types]") {
  const MixedPki& pki = MixedPki::get();
  const KeyKind server_key = GENERATE(KeyKind::Rsa2048, KeyKind::EcdsaP256, KeyKind::EcdsaP384);
  const KeyKind client_key = GENERATE(KeyKind::Rsa2048, KeyKind::EcdsaP256, KeyKind::EcdsaP384);
  // The server's chain from one root, the client's from the other: every combination mixes
  // RSA and ECDSA between root and leaf on at least one side.
  const RootKind server_root = GENERATE(RootKind::Rsa, RootKind::Ecdsa);
  const RootKind client_root = server_root == RootKind::Rsa ? RootKind::Ecdsa : RootKind::Rsa;
  const tls::CipherSuite suite = GENERATE(from_range(every_suite()));
  const tls::CipherSuiteInfo& suite_info = tls::cipher_suite_info(suite);
  INFO("server " << key_kind_name(server_key) << " under the "
                 << (server_root == RootKind::Rsa ? "RSA" : "ECDSA") << " root, client "
                 << key_kind_name(client_key) << ", suite " << suite_info.name);

  tls::ClientConfig client =
      client_config(pki.credentials(client_root, client_key, Role::Customer));
  client.cipher_suites = {suite_info.suite};
  auto connection = connect(std::move(client),
                            server_config(pki.credentials(server_root, server_key, Role::Bank)));
  INFO("client: " << describe_failure(connection->pump.client));
  INFO("server: " << describe_failure(connection->pump.server));

  const auto at_client = summary_of(connection->pump.client);
  const auto at_server = summary_of(connection->pump.server);
  REQUIRE(at_client);
  REQUIRE(at_server);
  CHECK(at_client->suite == suite_info.suite);
  CHECK(at_server->suite == suite_info.suite);
  // The server signed with its key's scheme, and the client saw that scheme.
  REQUIRE(at_server->own_signature_scheme);
  CHECK(*at_server->own_signature_scheme == natural_scheme(server_key));
  CHECK(at_client->peer_signature_scheme == natural_scheme(server_key));
  // The client signed with its key's scheme, and the server saw that scheme.
  REQUIRE(at_client->own_signature_scheme);
  CHECK(*at_client->own_signature_scheme == natural_scheme(client_key));
  CHECK(at_server->peer_signature_scheme == natural_scheme(client_key));
  // Both chains were handed over whole (leaf and root) and verified.
  CHECK(at_client->peer_certificate_chain.size() == 2);
  CHECK(at_server->peer_certificate_chain.size() == 2);
  CHECK(at_server->peer_subject.find("alice") != std::string::npos);

  // The keys work: application data both ways.
  connection->client->send_application_data(sc::as_bytes(std::string_view("ping")));
  connection->server->send_application_data(sc::as_bytes(std::string_view("pong")));
  connection->pump.run(*connection->client, *connection->server);
  CHECK(connection->pump.server.application_data() == Bytes{'p', 'i', 'n', 'g'});
  CHECK(connection->pump.client.application_data() == Bytes{'p', 'o', 'n', 'g'});
}

TEST_CASE("the peer's signature_algorithms decides which scheme a key signs with",
          "[tls][key-types]") {
  const MixedPki& pki = MixedPki::get();
  // Both RSA: the client accepts only RSA-PSS with SHA-384, the server only that too in its
  // CertificateRequest; both must sign with rsa_pss_rsae_sha384 instead of the SHA-256 default.
  tls::ClientConfig client =
      client_config(pki.credentials(RootKind::Ecdsa, KeyKind::Rsa2048, Role::Customer));
  client.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha384};
  tls::ServerConfig server =
      server_config(pki.credentials(RootKind::Rsa, KeyKind::Rsa2048, Role::Bank));
  server.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha384};
  auto connection = connect(std::move(client), std::move(server));
  INFO("server: " << describe_failure(connection->pump.server));

  const auto at_client = summary_of(connection->pump.client);
  const auto at_server = summary_of(connection->pump.server);
  REQUIRE(at_client);
  REQUIRE(at_server);
  CHECK(at_client->peer_signature_scheme == SignatureScheme::rsa_pss_rsae_sha384);
  CHECK(at_server->peer_signature_scheme == SignatureScheme::rsa_pss_rsae_sha384);
}

TEST_CASE("a client offering only RSA schemes to an ECDSA-only server fails cleanly",
          "[tls][key-types]") {
  const MixedPki& pki = MixedPki::get();
  const KeyKind server_key = GENERATE(KeyKind::EcdsaP256, KeyKind::EcdsaP384);
  INFO("server key " << key_kind_name(server_key));
  tls::ClientConfig client =
      client_config(pki.credentials(RootKind::Rsa, KeyKind::Rsa2048, Role::Customer));
  client.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha256,
                              SignatureScheme::rsa_pss_rsae_sha384};
  auto connection = connect(std::move(client),
                            server_config(pki.credentials(RootKind::Rsa, server_key, Role::Bank)));

  CHECK_FALSE(connection->client->handshake_complete());
  CHECK_FALSE(connection->server->handshake_complete());
  CHECK(connection->client->failed());
  CHECK(connection->server->failed());
  CHECK_FALSE(connection->pump.client.has<tls::HandshakeComplete>());
  CHECK_FALSE(connection->pump.server.has<tls::HandshakeComplete>());

  // RFC 8446 section 4.4.3 / 6.2: handshake_failure, with a sentence naming both sides.
  const auto alert = connection->pump.server.alert_sent();
  REQUIRE(alert);
  CHECK(alert->description == tls::AlertDescription::handshake_failure);
  INFO(alert->reason);
  CHECK_THAT(alert->reason, Catch::Contains("no signature scheme in common"));
  CHECK_THAT(alert->reason,
             Catch::Contains("the client accepts rsa_pss_rsae_sha256, rsa_pss_rsae_sha384"));
  CHECK_THAT(alert->reason,
             Catch::Contains(server_key == KeyKind::EcdsaP256 ? "our ECDSA P-256 key can sign with "
                                                                "ecdsa_secp256r1_sha256"
                                                              : "our ECDSA P-384 key can sign with "
                                                                "ecdsa_secp384r1_sha384"));
  const auto received = connection->pump.client.all<tls::AlertReceived>();
  REQUIRE(received.size() == 1);
  CHECK(received.front().description == tls::AlertDescription::handshake_failure);
}

TEST_CASE("a client whose key matches none of the requested schemes sends no certificate",
          "[tls][key-types]") {
  // RFC 8446 section 4.4.2: with no suitable certificate the client sends an empty Certificate;
  // a server that requires one then aborts with certificate_required (section 4.4.2.4).
  const MixedPki& pki = MixedPki::get();
  tls::ServerConfig server =
      server_config(pki.credentials(RootKind::Rsa, KeyKind::Rsa2048, Role::Bank));
  server.signature_schemes = {SignatureScheme::rsa_pss_rsae_sha256,
                              SignatureScheme::rsa_pss_rsae_sha384};
  auto connection =
      connect(client_config(pki.credentials(RootKind::Ecdsa, KeyKind::EcdsaP256, Role::Customer)),
              std::move(server));

  CHECK_FALSE(connection->server->handshake_complete());
  const auto alert = connection->pump.server.alert_sent();
  REQUIRE(alert);
  CHECK(alert->description == tls::AlertDescription::certificate_required);
  const auto at_client = summary_of(connection->pump.client);
  // The client finished its side of the handshake without signing anything.
  if (at_client) CHECK_FALSE(at_client->own_signature_scheme.has_value());
}
