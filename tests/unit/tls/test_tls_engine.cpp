// Client engine against server engine, in memory: every suite and group, with and without
// HelloRetryRequest, mutual authentication, KeyUpdate, fragmentation, large writes, close.
#include <catch2/catch.hpp>

#include "common/crypto/random.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

namespace {

std::vector<CipherSuite> every_suite() {
  std::vector<CipherSuite> suites;
  for (const CipherSuiteInfo& info : all_cipher_suites()) suites.push_back(info.suite);
  return suites;
}

void exchange_application_data(Engine& client, Engine& server, Pump& pump, std::size_t size) {
  const Bytes to_server = crypto::random_bytes(size);
  const Bytes to_client = crypto::random_bytes(size + 3);
  const std::size_t client_before = pump.client.application_data().size();
  const std::size_t server_before = pump.server.application_data().size();
  client.send_application_data(to_server);
  server.send_application_data(to_client);
  pump.run(client, server);
  Bytes got_server = pump.server.application_data();
  Bytes got_client = pump.client.application_data();
  REQUIRE(Bytes(got_server.begin() + static_cast<std::ptrdiff_t>(server_before),
                got_server.end()) == to_server);
  REQUIRE(Bytes(got_client.begin() + static_cast<std::ptrdiff_t>(client_before),
                got_client.end()) == to_client);
}

}  // namespace

TEST_CASE("every cipher suite and group completes a handshake, with and without HRR",
          "[tls][engine]") {
  const auto& pki = TestPki::get();
  const CipherSuite suite = GENERATE(from_range(every_suite()));
  const NamedGroup group =
      GENERATE(NamedGroup::x25519, NamedGroup::secp256r1, NamedGroup::secp384r1);
  const bool retry = GENERATE(false, true);
  CAPTURE(cipher_suite_info(suite).name, named_group_name(group), retry);

  ClientConfig client_cfg = client_config();
  client_cfg.cipher_suites = {suite};
  const NamedGroup other = group == NamedGroup::x25519 ? NamedGroup::secp256r1 : NamedGroup::x25519;
  client_cfg.key_share_groups = {retry ? other : group};
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  server_cfg.cipher_suites = every_suite();
  server_cfg.groups = {group};
  std::vector<std::string> client_log, server_log;
  client_cfg.key_log = [&](const std::string& line) { client_log.push_back(line); };
  server_cfg.key_log = [&](const std::string& line) { server_log.push_back(line); };

  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_cfg);
  Pump pump;
  pump.run(*client, *server);
  REQUIRE_FALSE(pump.client.alert_sent());
  REQUIRE_FALSE(pump.server.alert_sent());
  REQUIRE(client->handshake_complete());
  REQUIRE(server->handshake_complete());
  REQUIRE(client->state_name() == "Connected");
  for (const Observed* side : {&pump.client, &pump.server}) {
    auto done = side->all<HandshakeComplete>();
    REQUIRE(done.size() == 1);
    CHECK(done[0].summary.suite == suite);
    CHECK(done[0].summary.group == group);
    CHECK(done[0].summary.hello_retry_request == retry);
  }
  auto client_summary = pump.client.all<HandshakeComplete>()[0].summary;
  CHECK(client_summary.peer_certificate_chain.size() == 1);
  CHECK(client_summary.peer_signature_scheme == crypto::SignatureScheme::ecdsa_secp256r1_sha256);
  CHECK(client_summary.server_name == "server.test");
  CHECK(pump.server.all<HandshakeComplete>()[0].summary.server_name == "server.test");
  // Both sides log the same five secrets.
  REQUIRE(client_log.size() == 5);
  CHECK(client_log == server_log);
  CHECK(client_log[0].rfind("CLIENT_HANDSHAKE_TRAFFIC_SECRET ", 0) == 0);
  CHECK(client_log[4].rfind("EXPORTER_SECRET ", 0) == 0);
  exchange_application_data(*client, *server, pump, 100);
}

TEST_CASE("RSA-PSS and P-384 server keys sign CertificateVerify", "[tls][engine]") {
  const auto& pki = TestPki::get();
  const bool rsa = GENERATE(false, true);
  ServerConfig server_cfg = server_config(rsa ? pki.server_rsa : pki.server_p384);
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_cfg);
  Pump pump;
  pump.run(*client, *server);
  REQUIRE(client->handshake_complete());
  REQUIRE(server->handshake_complete());
  CHECK(pump.client.all<HandshakeComplete>()[0].summary.peer_signature_scheme ==
        (rsa ? crypto::SignatureScheme::rsa_pss_rsae_sha256
             : crypto::SignatureScheme::ecdsa_secp384r1_sha384));
}

