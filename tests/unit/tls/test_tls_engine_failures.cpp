// What the engines refuse, and with which alert: tampered records, suites / groups / schemes
// not offered, malformed messages, foreign certificates, oversized records, ChangeCipherSpec
// floods, downgrades and misbehaving HelloRetryRequests.
#include <catch2/catch.hpp>

#include "common/tls/handshake/client_hello.hpp"
#include "common/tls/handshake/server_hello.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

namespace {

struct EnginePair {
  std::unique_ptr<ClientEngine> client;
  std::unique_ptr<ServerEngine> server;
  Pump pump;
};

EnginePair connected_pair() {
  EnginePair pair{ClientEngine::create(client_config()),
                  ServerEngine::create(server_config(TestPki::get().server_ecdsa)),
                  {}};
  pair.pump.run(*pair.client, *pair.server);
  REQUIRE(pair.client->handshake_complete());
  REQUIRE(pair.server->handshake_complete());
  return pair;
}

// Runs client against server; returns the alert the given side sent.
AlertDescription alert_sent_by(const Observed& side) {
  auto alert = side.alert_sent();
  REQUIRE(alert.has_value());
  return alert->description;
}

// The ClientHello the client queued, decoded.
ClientHello first_client_hello(const Bytes& wire) {
  REQUIRE(wire.size() > 9);
  return decode_client_hello(ByteView(wire).subspan(9));
}

Bytes plaintext_record(std::uint8_t type, ByteView content) {
  Bytes record = {type, 0x03, 0x03, static_cast<std::uint8_t>(content.size() >> 8),
                  static_cast<std::uint8_t>(content.size())};
  record.insert(record.end(), content.begin(), content.end());
  return record;
}

// A ServerHello record answering hello, built from the parts given.
Bytes server_hello_record(const ClientHello& hello, std::uint16_t suite, Extensions extensions,
                          bool retry = false) {
  ServerHello server_hello;
  server_hello.random = retry ? to_bytes(hello_retry_request_random()) : Bytes(32, 0x5A);
  server_hello.legacy_session_id_echo = hello.legacy_session_id;
  server_hello.cipher_suite = suite;
  server_hello.extensions = std::move(extensions);
  return plaintext_record(22, encode_server_hello(server_hello));
}

Extension tls13_selected() {
  return {static_cast<std::uint16_t>(ExtensionType::supported_versions),
          encode_selected_version(kTls13)};
}

}  // namespace

TEST_CASE("flipping any byte of a protected record is bad_record_mac", "[tls][engine][negative]") {
  EnginePair probe = connected_pair();
  probe.client->send_application_data(as_bytes("attack at dawn"));
  const Bytes record = probe.client->take_output();
  REQUIRE(record.size() == 5 + 14 + 1 + 16);
  for (std::size_t i = 5; i < record.size(); ++i) {
    CAPTURE(i);
    EnginePair pair = connected_pair();
    pair.client->send_application_data(as_bytes("attack at dawn"));
    Bytes wire = pair.client->take_output();
    wire[i] ^= 0x01;
    pair.server->receive(wire);
    pair.pump.collect(*pair.client, *pair.server);
    CHECK(alert_sent_by(pair.pump.server) == AlertDescription::bad_record_mac);
    CHECK_FALSE(pair.pump.server.has<ApplicationData>());
    // The alert goes out protected, and the client reports it.
    pair.client->receive(pair.server->take_output());
    pair.pump.collect(*pair.client, *pair.server);
    REQUIRE(pair.pump.client.has<AlertReceived>());
    CHECK(pair.pump.client.all<AlertReceived>()[0].description == AlertDescription::bad_record_mac);
    CHECK(pair.client->failed());
  }
}

