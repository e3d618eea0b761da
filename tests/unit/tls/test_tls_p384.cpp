// secp384r1 key exchange (RFC 8446 sections 4.2.7, 4.2.8.2): offered by default after x25519 and
// secp256r1, accepted by the server, with or without HelloRetryRequest, and the CNSA profile
// (TLS_AES_256_GCM_SHA384 + P-384 + ECDSA P-384 certificates).
#include <catch2/catch.hpp>

#include "common/tls/handshake/client_hello.hpp"
#include "common/tls/handshake/extensions.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

namespace {

constexpr std::uint16_t kX25519 = 0x001d;
constexpr std::uint16_t kSecp256r1 = 0x0017;
constexpr std::uint16_t kSecp384r1 = 0x0018;

// The ClientHello our client queued (record header stripped).
ClientHello first_client_hello(ClientEngine& client) {
  const Bytes wire = client.take_output();
  REQUIRE(wire.size() > 9);
  return decode_client_hello(ByteView(wire).subspan(9));
}

HandshakeSummary handshake(ClientConfig client_cfg, ServerConfig server_cfg) {
  auto client = ClientEngine::create(std::move(client_cfg));
  auto server = ServerEngine::create(std::move(server_cfg));
  Pump pump;
  pump.run(*client, *server);
  REQUIRE_FALSE(pump.client.alert_sent());
  REQUIRE_FALSE(pump.server.alert_sent());
  REQUIRE(client->handshake_complete());
  REQUIRE(server->handshake_complete());
  const HandshakeSummary client_view = pump.client.all<HandshakeComplete>().at(0).summary;
  const HandshakeSummary server_view = pump.server.all<HandshakeComplete>().at(0).summary;
  CHECK(client_view.group == server_view.group);
  CHECK(client_view.suite == server_view.suite);
  CHECK(client_view.hello_retry_request == server_view.hello_retry_request);
  // Data both ways under the agreed keys.
  client->send_application_data(as_bytes(std::string_view("over P-384?")));
  server->send_application_data(as_bytes(std::string_view("yes")));
  pump.run(*client, *server);
  CHECK(pump.server.application_data() == to_bytes(as_bytes(std::string_view("over P-384?"))));
  CHECK(pump.client.application_data() == to_bytes(as_bytes(std::string_view("yes"))));
  return client_view;
}

}  // namespace

TEST_CASE("the default ClientHello offers secp384r1 after x25519 and secp256r1", "[tls][p384]") {
  auto client = ClientEngine::create(client_config());
  const ClientHello hello = first_client_hello(*client);
  const Extension* groups = find_extension(hello.extensions, ExtensionType::supported_groups);
  REQUIRE(groups != nullptr);
  CHECK(decode_code_point_list(groups->data, "supported_groups") ==
        std::vector<std::uint16_t>{kX25519, kSecp256r1, kSecp384r1});
  const Extension* shares = find_extension(hello.extensions, ExtensionType::key_share);
  REQUIRE(shares != nullptr);
  const auto entries = decode_client_key_shares(shares->data);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].group == kX25519);  // one share; the others cost a HelloRetryRequest
}

TEST_CASE("a P-384 key share is accepted by the default server", "[tls][p384]") {
  ClientConfig client_cfg = client_config();
  client_cfg.key_share_groups = {NamedGroup::secp384r1};
  auto client = ClientEngine::create(client_cfg);
  const ClientHello hello = first_client_hello(*client);
  const auto entries =
      decode_client_key_shares(find_extension(hello.extensions, ExtensionType::key_share)->data);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].group == kSecp384r1);
  REQUIRE(entries[0].key_exchange.size() == 97);  // uncompressed: 0x04 || X || Y
  CHECK(entries[0].key_exchange[0] == 0x04);

  const HandshakeSummary summary =
      handshake(client_cfg, server_config(TestPki::get().server_ecdsa));
  CHECK(summary.group == NamedGroup::secp384r1);
  CHECK_FALSE(summary.hello_retry_request);
}

TEST_CASE("a server that only takes P-384 asks for it with HelloRetryRequest", "[tls][p384]") {
  ServerConfig server_cfg = server_config(TestPki::get().server_ecdsa);
  server_cfg.groups = {NamedGroup::secp384r1};
  const HandshakeSummary summary = handshake(client_config(), server_cfg);
  CHECK(summary.group == NamedGroup::secp384r1);
  CHECK(summary.hello_retry_request);
}

TEST_CASE("a client that does not offer P-384 is not pushed to it", "[tls][p384]") {
  ClientConfig client_cfg = client_config();
  client_cfg.groups = {NamedGroup::x25519, NamedGroup::secp256r1};
  ServerConfig server_cfg = server_config(TestPki::get().server_ecdsa);
  server_cfg.groups = {NamedGroup::secp384r1, NamedGroup::secp256r1};
  const HandshakeSummary summary = handshake(client_cfg, server_cfg);
  CHECK(summary.group == NamedGroup::secp256r1);
  CHECK(summary.hello_retry_request);
}

TEST_CASE("the CNSA profile: AES-256-GCM-SHA384, P-384 and ECDSA P-384 both ways", "[tls][p384]") {
  const auto& pki = TestPki::get();
  // A P-384 client certificate under the same test root.
  const TestIdentity client_p384 =
      make_identity(std::make_shared<crypto::PrivateKey>(
                        crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P384)),
                    "client-384", &pki.root, false, 40);
  const std::vector<crypto::SignatureScheme> cnsa_schemes = {
      crypto::SignatureScheme::ecdsa_secp384r1_sha384};
  ClientConfig client_cfg = client_config();
  client_cfg.cipher_suites = {CipherSuite::TLS_AES_256_GCM_SHA384};
  client_cfg.groups = {NamedGroup::secp384r1};
  client_cfg.key_share_groups = {NamedGroup::secp384r1};
  client_cfg.signature_schemes = cnsa_schemes;
  client_cfg.credentials = credentials_of(client_p384);
  ServerConfig server_cfg = server_config(pki.server_p384);
  server_cfg.cipher_suites = {CipherSuite::TLS_AES_256_GCM_SHA384};
  server_cfg.groups = {NamedGroup::secp384r1};
  server_cfg.signature_schemes = cnsa_schemes;
  server_cfg.client_authentication = ClientAuthentication::required;
  const HandshakeSummary summary = handshake(client_cfg, server_cfg);
  CHECK(summary.suite == CipherSuite::TLS_AES_256_GCM_SHA384);
  CHECK(summary.group == NamedGroup::secp384r1);
  CHECK_FALSE(summary.hello_retry_request);
  CHECK(summary.peer_signature_scheme == crypto::SignatureScheme::ecdsa_secp384r1_sha384);
  REQUIRE(summary.own_signature_scheme.has_value());
  CHECK(*summary.own_signature_scheme == crypto::SignatureScheme::ecdsa_secp384r1_sha384);
}