TEST_CASE("mutual authentication with a client certificate", "[tls][engine]") {
  const auto& pki = TestPki::get();
  const bool rsa_client = GENERATE(false, true);
  ClientConfig client_cfg = client_config();
  client_cfg.credentials = credentials_of(rsa_client ? pki.client_rsa : pki.client_ecdsa);
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  server_cfg.client_authentication = ClientAuthentication::required;
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_cfg);
  Pump pump;
  pump.run(*client, *server);
  REQUIRE_FALSE(pump.server.alert_sent());
  REQUIRE(server->handshake_complete());
  REQUIRE(client->handshake_complete());
  const auto server_summary = pump.server.all<HandshakeComplete>()[0].summary;
  CHECK(server_summary.peer_certificate_chain.size() == 1);
  CHECK(server_summary.peer_subject.find(rsa_client ? "client-7" : "client-8") !=
        std::string::npos);
  CHECK(server_summary.peer_signature_scheme ==
        (rsa_client ? crypto::SignatureScheme::rsa_pss_rsae_sha256
                    : crypto::SignatureScheme::ecdsa_secp256r1_sha256));
  CHECK(pump.client.all<HandshakeComplete>()[0].summary.own_signature_scheme.has_value());
  exchange_application_data(*client, *server, pump, 50);
}

TEST_CASE("a client without a certificate", "[tls][engine]") {
  const auto& pki = TestPki::get();
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  server_cfg.client_authentication = ClientAuthentication::optional;

  SECTION("is accepted when the certificate is optional") {
    auto client = ClientEngine::create(client_config());
    auto server = ServerEngine::create(server_cfg);
    Pump pump;
    pump.run(*client, *server);
    REQUIRE(server->handshake_complete());
    CHECK(pump.server.all<HandshakeComplete>()[0].summary.peer_certificate_chain.empty());
    exchange_application_data(*client, *server, pump, 10);
  }
  SECTION("is refused with certificate_required when it is required") {
    server_cfg.client_authentication = ClientAuthentication::required;
    auto client = ClientEngine::create(client_config());
    auto server = ServerEngine::create(server_cfg);
    Pump pump;
    pump.run(*client, *server);
    REQUIRE_FALSE(server->handshake_complete());
    REQUIRE(server->failed());
    REQUIRE(pump.server.alert_sent()->description == AlertDescription::certificate_required);
    auto received = pump.client.all<AlertReceived>();
    REQUIRE(received.size() == 1);
    CHECK(received[0].description == AlertDescription::certificate_required);
    CHECK(client->failed());
  }
}

TEST_CASE("KeyUpdate in both directions, with update_requested answered", "[tls][engine]") {
  const auto& pki = TestPki::get();
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_config(pki.server_ecdsa));
  Pump pump;
  pump.run(*client, *server);
  REQUIRE(client->handshake_complete());

  client->send_key_update(KeyUpdateRequest::requested);
  pump.run(*client, *server);
  // The client changed its sending keys, the server its receiving and (asked) sending keys.
  CHECK(pump.client.all<KeyUpdated>().size() == 2);
  CHECK(pump.server.all<KeyUpdated>().size() == 2);
  exchange_application_data(*client, *server, pump, 300);

  server->send_key_update(KeyUpdateRequest::not_requested);
  pump.run(*client, *server);
  CHECK(pump.client.all<KeyUpdated>().size() == 3);
  CHECK(pump.server.all<KeyUpdated>().size() == 3);
  exchange_application_data(*client, *server, pump, 300);
  REQUIRE_FALSE(client->failed());
  REQUIRE_FALSE(server->failed());
}

TEST_CASE("every flight delivered one byte at a time", "[tls][engine]") {
  const auto& pki = TestPki::get();
  const bool retry = GENERATE(false, true);
  ClientConfig client_cfg = client_config();
  client_cfg.credentials = credentials_of(pki.client_ecdsa);
  ServerConfig server_cfg = server_config(pki.server_rsa);
  server_cfg.client_authentication = ClientAuthentication::required;
  if (retry) server_cfg.groups = {NamedGroup::secp256r1};
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_cfg);
  Pump pump;
  pump.chunk = 1;
  pump.run(*client, *server);
  REQUIRE(client->handshake_complete());
  REQUIRE(server->handshake_complete());
  exchange_application_data(*client, *server, pump, 1000);
  client->send_key_update(KeyUpdateRequest::requested);
  pump.run(*client, *server);
  exchange_application_data(*client, *server, pump, 17);
}