TEST_CASE("a tampered encrypted server flight is bad_record_mac", "[tls][engine][negative]") {
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
  server->receive(client->take_output());
  Bytes flight = server->take_output();
  // ServerHello record, CCS record, then the first protected record: flip its last byte.
  std::size_t at = 0;
  while (flight[at] != 23) at += 5 + ((std::size_t{flight[at + 3]} << 8) | flight[at + 4]);
  const std::size_t end = at + 5 + ((std::size_t{flight[at + 3]} << 8) | flight[at + 4]);
  flight[end - 1] ^= 0x80;
  client->receive(flight);
  Observed observed{client->take_events()};
  CHECK(alert_sent_by(observed) == AlertDescription::bad_record_mac);
  CHECK(client->state_name() == "ExpectEncryptedExtensions");
}

TEST_CASE("nothing in common is handshake_failure", "[tls][engine][negative]") {
  const auto& pki = TestPki::get();
  ClientConfig client_cfg = client_config();
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  SECTION("cipher suites") {
    client_cfg.cipher_suites = {CipherSuite::TLS_CHACHA20_POLY1305_SHA256};
    server_cfg.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
  }
  SECTION("private suites are not chosen unless the client offers them") {
    server_cfg.cipher_suites = {CipherSuite::PRIVATE_CHACHA20_POLY1305_SHA384};
  }
  SECTION("groups") {
    client_cfg.groups = {NamedGroup::x25519};
    server_cfg.groups = {NamedGroup::secp256r1};
  }
  SECTION("signature schemes") {
    client_cfg.signature_schemes = {crypto::SignatureScheme::rsa_pss_rsae_sha256};
  }
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_cfg);
  Pump pump;
  pump.run(*client, *server);
  CHECK(alert_sent_by(pump.server) == AlertDescription::handshake_failure);
  REQUIRE(pump.client.has<AlertReceived>());
  CHECK(pump.client.all<AlertReceived>()[0].description == AlertDescription::handshake_failure);
  CHECK(client->failed());
  CHECK_FALSE(client->handshake_complete());
}