TEST_CASE("writes larger than a record are split and rejoined", "[tls][engine]") {
  const auto& pki = TestPki::get();
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_config(pki.server_ecdsa));
  Pump pump;
  pump.run(*client, *server);
  const std::size_t size = GENERATE(std::size_t{1} << 14, (std::size_t{1} << 14) + 1, 100000);
  exchange_application_data(*client, *server, pump, size);
  // Several records, none above 2^14 + 256 + 5 bytes on the wire.
  client->send_application_data(Bytes(size, 0x41));
  const Bytes wire = client->take_output();
  std::size_t records = 0;
  for (std::size_t at = 0; at < wire.size(); ++records) {
    const std::size_t length = (std::size_t{wire[at + 3]} << 8) | wire[at + 4];
    CHECK(length <= (std::size_t{1} << 14) + 256);
    at += 5 + length;
  }
  CHECK(records == (size + (1 << 14) - 1) / (1 << 14));
}

TEST_CASE("close_notify ends the connection in one direction", "[tls][engine]") {
  const auto& pki = TestPki::get();
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_config(pki.server_ecdsa));
  Pump pump;
  pump.run(*client, *server);
  client->close();
  REQUIRE(client->local_closed());
  REQUIRE_THROWS_AS(client->send_application_data(Bytes{1}), std::logic_error);
  pump.run(*client, *server);
  CHECK(server->peer_closed());
  CHECK(pump.server.has<PeerClosed>());
  CHECK_FALSE(server->failed());
  // Half-close: the server may still answer.
  server->send_application_data(Bytes{1, 2, 3});
  pump.run(*client, *server);
  CHECK(pump.client.application_data() == Bytes{1, 2, 3});
}

TEST_CASE("application data before the handshake is a logic error", "[tls][engine]") {
  auto client = ClientEngine::create(client_config());
  REQUIRE_THROWS_AS(client->send_application_data(Bytes{1}), std::logic_error);
  REQUIRE_THROWS_AS(client->send_key_update(KeyUpdateRequest::not_requested), std::logic_error);
  CHECK(client->state_name() == "ExpectServerHello");
}

TEST_CASE("a client Finished coalesced with application data in one delivery", "[tls][engine]") {
  const auto& pki = TestPki::get();
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_config(pki.server_ecdsa));
  server->receive(client->take_output());
  client->receive(server->take_output());
  REQUIRE(client->handshake_complete());
  client->send_application_data(as_bytes("first words"));
  server->receive(client->take_output());  // CCS, Certificate-less flight, Finished, data
  Observed observed{server->take_events()};
  REQUIRE(observed.has<HandshakeComplete>());
  CHECK(observed.application_data() == to_bytes(as_bytes("first words")));
  CHECK(std::holds_alternative<HandshakeComplete>(observed.events.front()));
}

TEST_CASE("too many KeyUpdates without application data are refused", "[tls][engine]") {
  const auto& pki = TestPki::get();
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_config(pki.server_ecdsa));
  Pump pump;
  pump.run(*client, *server);
  const std::size_t cap = Limits{}.max_key_updates_per_record_window;
  for (std::size_t i = 0; i < cap; ++i) client->send_key_update(KeyUpdateRequest::not_requested);
  pump.run(*client, *server);
  REQUIRE_FALSE(server->failed());
  CHECK(pump.server.all<KeyUpdated>().size() == cap);
  client->send_key_update(KeyUpdateRequest::not_requested);
  pump.run(*client, *server);
  REQUIRE(server->failed());
  CHECK(pump.server.alert_sent()->description == AlertDescription::unexpected_message);
}

TEST_CASE("key log lines use the NSS format with the client random", "[tls][engine]") {
  const auto& pki = TestPki::get();
  std::vector<std::string> lines;
  ClientConfig client_cfg = client_config();
  client_cfg.key_log = [&](const std::string& line) { lines.push_back(line); };
  client_cfg.cipher_suites = {CipherSuite::TLS_AES_256_GCM_SHA384};
  auto client = ClientEngine::create(client_cfg);
  const Bytes hello = client->take_output();
  const std::string client_random = to_hex(ByteView(hello).subspan(11, 32));
  auto server = ServerEngine::create(server_config(pki.server_ecdsa));
  server->receive(hello);
  client->receive(server->take_output());
  REQUIRE(client->handshake_complete());
  const std::vector<std::string> labels = {
      "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
      "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"};
  REQUIRE(lines.size() == labels.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // SHA-384 suite: 48-byte secrets, 96 hex digits.
    CHECK(lines[i] ==
          labels[i] + " " + client_random + " " + lines[i].substr(lines[i].size() - 96));
    CHECK(lines[i].size() == labels[i].size() + 1 + 64 + 1 + 96);
  }
}