TEST_CASE("the client refuses a ServerHello it did not ask for", "[tls][engine][negative]") {
  ClientConfig client_cfg = client_config();
  client_cfg.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
  auto client = ClientEngine::create(client_cfg);
  const ClientHello hello = first_client_hello(client->take_output());
  const Extension x25519_share = {
      static_cast<std::uint16_t>(ExtensionType::key_share),
      encode_server_key_share(
          {0x001d, crypto::KeyShare::generate(crypto::KeyExchangeGroup::X25519).public_key()})};
  Bytes record;
  AlertDescription expected{};
  std::string sentence;
  SECTION("a suite not offered") {
    record = server_hello_record(hello, 0x1303, {tls13_selected(), x25519_share});
    expected = AlertDescription::illegal_parameter;
    sentence = "server chose TLS_CHACHA20_POLY1305_SHA256 which we did not offer";
  }
  SECTION("TLS 1.2 (no supported_versions)") {
    record = server_hello_record(hello, 0x1301, {});
    expected = AlertDescription::protocol_version;
    sentence = "server chose TLS 1.2 (no supported_versions); only TLS 1.3 is supported";
  }
  SECTION("supported_versions selecting TLS 1.2") {
    record = server_hello_record(hello, 0x1301,
                                 {{static_cast<std::uint16_t>(ExtensionType::supported_versions),
                                   encode_selected_version(0x0303)},
                                  x25519_share});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("a session id that is not echoed") {
    ClientHello other = hello;
    other.legacy_session_id.assign(32, 0);
    record = server_hello_record(other, 0x1301, {tls13_selected(), x25519_share});
    expected = AlertDescription::illegal_parameter;
    sentence = "server did not echo our legacy_session_id";
  }
  SECTION("an extension the client never offered") {
    record = server_hello_record(hello, 0x1301, {tls13_selected(), x25519_share, {0x7777, {}}});
    expected = AlertDescription::unsupported_extension;
  }
  SECTION("a key share for a group without a client share") {
    const Extension p256_share = {
        static_cast<std::uint16_t>(ExtensionType::key_share),
        encode_server_key_share(
            {0x0017,
             crypto::KeyShare::generate(crypto::KeyExchangeGroup::Secp256r1).public_key()})};
    record = server_hello_record(hello, 0x1301, {tls13_selected(), p256_share});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("an invalid X25519 public value (all-zero shared secret)") {
    const Extension zero_share = {static_cast<std::uint16_t>(ExtensionType::key_share),
                                  encode_server_key_share({0x001d, Bytes(32, 0)})};
    record = server_hello_record(hello, 0x1301, {tls13_selected(), zero_share});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("a HelloRetryRequest for a group the client already shared") {
    record = server_hello_record(hello, 0x1301,
                                 {tls13_selected(),
                                  {static_cast<std::uint16_t>(ExtensionType::key_share),
                                   encode_hello_retry_key_share(0x001d)}},
                                 true);
    expected = AlertDescription::illegal_parameter;
    sentence = "HelloRetryRequest selects x25519, for which we already sent a share";
  }
  SECTION("a message other than ServerHello") {
    record = plaintext_record(22, Bytes{20, 0, 0, 32});
    record.resize(record.size() + 32);
    record[4] = 36;
    expected = AlertDescription::unexpected_message;
    sentence = "expected ServerHello, got Finished";
  }
  client->receive(record);
  Observed observed{client->take_events()};
  CHECK(alert_sent_by(observed) == expected);
  if (!sentence.empty()) CHECK(observed.alert_sent()->reason == sentence);
  CHECK(client->failed());
  // Further input is ignored.
  client->receive(record);
  CHECK(client->take_events().empty());
}

TEST_CASE("a second HelloRetryRequest is unexpected_message", "[tls][engine][negative]") {
  ServerConfig server_cfg = server_config(TestPki::get().server_ecdsa);
  server_cfg.groups = {NamedGroup::secp256r1};
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_cfg);
  server->receive(client->take_output());
  const Bytes retry = server->take_output();  // HelloRetryRequest + CCS
  REQUIRE(server->state_name() == "ExpectSecondClientHello");
  client->receive(retry);
  REQUIRE(client->state_name() == "ExpectServerHelloAfterRetry");
  REQUIRE(client->take_events().empty());
  client->receive(ByteView(retry).first(retry.size() - 6));  // the HRR again, without the CCS
  Observed observed{client->take_events()};
  CHECK(alert_sent_by(observed) == AlertDescription::unexpected_message);
  CHECK(observed.alert_sent()->reason == "server sent a second HelloRetryRequest");
}

TEST_CASE("truncated and over-long ClientHellos are decode_error", "[tls][engine][negative]") {
  auto client = ClientEngine::create(client_config());
  Bytes wire = client->take_output();
  const bool longer = GENERATE(false, true);
  const int delta = longer ? 1 : -1;
  if (longer) {
    wire.push_back(0);
  } else {
    wire.pop_back();
  }
  auto adjust = [&](std::size_t offset, std::size_t width) {
    std::size_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = (value << 8) | wire[offset + i];
    value = static_cast<std::size_t>(static_cast<long>(value) + delta);
    for (std::size_t i = 0; i < width; ++i) {
      wire[offset + width - 1 - i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
  };
  adjust(3, 2);  // record length
  adjust(6, 3);  // handshake length
  auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
  server->receive(wire);
  Observed observed{server->take_events()};
  CHECK(alert_sent_by(observed) == AlertDescription::decode_error);
  // The alert is a plaintext fatal alert record.
  CHECK(server->take_output() == Bytes{21, 3, 3, 0, 2, 2, 50});
}

TEST_CASE("unknown ClientHello extensions are ignored", "[tls][engine]") {
  // The ClientHello test hook: send exactly these bytes, with a deterministic key share.
  const Bytes scalar(32, 0x42);
  ClientConfig client_cfg = client_config();
  client_cfg.test_hooks.key_share = [&](crypto::KeyExchangeGroup group) {
    return crypto::KeyShare::from_private_key(group, scalar);
  };
  ClientHello hello;
  hello.random = Bytes(32, 7);
  hello.legacy_session_id = Bytes(32, 9);
  hello.cipher_suites = {0x1301};
  add_extension(hello.extensions, ExtensionType::server_name, encode_server_name("server.test"));
  hello.extensions.push_back({0x7777, Bytes{1, 2, 3}});
  add_extension(hello.extensions, ExtensionType::supported_groups,
                encode_code_point_list({0x001d}));
  add_extension(hello.extensions, ExtensionType::signature_algorithms,
                encode_code_point_list({0x0403}));
  add_extension(hello.extensions, ExtensionType::supported_versions,
                encode_supported_versions_list({0x7f1c, kTls13}));
  add_extension(hello.extensions, ExtensionType::key_share,
                encode_client_key_shares({{0x001d, crypto::KeyShare::from_private_key(
                                                       crypto::KeyExchangeGroup::X25519, scalar)
                                                       .public_key()}}));
  client_cfg.test_hooks.client_hello_message = encode_client_hello(hello);
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
  Pump pump;
  pump.run(*client, *server);
  REQUIRE(client->handshake_complete());
  REQUIRE(server->handshake_complete());
}

TEST_CASE("a certificate from another CA is refused with the verifier's alert",
          "[tls][engine][negative]") {
  const auto& pki = TestPki::get();
  SECTION("server certificate") {
    auto client = ClientEngine::create(client_config());
    auto server = ServerEngine::create(server_config(pki.stranger_leaf));
    Pump pump;
    pump.run(*client, *server);
    CHECK(alert_sent_by(pump.client) == AlertDescription::unknown_ca);
    CHECK(pump.client.alert_sent()->reason.find("server.test") != std::string::npos);
    REQUIRE(pump.server.has<AlertReceived>());
    CHECK(pump.server.all<AlertReceived>()[0].description == AlertDescription::unknown_ca);
  }
  SECTION("client certificate") {
    ClientConfig client_cfg = client_config();
    client_cfg.credentials = credentials_of(pki.stranger_leaf);
    ServerConfig server_cfg = server_config(pki.server_ecdsa);
    server_cfg.client_authentication = ClientAuthentication::optional;
    auto client = ClientEngine::create(client_cfg);
    auto server = ServerEngine::create(server_cfg);
    Pump pump;
    pump.run(*client, *server);
    CHECK(alert_sent_by(pump.server) == AlertDescription::unknown_ca);
    CHECK_FALSE(server->handshake_complete());
  }
  SECTION("a server name the certificate does not carry") {
    ClientConfig client_cfg = client_config();
    client_cfg.server_name = "other.test";
    auto client = ClientEngine::create(client_cfg);
    auto server = ServerEngine::create(server_config(pki.server_ecdsa));
    Pump pump;
    pump.run(*client, *server);
    CHECK(alert_sent_by(pump.client) == AlertDescription::bad_certificate);
  }
}

TEST_CASE("oversized records are record_overflow", "[tls][engine][negative]") {
  SECTION("plaintext record longer than 2^14") {
    auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
    server->receive(Bytes{22, 3, 1, 0x40, 0x01});
    Observed observed{server->take_events()};
    CHECK(alert_sent_by(observed) == AlertDescription::record_overflow);
  }
  SECTION("protected record longer than 2^14 + 256") {
    EnginePair pair = connected_pair();
    pair.server->receive(Bytes{23, 3, 3, 0x41, 0x01});
    pair.pump.collect(*pair.client, *pair.server);
    CHECK(alert_sent_by(pair.pump.server) == AlertDescription::record_overflow);
  }
  SECTION("a record of an unknown content type") {
    EnginePair pair = connected_pair();
    pair.server->receive(Bytes{24, 3, 3, 0, 1, 0});
    pair.pump.collect(*pair.client, *pair.server);
    CHECK(alert_sent_by(pair.pump.server) == AlertDescription::unexpected_message);
  }
}

TEST_CASE("ChangeCipherSpec is tolerated once, only during the handshake",
          "[tls][engine][negative]") {
  const Bytes ccs = {20, 3, 3, 0, 1, 1};
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
  Bytes hello = client->take_output();
  SECTION("a flood after the ClientHello") {
    hello.insert(hello.end(), ccs.begin(), ccs.end());
    server->receive(hello);
    CHECK(server->take_events().empty());
    server->receive(ccs);
    Observed observed{server->take_events()};
    CHECK(alert_sent_by(observed) == AlertDescription::unexpected_message);
  }
  SECTION("before the ClientHello") {
    server->receive(ccs);
    Observed observed{server->take_events()};
    CHECK(alert_sent_by(observed) == AlertDescription::unexpected_message);
  }
  SECTION("with a payload other than 0x01") {
    server->receive(hello);
    server->receive(Bytes{20, 3, 3, 0, 1, 2});
    Observed observed{server->take_events()};
    CHECK(alert_sent_by(observed) == AlertDescription::unexpected_message);
  }
  SECTION("after the handshake") {
    EnginePair pair = connected_pair();
    pair.client->receive(ccs);
    pair.pump.collect(*pair.client, *pair.server);
    CHECK(alert_sent_by(pair.pump.client) == AlertDescription::unexpected_message);
  }
}

TEST_CASE("a client offering only TLS 1.2 is protocol_version", "[tls][engine][negative]") {
  auto client = ClientEngine::create(client_config());
  ClientHello hello = first_client_hello(client->take_output());
  std::erase_if(hello.extensions, [](const Extension& e) {
    return e.type == static_cast<std::uint16_t>(ExtensionType::supported_versions);
  });
  auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
  server->receive(plaintext_record(22, encode_client_hello(hello)));
  Observed observed{server->take_events()};
  CHECK(alert_sent_by(observed) == AlertDescription::protocol_version);
}

TEST_CASE("a ClientHello compression other than null is illegal_parameter",
          "[tls][engine][negative]") {
  auto client = ClientEngine::create(client_config());
  ClientHello hello = first_client_hello(client->take_output());
  hello.legacy_compression_methods = {1, 0};
  auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
  server->receive(plaintext_record(22, encode_client_hello(hello)));
  Observed observed{server->take_events()};
  CHECK(alert_sent_by(observed) == AlertDescription::illegal_parameter);
}

TEST_CASE("received fatal alerts fail the engine; user_canceled is tolerated",
          "[tls][engine][negative]") {
  EnginePair pair = connected_pair();
  pair.client->receive(Bytes{21, 3, 3, 0, 2, 2, 40});  // unprotected after the handshake
  pair.pump.collect(*pair.client, *pair.server);
  CHECK(alert_sent_by(pair.pump.client) == AlertDescription::unexpected_message);

  EnginePair second = connected_pair();
  second.server->close();  // a protected close_notify reaches the client
  second.pump.run(*second.client, *second.server);
  CHECK(second.client->peer_closed());
  CHECK_FALSE(second.client->failed());
}

TEST_CASE("every single-byte corruption of a ClientHello is handled without an exception",
          "[tls][engine][negative]") {
  auto client = ClientEngine::create(client_config());
  const Bytes hello = client->take_output();
  std::size_t refused = 0;
  for (std::size_t i = 0; i < hello.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80, 0xFF}) {
      CAPTURE(i, mask);
      Bytes corrupted = hello;
      corrupted[i] ^= mask;
      auto server = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
      REQUIRE_NOTHROW(server->receive(corrupted));
      Observed observed{server->take_events()};
      if (server->failed()) {
        ++refused;
        REQUIRE(observed.alert_sent().has_value());
        CHECK_FALSE(observed.alert_sent()->reason.empty());
        CHECK(observed.alert_sent()->description != AlertDescription::internal_error);
      }
    }
  }
  // Many corruptions are refused; random, session id, key share, names and unknown code
  // points are not.
  CHECK(refused > hello.size() / 2);
}

TEST_CASE("random bytes in random chunks never escape the engines as exceptions",
          "[tls][engine][negative]") {
  std::uint32_t state = 0x12345678;  // xorshift: deterministic
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  };
  for (int round = 0; round < 200; ++round) {
    CAPTURE(round);
    std::unique_ptr<Engine> engine;
    if (round % 2 == 0) {
      engine = ClientEngine::create(client_config());
    } else {
      engine = ServerEngine::create(server_config(TestPki::get().server_ecdsa));
    }
    (void)engine->take_output();
    // Start like a real record half the time so the parsers behind the header are reached.
    Bytes noise(next() % 600);
    for (auto& byte : noise) byte = static_cast<std::uint8_t>(next());
    if (round % 4 < 2 && noise.size() > 9) {
      noise[0] = 22;
      noise[1] = 3;
      noise[2] = 3;
      noise[3] = static_cast<std::uint8_t>((noise.size() - 5) >> 8);
      noise[4] = static_cast<std::uint8_t>(noise.size() - 5);
      noise[5] = round % 8 < 4 ? 2 : 1;  // ServerHello / ClientHello
    }
    std::size_t at = 0;
    while (at < noise.size()) {
      const std::size_t chunk = 1 + next() % 64;
      REQUIRE_NOTHROW(
          engine->receive(ByteView(noise).subspan(at, std::min(chunk, noise.size() - at))));
      at += chunk;
    }
    for (const Event& event : engine->take_events()) {
      if (auto* sent = std::get_if<AlertSent>(&event)) {
        CHECK(sent->description != AlertDescription::internal_error);
      }
    }
    CHECK_FALSE(engine->handshake_complete());
  }
}

TEST_CASE("the second ClientHello must answer the HelloRetryRequest", "[tls][engine][negative]") {
  ServerConfig server_cfg = server_config(TestPki::get().server_ecdsa);
  server_cfg.groups = {NamedGroup::secp256r1};
  server_cfg.hello_retry_cookie = true;
  auto client = ClientEngine::create(client_config());
  auto server = ServerEngine::create(server_cfg);
  server->receive(client->take_output());
  client->receive(server->take_output());
  REQUIRE(server->state_name() == "ExpectSecondClientHello");
  const Bytes flight = client->take_output();
  REQUIRE(flight.size() > 6 + 9);
  REQUIRE(Bytes(flight.begin(), flight.begin() + 6) == Bytes{20, 3, 3, 0, 1, 1});
  ClientHello second = decode_client_hello(ByteView(flight).subspan(6 + 9));
  auto find = [&](ExtensionType type) {
    return std::find_if(
        second.extensions.begin(), second.extensions.end(),
        [type](const Extension& e) { return e.type == static_cast<std::uint16_t>(type); });
  };
  AlertDescription expected{};
  SECTION("without the cookie") {
    second.extensions.erase(find(ExtensionType::cookie));
    expected = AlertDescription::missing_extension;
  }
  SECTION("with another cookie") {
    find(ExtensionType::cookie)->data = encode_cookie(Bytes(16, 0xC0));
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("with a key share for the wrong group") {
    find(ExtensionType::key_share)->data = encode_client_key_shares(
        {{0x001d, crypto::KeyShare::generate(crypto::KeyExchangeGroup::X25519).public_key()}});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("with another random") {
    second.random[0] ^= 1;
    expected = AlertDescription::illegal_parameter;
  }
  server->receive(Bytes{20, 3, 3, 0, 1, 1});
  server->receive(plaintext_record(22, encode_client_hello(second)));
  Observed observed{server->take_events()};
  CHECK(alert_sent_by(observed) == expected);
}
