// RFC 8446 to the letter, alerts included: what conformance suites (tlsfuzzer's
// test-tls13-*.py, BoGo) and hostile peers probe. The server is fed crafted ClientHellos and
// records; the client is fed crafted ServerHellos and an encrypted server flight built here
// from the key schedule. Each case names the RFC section it checks.
#include <catch2/catch.hpp>

#include "common/crypto/aead.hpp"
#include "common/tls/handshake/certificate.hpp"
#include "common/tls/handshake/certificate_request.hpp"
#include "common/tls/handshake/certificate_verify.hpp"
#include "common/tls/handshake/client_hello.hpp"
#include "common/tls/handshake/encrypted_extensions.hpp"
#include "common/tls/handshake/finished.hpp"
#include "common/tls/handshake/handshake_message.hpp"
#include "common/tls/handshake/key_update.hpp"
#include "common/tls/handshake/server_hello.hpp"
#include "common/tls/key_schedule.hpp"
#include "common/tls/record/record_protection.hpp"
#include "common/tls/transcript.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

namespace {

constexpr std::uint16_t kX25519 = 0x001d;
constexpr std::uint16_t kSecp256r1 = 0x0017;
constexpr std::uint16_t kSecp384r1 = 0x0018;
constexpr std::uint16_t kX448 = 0x001e;

// Every key share of the crafted ClientHellos comes from this scalar, so that our client (with
// its ClientHello test hook) can finish handshakes it did not compose.
crypto::KeyShare fixed_share(crypto::KeyExchangeGroup group) {
  const std::size_t length = group == crypto::KeyExchangeGroup::Secp384r1 ? 48 : 32;
  return crypto::KeyShare::from_private_key(group, Bytes(length, 0x42));
}
Bytes x25519_public() {
  return fixed_share(crypto::KeyExchangeGroup::X25519).public_key();
}
Bytes p256_public() {
  return fixed_share(crypto::KeyExchangeGroup::Secp256r1).public_key();
}

Extension extension(ExtensionType type, Bytes data) {
  return {static_cast<std::uint16_t>(type), std::move(data)};
}

// A TLS 1.3 ClientHello the default ECDSA P-256 server accepts in one round trip.
ClientHello offer() {
  ClientHello hello;
  hello.random = Bytes(32, 0x11);
  hello.legacy_session_id = Bytes(32, 0x22);
  hello.cipher_suites = {0x1301};
  hello.extensions = {
      extension(ExtensionType::server_name, encode_server_name("server.test")),
      extension(ExtensionType::supported_groups, encode_code_point_list({kX25519, kSecp256r1})),
      extension(ExtensionType::signature_algorithms, encode_code_point_list({0x0403, 0x0804})),
      extension(ExtensionType::supported_versions, encode_supported_versions_list({kTls13})),
      extension(ExtensionType::key_share, encode_client_key_shares({{kX25519, x25519_public()}})),
  };
  return hello;
}

Extension* find(ClientHello& hello, std::uint16_t type) {
  for (Extension& e : hello.extensions) {
    if (e.type == type) return &e;
  }
  return nullptr;
}
// Replaces the extension's data, or appends the extension.
void set(ClientHello& hello, std::uint16_t type, Bytes data) {
  if (Extension* e = find(hello, type)) {
    e->data = std::move(data);
  } else {
    hello.extensions.push_back({type, std::move(data)});
  }
}
void set(ClientHello& hello, ExtensionType type, Bytes data) {
  set(hello, static_cast<std::uint16_t>(type), std::move(data));
}
void erase(ClientHello& hello, ExtensionType type) {
  std::erase_if(hello.extensions,
                [type](const Extension& e) { return e.type == static_cast<std::uint16_t>(type); });
}

Bytes record(std::uint8_t type, ByteView content, std::uint16_t version = 0x0303) {
  Bytes out = {type, static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version),
               static_cast<std::uint8_t>(content.size() >> 8),
               static_cast<std::uint8_t>(content.size())};
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
Bytes hello_record(const ClientHello& hello, std::uint16_t version = 0x0301) {
  return record(22, encode_client_hello(hello), version);
}
void append(Bytes& to, const Bytes& more) {
  to.insert(to.end(), more.begin(), more.end());
}

ServerConfig default_server() {
  return server_config(TestPki::get().server_ecdsa);
}

struct ServerProbe {
  std::unique_ptr<ServerEngine> server;
  Observed observed;
  Bytes output;
  std::optional<AlertDescription> alert() const {
    auto sent = observed.alert_sent();
    if (!sent) return std::nullopt;
    return sent->description;
  }
  // The server answered with its whole first flight and waits for the client's.
  bool answered() const { return !alert() && server->state_name() == "ExpectClientFinished"; }
  bool retried() const { return !alert() && server->state_name() == "ExpectSecondClientHello"; }
  ServerHello server_hello() const {
    REQUIRE(output.size() > 9);
    REQUIRE(output[0] == 22);
    const std::size_t length = (std::size_t{output[3]} << 8) | output[4];
    return decode_server_hello(ByteView(output).subspan(9, length - 4));
  }
};

ServerProbe probe(const Bytes& wire, ServerConfig config = default_server()) {
  ServerProbe result{ServerEngine::create(std::move(config)), {}, {}};
  result.server->receive(wire);
  result.observed.events = result.server->take_events();
  result.output = result.server->take_output();
  return result;
}
ServerProbe probe(const ClientHello& hello, ServerConfig config = default_server()) {
  return probe(hello_record(hello), std::move(config));
}

// Our client, made to send exactly `hello`, against a server: for handshakes that must finish.
struct Run {
  std::unique_ptr<ClientEngine> client;
  std::unique_ptr<ServerEngine> server;
  Pump pump;
};
Run start(const ClientHello& hello, ServerConfig config = default_server()) {
  ClientConfig client_cfg = client_config();
  client_cfg.test_hooks.key_share = fixed_share;
  client_cfg.test_hooks.client_hello_message = encode_client_hello(hello);
  return Run{ClientEngine::create(client_cfg), ServerEngine::create(std::move(config)), {}};
}

}  // namespace

// ================================================================ server: ClientHello

TEST_CASE("server: the baseline crafted ClientHello completes a handshake", "[tls][conformance]") {
  Run run = start(offer());
  run.pump.run(*run.client, *run.server);
  CHECK(run.client->handshake_complete());
  CHECK(run.server->handshake_complete());
}

TEST_CASE("server: ClientHello.legacy_version 0x0300 and below is protocol_version (D.5)",
          "[tls][conformance]") {
  const std::uint16_t version = GENERATE(0x0300, 0x0000, 0x0200, 0x0002, 0x0100, 0x0103, 0x0001);
  CAPTURE(version);
  ClientHello hello = offer();
  hello.legacy_version = version;
  ServerProbe result = probe(hello);
  CHECK(result.alert() == AlertDescription::protocol_version);
}

TEST_CASE("server: other legacy_version values are not used for negotiation (4.2.1)",
          "[tls][conformance]") {
  const std::uint16_t version = GENERATE(0x0301, 0x0302, 0x0304, 0x7F7F);
  CAPTURE(version);
  ClientHello hello = offer();
  hello.legacy_version = version;
  Run run = start(hello);
  run.pump.run(*run.client, *run.server);
  CHECK(run.server->handshake_complete());
}

TEST_CASE("server: legacy_record_version of plaintext records is ignored (5.1)",
          "[tls][conformance]") {
  // tlsfuzzer sends its ClientHello in a record marked 0x0300.
  const std::uint16_t version = GENERATE(0x0300, 0x0301, 0x0302, 0x0303, 0x0304);
  CAPTURE(version);
  CHECK(probe(hello_record(offer(), version)).answered());
}

TEST_CASE("server: a record that is not TLS at all is refused", "[tls][conformance]") {
  CHECK(probe(hello_record(offer(), 0x0203)).alert() == AlertDescription::protocol_version);
  // "GET / HTTP/1.1": content type 'G' is not a TLS record.
  CHECK(probe(to_bytes(as_bytes("GET / HTTP/1.1\r\n\r\n"))).alert() ==
        AlertDescription::unexpected_message);
}

TEST_CASE("server: supported_versions decides the version (4.2.1)", "[tls][conformance]") {
  ClientHello hello = offer();
  SECTION("absent: TLS 1.2 at most, protocol_version") {
    erase(hello, ExtensionType::supported_versions);
    CHECK(probe(hello).alert() == AlertDescription::protocol_version);
  }
  SECTION("without 0x0304: protocol_version") {
    set(hello, ExtensionType::supported_versions, encode_supported_versions_list({0x0303, 0x0302}));
    CHECK(probe(hello).alert() == AlertDescription::protocol_version);
  }
  SECTION("GREASE and future versions around 0x0304 are ignored") {
    set(hello, ExtensionType::supported_versions,
        encode_supported_versions_list({0x3A3A, 0x0305, kTls13, 0x0303}));
    CHECK(probe(hello).answered());
  }
  SECTION("a TLS 1.2 ClientHello without any extension: protocol_version") {
    hello.extensions.clear();
    hello.legacy_session_id.clear();
    hello.cipher_suites = {0xC02B, 0x009C, 0x00FF};
    CHECK(probe(hello).alert() == AlertDescription::protocol_version);
  }
}

TEST_CASE("server: two extensions of one type are illegal_parameter (4.2)", "[tls][conformance]") {
  ClientHello hello = offer();
  SECTION("supported_groups twice") {
    hello.extensions.push_back(
        extension(ExtensionType::supported_groups, encode_code_point_list({kX25519})));
  }
  SECTION("an unknown extension twice") {
    hello.extensions.push_back({0x7777, {}});
    hello.extensions.push_back({0x7777, {1}});
  }
  CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
}

TEST_CASE("server: GREASE and unknown values are ignored everywhere (4.1.2, RFC 8701)",
          "[tls][conformance]") {
  ClientHello hello = offer();
  hello.cipher_suites = {0x0A0A, 0x00FF, 0xC02B, 0x1301};
  set(hello, ExtensionType::supported_groups,
      encode_code_point_list({0x1A1A, kX25519, kSecp256r1}));
  set(hello, ExtensionType::key_share,
      encode_client_key_shares({{0x1A1A, Bytes{0}}, {kX25519, x25519_public()}}));
  set(hello, ExtensionType::signature_algorithms,
      encode_code_point_list({0x2A2A, 0x0401, 0x0201, 0x0403}));
  hello.extensions.insert(hello.extensions.begin(), {0x3A3A, {}});
  hello.extensions.push_back({0x4A4A, Bytes{0}});
  hello.extensions.push_back({kPaddingExtension, Bytes(200, 0)});  // padding (RFC 7685)
  hello.extensions.push_back(
      extension(ExtensionType::signature_algorithms_cert, encode_code_point_list({0x0401})));
  ServerProbe result = probe(hello);
  REQUIRE(result.answered());
  const ServerHello server_hello = result.server_hello();
  CHECK(server_hello.cipher_suite == 0x1301);
  const Extension* share = find_extension(server_hello.extensions, ExtensionType::key_share);
  REQUIRE(share != nullptr);
  CHECK(decode_server_key_share(share->data).group == kX25519);
}

TEST_CASE("server: status_request in the ClientHello (RFC 6066 section 8, 4.4.2.1)",
          "[tls][conformance][ocsp]") {
  const Bytes response = {0x30, 0x03, 0x0A, 0x01, 0x00};
  ServerConfig config = default_server();
  config.ocsp_staple = [response] { return std::optional<Bytes>(response); };
  ClientHello hello = offer();
  SECTION("responder ids and request extensions: the staple is sent all the same") {
    // status_type ocsp, one ResponderID (byKey [2] KeyHash), request_extensions of 2 bytes.
    set(hello, ExtensionType::status_request,
        Bytes{1, 0, 6, 0, 4, 0xA2, 0x02, 0x04, 0x00, 0, 2, 0x30, 0x00});
    Run run = start(hello, config);
    run.pump.run(*run.client, *run.server);
    REQUIRE(run.client->handshake_complete());
    REQUIRE(run.server->handshake_complete());
    CHECK(run.pump.client.all<HandshakeComplete>()[0].summary.peer_ocsp_response == response);
  }
  SECTION("a status_type other than ocsp is ignored: no staple") {
    set(hello, ExtensionType::status_request, Bytes{2, 0, 0, 0, 0});
    Run run = start(hello, config);
    run.pump.run(*run.client, *run.server);
    REQUIRE(run.client->handshake_complete());
    CHECK_FALSE(run.pump.client.all<HandshakeComplete>()[0].summary.peer_ocsp_response);
  }
  SECTION("a malformed OCSPStatusRequest: decode_error") {
    const Bytes malformed = GENERATE(Bytes{}, Bytes{1}, Bytes{1, 0, 0}, Bytes{1, 0, 0, 0, 0, 0},
                                     Bytes{1, 0, 2, 0, 0, 0, 0}, Bytes{1, 0, 5, 0, 4, 1, 0, 0});
    CAPTURE(to_hex(malformed));
    set(hello, ExtensionType::status_request, malformed);
    CHECK(probe(hello, config).alert() == AlertDescription::decode_error);
  }
}

TEST_CASE("server: a ClientHello at the size limits of its vectors is accepted",
          "[tls][conformance]") {
  // tlsfuzzer's test-tls13-signature-algorithms: "tolerance 32717 methods".
  ClientHello hello = offer();
  std::vector<std::uint16_t> schemes(32717 - 1, 0x0202);
  schemes.push_back(0x0403);
  set(hello, ExtensionType::signature_algorithms, encode_code_point_list(schemes));
  std::erase_if(hello.extensions, [](const Extension& e) {
    return e.type == static_cast<std::uint16_t>(ExtensionType::server_name);
  });
  const Bytes message = encode_client_hello(hello);
  CHECK(message.size() > 65536);
  Bytes wire;
  for (std::size_t at = 0; at < message.size(); at += 16384) {
    append(wire, record(22, ByteView(message).subspan(
                                at, std::min<std::size_t>(16384, message.size() - at))));
  }
  CHECK(probe(wire).answered());
}

TEST_CASE("server: cipher suites (4.1.2)", "[tls][conformance]") {
  ClientHello hello = offer();
  SECTION("none in common: handshake_failure") {
    hello.cipher_suites = {0x1304, 0x1305, 0xC02B, 0x00FF};
    CHECK(probe(hello).alert() == AlertDescription::handshake_failure);
  }
  SECTION("an empty list violates cipher_suites<2..2^16-2>: decode_error") {
    // RFC 8446 section 6: decode_error is "a field out of the specified range"; the vector's
    // minimum length is part of the syntax, so this is decoding, not negotiation.
    hello.cipher_suites.clear();
    CHECK(probe(hello).alert() == AlertDescription::decode_error);
  }
}

TEST_CASE("server: key_share entries (4.2.8)", "[tls][conformance]") {
  ClientHello hello = offer();
  SECTION("for a group supported_groups does not list: illegal_parameter") {
    set(hello, ExtensionType::supported_groups, encode_code_point_list({kSecp256r1}));
    CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
  }
  SECTION("out of the supported_groups order: illegal_parameter") {
    set(hello, ExtensionType::key_share,
        encode_client_key_shares({{kSecp256r1, p256_public()}, {kX25519, x25519_public()}}));
    CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
  }
  SECTION("a non-contiguous subset in order is fine") {
    set(hello, ExtensionType::supported_groups,
        encode_code_point_list({kX448, kX25519, 0x0018, kSecp256r1}));
    set(hello, ExtensionType::key_share,
        encode_client_key_shares({{kX448, Bytes(56, 9)}, {kSecp256r1, p256_public()}}));
    CHECK(probe(hello).answered());
  }
  SECTION("two entries for one group: illegal_parameter") {
    set(hello, ExtensionType::key_share,
        encode_client_key_shares({{kX25519, x25519_public()}, {kX25519, x25519_public()}}));
    CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
  }
  SECTION("no share we can use but a common group: HelloRetryRequest") {
    set(hello, ExtensionType::supported_groups, encode_code_point_list({kX448, kSecp256r1}));
    set(hello, ExtensionType::key_share, encode_client_key_shares({{kX448, Bytes(56, 9)}}));
    ServerProbe result = probe(hello);
    REQUIRE(result.retried());
    const ServerHello retry = result.server_hello();
    CHECK(retry.is_hello_retry_request());
    CHECK(retry.legacy_session_id_echo == hello.legacy_session_id);
    const Extension* selected = find_extension(retry.extensions, ExtensionType::key_share);
    REQUIRE(selected != nullptr);
    CHECK(decode_hello_retry_key_share(selected->data) == kSecp256r1);
  }
  SECTION("an empty client_shares vector: HelloRetryRequest") {
    set(hello, ExtensionType::key_share, encode_client_key_shares({}));
    CHECK(probe(hello).retried());
  }
  SECTION("no common group: handshake_failure") {
    set(hello, ExtensionType::supported_groups, encode_code_point_list({kX448, 0x0100}));
    set(hello, ExtensionType::key_share, encode_client_key_shares({{kX448, Bytes(56, 9)}}));
    CHECK(probe(hello).alert() == AlertDescription::handshake_failure);
  }
  SECTION("an empty key_exchange: illegal_parameter, whatever the group") {
    // key_exchange<1..2^16-1>: an empty one is an invalid public value, not a decoding matter.
    const std::uint16_t group = GENERATE(kX25519, kSecp256r1, kX448);
    CAPTURE(group);
    set(hello, ExtensionType::supported_groups,
        encode_code_point_list({kX448, kX25519, kSecp256r1}));
    set(hello, ExtensionType::key_share, encode_client_key_shares({{group, {}}}));
    ServerProbe result = probe(hello);
    CHECK(result.alert() == AlertDescription::illegal_parameter);
    CHECK(result.observed.alert_sent()->reason.find("empty key_exchange") != std::string::npos);
  }
  SECTION("an empty key_exchange after a valid share: illegal_parameter") {
    set(hello, ExtensionType::key_share,
        encode_client_key_shares({{kX25519, x25519_public()}, {kSecp256r1, {}}}));
    CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
  }
  SECTION("supported_groups without key_share: missing_extension (9.2)") {
    erase(hello, ExtensionType::key_share);
    CHECK(probe(hello).alert() == AlertDescription::missing_extension);
  }
}

TEST_CASE("server: invalid public values are illegal_parameter (4.2.8.1, 4.2.8.2)",
          "[tls][conformance]") {
  ClientHello hello = offer();
  Bytes share;
  std::uint16_t group = kX25519;
  SECTION("X25519 share of 31 bytes") {
    share = Bytes(31, 9);
  }
  SECTION("X25519 share of 33 bytes") {
    share = Bytes(33, 9);
  }
  SECTION("X25519 share giving an all-zero secret") {
    share = Bytes(32, 0);
  }
  SECTION("P-256 point not on the curve") {
    group = kSecp256r1;
    share = Bytes(65, 0x11);
    share[0] = 0x04;
  }
  SECTION("P-256 point in compressed form") {
    group = kSecp256r1;
    share = p256_public();
    share.resize(33);
    share[0] = 0x02;
  }
  SECTION("P-256 point at infinity") {
    group = kSecp256r1;
    share = Bytes{0x00};
  }
  SECTION("P-256 share of the wrong length") {
    group = kSecp256r1;
    share = p256_public();
    share.pop_back();
  }
  SECTION("P-384 point not on the curve") {
    group = kSecp384r1;
    share = crypto::KeyShare::generate(crypto::KeyExchangeGroup::Secp384r1).public_key();
    share.back() ^= 0x01;
  }
  SECTION("P-384 point in compressed form") {
    group = kSecp384r1;
    share = crypto::KeyShare::generate(crypto::KeyExchangeGroup::Secp384r1).public_key();
    share.resize(49);
    share[0] = 0x03;
  }
  SECTION("P-384 point at infinity") {
    group = kSecp384r1;
    share = Bytes{0x00};
  }
  SECTION("a P-256 point as a P-384 share") {
    group = kSecp384r1;
    share = p256_public();
  }
  SECTION("P-384 point with coordinates past the field prime") {
    group = kSecp384r1;
    share = Bytes(97, 0xFF);
    share[0] = 0x04;
  }
  CAPTURE(group);
  set(hello, ExtensionType::supported_groups, encode_code_point_list({group}));
  set(hello, ExtensionType::key_share, encode_client_key_shares({{group, share}}));
  CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
}

TEST_CASE("server: signature_algorithms is required for certificate auth (4.2.3, 9.2)",
          "[tls][conformance]") {
  ClientHello hello = offer();
  erase(hello, ExtensionType::signature_algorithms);
  CHECK(probe(hello).alert() == AlertDescription::missing_extension);
  // Only schemes our key cannot make: handshake_failure.
  set(hello, ExtensionType::signature_algorithms, encode_code_point_list({0x0401, 0x0503}));
  CHECK(probe(hello).alert() == AlertDescription::handshake_failure);
}

TEST_CASE("server: compression methods must be exactly [null] (4.1.2)", "[tls][conformance]") {
  ClientHello hello = offer();
  SECTION("[1, 0]") {
    hello.legacy_compression_methods = {1, 0};
    CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
  }
  SECTION("[0, 1]") {
    hello.legacy_compression_methods = {0, 1};
    CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
  }
  SECTION("empty") {
    hello.legacy_compression_methods.clear();
    CHECK(probe(hello).alert() == AlertDescription::decode_error);
  }
}

TEST_CASE("server: legacy_session_id is echoed, and with it the compatibility CCS (4.1.3, D.4)",
          "[tls][conformance]") {
  ClientHello hello = offer();
  SECTION("32 bytes") {
    ServerProbe result = probe(hello);
    REQUIRE(result.answered());
    CHECK(result.server_hello().legacy_session_id_echo == hello.legacy_session_id);
    const std::size_t first = 5 + ((std::size_t{result.output[3]} << 8) | result.output[4]);
    CHECK(Bytes(result.output.begin() + static_cast<std::ptrdiff_t>(first),
                result.output.begin() + static_cast<std::ptrdiff_t>(first) + 6) ==
          Bytes{20, 3, 3, 0, 1, 1});
  }
  SECTION("empty: no CCS") {
    hello.legacy_session_id.clear();
    ServerProbe result = probe(hello);
    REQUIRE(result.answered());
    CHECK(result.server_hello().legacy_session_id_echo.empty());
    const std::size_t first = 5 + ((std::size_t{result.output[3]} << 8) | result.output[4]);
    CHECK(result.output[first] == 23);
  }
}

TEST_CASE("server: PSK offers are ignored, with a full handshake (4.2.9, 4.2.11)",
          "[tls][conformance]") {
  ClientHello hello = offer();
  set(hello, ExtensionType::psk_key_exchange_modes, Bytes{2, 1, 0});
  // PskIdentity: identity<1..2^16-1>, obfuscated_ticket_age; binders<33..2^16-1>.
  Bytes psk = {0, 10, 0, 4, 'i', 'd', 'n', 't', 0, 0, 0, 7, 0, 33, 32};
  psk.resize(psk.size() + 32, 0xB1);
  SECTION("pre_shared_key last: ignored") {
    set(hello, ExtensionType::pre_shared_key, psk);
    Run run = start(hello);
    run.pump.run(*run.client, *run.server);
    CHECK(run.server->handshake_complete());
    ServerProbe result = probe(hello);
    REQUIRE(result.answered());
    CHECK(find_extension(result.server_hello().extensions, ExtensionType::pre_shared_key) ==
          nullptr);
  }
  SECTION("pre_shared_key without psk_key_exchange_modes: missing_extension (4.2.9)") {
    erase(hello, ExtensionType::psk_key_exchange_modes);
    set(hello, ExtensionType::pre_shared_key, psk);
    CHECK(probe(hello).alert() == AlertDescription::missing_extension);
  }
  SECTION("psk_key_exchange_modes alone is ignored") {
    CHECK(probe(hello).answered());
  }
  SECTION("pre_shared_key not last: illegal_parameter") {
    hello.extensions.insert(hello.extensions.begin(),
                            extension(ExtensionType::pre_shared_key, psk));
    CHECK(probe(hello).alert() == AlertDescription::illegal_parameter);
  }
}

// ================================================================ server: rejected 0-RTT

namespace {

Bytes psk_extension_data() {
  Bytes psk = {0, 10, 0, 4, 'i', 'd', 'n', 't', 0, 0, 0, 7, 0, 33, 32};
  psk.resize(psk.size() + 32, 0xB1);
  return psk;
}

// A resumption attempt with 0-RTT, as tlsfuzzer's test-tls13-0rtt-garbage sends it.
ClientHello early_data_offer() {
  ClientHello hello = offer();
  set(hello, ExtensionType::early_data, {});
  set(hello, ExtensionType::psk_key_exchange_modes, Bytes{1, 1});
  set(hello, ExtensionType::pre_shared_key, psk_extension_data());
  return hello;
}

Bytes fake_early_data(std::size_t size, std::uint8_t fill) {
  return record(23, Bytes(size, fill));
}

Bytes secret_from_log(const std::vector<std::string>& log, const std::string& label) {
  for (const std::string& line : log) {
    if (line.rfind(label + " ", 0) == 0) return from_hex(line.substr(line.rfind(' ') + 1));
  }
  FAIL("no " << label << " in the key log");
  return {};
}

TrafficKeys aes128_keys(ByteView secret) {
  return derive_traffic_keys(crypto::AeadAlgorithm::Aes128Gcm, crypto::HashAlgorithm::Sha256,
                             secret);
}

// The protected records of `wire` opened with `keys` from sequence number 0 (plaintext records
// are skipped).
std::vector<OpenedRecord> open_records(const Bytes& wire, const TrafficKeys& keys) {
  RecordProtection protection(crypto::AeadAlgorithm::Aes128Gcm, keys);
  std::vector<OpenedRecord> opened;
  std::size_t at = 0;
  while (at + 5 <= wire.size()) {
    const std::size_t length = (std::size_t{wire[at + 3]} << 8) | wire[at + 4];
    if (wire[at] == 23) {
      opened.push_back(
          protection.open(ByteView(wire).subspan(at, 5), ByteView(wire).subspan(at + 5, length)));
    }
    at += 5 + length;
  }
  return opened;
}

}  // namespace

TEST_CASE("server: rejected early data is skipped after a 1-RTT answer (4.2.10)",
          "[tls][conformance]") {
  ClientHello hello = early_data_offer();
  hello.legacy_session_id.clear();  // our client then sends no CCS of its own
  auto server_log = std::make_shared<std::vector<std::string>>();
  ServerConfig config = default_server();
  config.key_log = [server_log](const std::string& line) { server_log->push_back(line); };
  Run run = start(hello, config);
  Bytes first = run.client->take_output();
  append(first, fake_early_data(8192, 0xE1));
  append(first, Bytes{20, 3, 3, 0, 1, 1});  // a CCS between early data records
  append(first, fake_early_data(8192, 0xE2));
  run.server->receive(first);
  run.pump.collect(*run.client, *run.server);
  REQUIRE_FALSE(run.pump.server.alert_sent().has_value());
  REQUIRE(run.server->state_name() == "ExpectClientFinished");
  const Bytes flight = run.server->take_output();
  run.client->receive(flight);
  run.pump.run(*run.client, *run.server);
  CHECK(run.client->handshake_complete());
  CHECK(run.server->handshake_complete());
  // The server did not accept 0-RTT: no early_data in EncryptedExtensions.
  const auto opened = open_records(
      flight, aes128_keys(secret_from_log(*server_log, "SERVER_HANDSHAKE_TRAFFIC_SECRET")));
  REQUIRE_FALSE(opened.empty());
  REQUIRE(opened.front().type == ContentType::handshake);
  REQUIRE(opened.front().content.size() > 4);
  REQUIRE(opened.front().content[0] ==
          static_cast<std::uint8_t>(HandshakeType::encrypted_extensions));
  const std::size_t ee_length = (std::size_t{opened.front().content[1]} << 16) |
                                (std::size_t{opened.front().content[2]} << 8) |
                                opened.front().content[3];
  const EncryptedExtensions extensions =
      decode_encrypted_extensions(ByteView(opened.front().content).subspan(4, ee_length));
  CHECK(find_extension(extensions.extensions, ExtensionType::early_data) == nullptr);
}

TEST_CASE("server: more early data than the limit is unexpected_message (4.2.10, 4.6.1)",
          "[tls][conformance]") {
  Bytes wire = hello_record(early_data_offer());
  append(wire, fake_early_data(16384, 0xE1));
  ServerProbe fits = probe(wire);
  CHECK(fits.answered());
  append(wire, fake_early_data(64, 0xE2));
  ServerProbe over = probe(wire);
  CHECK(over.alert() == AlertDescription::unexpected_message);
}

TEST_CASE("server: skipping ends at the first record that opens (4.2.10)", "[tls][conformance]") {
  // tlsfuzzer: "undecryptable record later in handshake together with early_data".
  auto client_log = std::make_shared<std::vector<std::string>>();
  ClientConfig client_cfg = client_config();
  client_cfg.test_hooks.key_share = fixed_share;
  client_cfg.test_hooks.client_hello_message = encode_client_hello(early_data_offer());
  client_cfg.key_log = [client_log](const std::string& line) { client_log->push_back(line); };
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(default_server());
  Bytes wire = client->take_output();
  append(wire, fake_early_data(100, 0xE1));
  server->receive(wire);
  client->receive(server->take_output());
  REQUIRE(client->handshake_complete());
  // The first 16 bytes of a Finished, protected with the client's handshake keys: it opens.
  RecordProtection protection(
      crypto::AeadAlgorithm::Aes128Gcm,
      aes128_keys(secret_from_log(*client_log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET")));
  Bytes fragment = {20, 0, 0, 32};
  fragment.resize(16, 0xF1);
  server->receive(protection.seal(ContentType::handshake, fragment));
  REQUIRE(server->take_events().empty());
  server->receive(fake_early_data(64, 0xE2));
  Observed observed{server->take_events()};
  REQUIRE(observed.alert_sent().has_value());
  CHECK(observed.alert_sent()->description == AlertDescription::bad_record_mac);
}

TEST_CASE("server: after HelloRetryRequest early data is skipped up to ClientHello 2 (4.2.10)",
          "[tls][conformance]") {
  ServerConfig config = default_server();
  config.groups = {NamedGroup::secp256r1};
  Run run = start(early_data_offer(), config);
  Bytes first = run.client->take_output();
  // (Our client sends its compatibility CCS before ClientHello 2: one CCS is all a client may
  // send, D.4.)
  append(first, fake_early_data(16384, 0xE1));
  run.server->receive(first);
  run.pump.collect(*run.client, *run.server);
  REQUIRE_FALSE(run.pump.server.alert_sent().has_value());
  REQUIRE(run.server->state_name() == "ExpectSecondClientHello");
  // Our client drops early_data from ClientHello 2 and keeps pre_shared_key last; the server
  // would refuse either mistake with illegal_parameter.
  run.client->receive(run.server->take_output());
  run.pump.run(*run.client, *run.server);
  if (run.pump.server.alert_sent()) FAIL(run.pump.server.alert_sent()->reason);
  if (run.pump.client.alert_sent()) FAIL(run.pump.client.alert_sent()->reason);
  CHECK(run.client->handshake_complete());
  CHECK(run.server->handshake_complete());
}

TEST_CASE("server: early data after ClientHello 2 is bad_record_mac (4.2.10)",
          "[tls][conformance]") {
  ServerConfig config = default_server();
  config.groups = {NamedGroup::secp256r1};
  Run run = start(early_data_offer(), config);
  run.server->receive(run.client->take_output());
  run.client->receive(run.server->take_output());
  run.server->receive(run.client->take_output());  // ClientHello 2
  REQUIRE(run.server->state_name() == "ExpectClientFinished");
  run.server->receive(fake_early_data(64, 0xE2));
  Observed observed{run.server->take_events()};
  REQUIRE(observed.alert_sent().has_value());
  CHECK(observed.alert_sent()->description == AlertDescription::bad_record_mac);
}

TEST_CASE("server: without early_data offered nothing is skipped", "[tls][conformance]") {
  SECTION("after the ServerHello: bad_record_mac") {
    Bytes wire = hello_record(offer());
    append(wire, fake_early_data(64, 0xE1));
    CHECK(probe(wire).alert() == AlertDescription::bad_record_mac);
  }
  SECTION("after a HelloRetryRequest: unexpected_message") {
    ServerConfig config = default_server();
    config.groups = {NamedGroup::secp256r1};
    Bytes wire = hello_record(offer());
    append(wire, fake_early_data(64, 0xE1));
    CHECK(probe(wire, config).alert() == AlertDescription::unexpected_message);
  }
}

// ================================================================ server: HelloRetryRequest

namespace {

struct Retried {
  std::unique_ptr<ServerEngine> server;
  ClientHello second;  // the first, answered as 4.1.2 says
};

// Sends `first` to a server that only takes secp256r1 and prepares the proper ClientHello 2.
Retried retried(const ClientHello& first) {
  ServerConfig config = default_server();
  config.groups = {NamedGroup::secp256r1};
  ServerProbe result = probe(first, config);
  REQUIRE(result.retried());
  const ServerHello retry = result.server_hello();
  Retried out{std::move(result.server), first};
  set(out.second, ExtensionType::key_share,
      encode_client_key_shares({{kSecp256r1, p256_public()}}));
  const Extension* cookie = find_extension(retry.extensions, ExtensionType::cookie);
  if (cookie != nullptr) set(out.second, ExtensionType::cookie, cookie->data);
  erase(out.second, ExtensionType::early_data);
  return out;
}

std::optional<AlertDescription> send_second(Retried& retry) {
  retry.server->receive(Bytes{20, 3, 3, 0, 1, 1});  // CCS between the hellos is fine
  retry.server->receive(hello_record(retry.second, 0x0303));
  Observed observed{retry.server->take_events()};
  if (auto sent = observed.alert_sent()) return sent->description;
  return std::nullopt;
}

}  // namespace

TEST_CASE("server: ClientHello 2 may change only what 4.1.2 allows", "[tls][conformance]") {
  ClientHello first = offer();
  set(first, kPaddingExtension, Bytes(10, 0));
  set(first, ExtensionType::early_data, {});
  Retried retry = retried(first);
  SECTION("the proper answer") {
    CHECK_FALSE(send_second(retry).has_value());
    CHECK(retry.server->state_name() == "ExpectClientFinished");
  }
  SECTION("padding resized and moved is fine") {
    std::erase_if(retry.second.extensions,
                  [](const Extension& e) { return e.type == kPaddingExtension; });
    retry.second.extensions.insert(retry.second.extensions.begin(),
                                   {kPaddingExtension, Bytes(100, 0)});
    CHECK_FALSE(send_second(retry).has_value());
  }
  SECTION("the same extensions in reverse order: illegal_parameter") {
    std::reverse(retry.second.extensions.begin(), retry.second.extensions.end());
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("two extensions swapped, same contents: illegal_parameter") {
    // server_name and supported_groups trade places; every extension is byte-identical.
    std::swap(retry.second.extensions[0], retry.second.extensions[1]);
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("key_share moved: illegal_parameter (it is replaced in place)") {
    auto share = std::find_if(
        retry.second.extensions.begin(), retry.second.extensions.end(), [](const Extension& e) {
          return e.type == static_cast<std::uint16_t>(ExtensionType::key_share);
        });
    REQUIRE(share != retry.second.extensions.end());
    std::rotate(retry.second.extensions.begin(), share, share + 1);
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("padding removed is fine") {
    std::erase_if(retry.second.extensions,
                  [](const Extension& e) { return e.type == kPaddingExtension; });
    CHECK_FALSE(send_second(retry).has_value());
  }
  SECTION("early_data kept: illegal_parameter") {
    set(retry.second, ExtensionType::early_data, {});
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("supported_groups changed: illegal_parameter") {
    set(retry.second, ExtensionType::supported_groups, encode_code_point_list({kSecp256r1}));
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("signature_algorithms changed: illegal_parameter") {
    set(retry.second, ExtensionType::signature_algorithms, encode_code_point_list({0x0403}));
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("server_name dropped: illegal_parameter") {
    erase(retry.second, ExtensionType::server_name);
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("an extension added: illegal_parameter") {
    retry.second.extensions.push_back({0x7777, {}});
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("legacy_version changed: illegal_parameter") {
    retry.second.legacy_version = 0x0301;
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("cipher suites changed: illegal_parameter") {
    retry.second.cipher_suites = {0x1301, 0x1302};
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("supported_versions dropped: illegal_parameter") {
    erase(retry.second, ExtensionType::supported_versions);
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
}

TEST_CASE("server: the HelloRetryRequest and its cookie (4.1.4, 4.2.2)", "[tls][conformance]") {
  ServerConfig config = default_server();
  config.groups = {NamedGroup::secp256r1};
  SECTION("by default: supported_versions and key_share only, as tlsfuzzer expects") {
    ServerProbe result = probe(offer(), config);
    REQUIRE(result.retried());
    std::vector<std::uint16_t> types;
    for (const Extension& e : result.server_hello().extensions) types.push_back(e.type);
    CHECK(types == std::vector<std::uint16_t>{43, 51});
    Retried retry = retried(offer());
    set(retry.second, ExtensionType::cookie, encode_cookie(Bytes(16, 0xC0)));
    CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  }
  SECTION("with hello_retry_cookie: a cookie the second ClientHello must echo") {
    config.hello_retry_cookie = true;
    ServerProbe result = probe(offer(), config);
    REQUIRE(result.retried());
    const ServerHello retry = result.server_hello();
    const Extension* cookie = find_extension(retry.extensions, ExtensionType::cookie);
    REQUIRE(cookie != nullptr);
    CHECK(decode_cookie(cookie->data).size() == 16);
  }
  SECTION("our client against either server completes the handshake") {
    config.hello_retry_cookie = GENERATE(false, true);
    auto client = ClientEngine::create(client_config());
    auto server = ServerEngine::create(config);
    Pump pump;
    pump.run(*client, *server);
    CHECK(client->handshake_complete());
    CHECK(server->handshake_complete());
  }
}

TEST_CASE("server: ClientHello 2 must carry exactly the requested share, never a second HRR",
          "[tls][conformance]") {
  Retried retry = retried(offer());
  SECTION("still the old share: illegal_parameter") {
    set(retry.second, ExtensionType::key_share,
        encode_client_key_shares({{kX25519, x25519_public()}}));
  }
  SECTION("no share at all: illegal_parameter") {
    set(retry.second, ExtensionType::key_share, encode_client_key_shares({}));
  }
  SECTION("the requested share and another: illegal_parameter") {
    set(retry.second, ExtensionType::key_share,
        encode_client_key_shares({{kX25519, x25519_public()}, {kSecp256r1, p256_public()}}));
  }
  CHECK(send_second(retry) == AlertDescription::illegal_parameter);
  // Nothing but the alert went out: no second HelloRetryRequest.
  CHECK(retry.server->take_output() == Bytes{21, 3, 3, 0, 2, 2, 47});
}

TEST_CASE("server: a second ClientHello after a ServerHello is unexpected_message",
          "[tls][conformance]") {
  Bytes wire = hello_record(offer());
  append(wire, hello_record(offer(), 0x0303));
  // The second ClientHello shares the ServerHello's record boundary rule: it arrives in a
  // plaintext record after the handshake keys are in use.
  CHECK(probe(wire).alert() == AlertDescription::unexpected_message);
}

// ================================================================ records

namespace {

// A connected pair (TLS_AES_128_GCM_SHA256) and the client's application write keys, so that
// records the client never would send can be forged under them.
struct Established {
  std::unique_ptr<ClientEngine> client;
  std::unique_ptr<ServerEngine> server;
  Pump pump;
  TrafficKeys client_keys;
  std::uint64_t sequence = 0;

  // A protected record holding exactly `inner` (content || type || padding).
  Bytes protect(ByteView inner, std::uint16_t version = 0x0303) {
    crypto::Aead aead(crypto::AeadAlgorithm::Aes128Gcm, client_keys.key);
    Bytes nonce(client_keys.iv.begin(), client_keys.iv.end());
    for (std::size_t i = 0; i < 8; ++i) {
      nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(sequence >> (8 * i));
    }
    ++sequence;
    const std::size_t length = inner.size() + crypto::Aead::kTagLength;
    Bytes out = {23, static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version),
                 static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
    const Bytes sealed = aead.seal(nonce, out, inner);
    append(out, sealed);
    return out;
  }
  Bytes protect(ByteView content, ContentType type) {
    Bytes inner = to_bytes(content);
    inner.push_back(static_cast<std::uint8_t>(type));
    return protect(inner);
  }
  std::optional<AlertDescription> server_alert() {
    pump.collect(*client, *server);
    auto sent = pump.server.alert_sent();
    if (!sent) return std::nullopt;
    return sent->description;
  }
};

Established established() {
  auto log = std::make_shared<std::vector<std::string>>();
  ClientConfig client_cfg = client_config();
  client_cfg.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
  client_cfg.key_log = [log](const std::string& line) { log->push_back(line); };
  Established pair{
      ClientEngine::create(client_cfg), ServerEngine::create(default_server()), {}, {}};
  pair.pump.run(*pair.client, *pair.server);
  REQUIRE(pair.client->handshake_complete());
  REQUIRE(pair.server->handshake_complete());
  pair.client_keys = aes128_keys(secret_from_log(*log, "CLIENT_TRAFFIC_SECRET_0"));
  return pair;
}

}  // namespace

TEST_CASE("records: forged records the server accepts", "[tls][conformance]") {
  Established pair = established();
  SECTION("2^14 bytes of content: the largest inner plaintext (5.4)") {
    pair.server->receive(
        pair.protect(Bytes(std::size_t{1} << 14, 'a'), ContentType::application_data));
    CHECK_FALSE(pair.server_alert().has_value());
    CHECK(pair.pump.server.application_data().size() == std::size_t{1} << 14);
  }
  SECTION("zero-length application data (5.1), then data") {
    pair.server->receive(pair.protect({}, ContentType::application_data));
    pair.server->receive(pair.protect(as_bytes("x"), ContentType::application_data));
    CHECK_FALSE(pair.server_alert().has_value());
    CHECK(pair.pump.server.application_data() == Bytes{'x'});
  }
  SECTION("padding after the content type (5.4)") {
    Bytes inner = {'h', 'i', 23};
    inner.resize(inner.size() + 500, 0);
    pair.server->receive(pair.protect(inner));
    CHECK_FALSE(pair.server_alert().has_value());
    CHECK(pair.pump.server.application_data() == Bytes{'h', 'i'});
  }
  SECTION("a handshake message fragmented over records (5.1)") {
    const Bytes update = encode_key_update(KeyUpdate{false});
    pair.server->receive(pair.protect(ByteView(update).first(2), ContentType::handshake));
    pair.server->receive(pair.protect(ByteView(update).subspan(2), ContentType::handshake));
    CHECK_FALSE(pair.server_alert().has_value());
    CHECK(pair.pump.server.has<KeyUpdated>());
  }
}

TEST_CASE("records: forged records the server refuses, and with which alert",
          "[tls][conformance]") {
  Established pair = established();
  std::optional<AlertDescription> expected;
  SECTION("inner plaintext of 2^14 + 2 bytes: record_overflow (5.4)") {
    Bytes inner(std::size_t{1} << 14, 'a');
    inner.push_back(23);
    inner.push_back(0);
    pair.server->receive(pair.protect(inner));
    expected = AlertDescription::record_overflow;
  }
  SECTION("ciphertext over 2^14 + 256: record_overflow (5.2)") {
    pair.server->receive(Bytes{23, 3, 3, 0x41, 0x01});
    expected = AlertDescription::record_overflow;
  }
  SECTION("zero-length handshake content: unexpected_message (5.1)") {
    pair.server->receive(pair.protect({}, ContentType::handshake));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("zero-length alert content: unexpected_message (5.1)") {
    pair.server->receive(pair.protect({}, ContentType::alert));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("an alert of three bytes: decode_error (5.1, 6)") {
    pair.server->receive(pair.protect(Bytes{1, 0, 0}, ContentType::alert));
    expected = AlertDescription::decode_error;
  }
  SECTION("only padding, no content type: unexpected_message (5.4)") {
    pair.server->receive(pair.protect(Bytes(20, 0)));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("an unknown inner content type: unexpected_message (5)") {
    pair.server->receive(pair.protect(Bytes{1}, static_cast<ContentType>(24)));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("change_cipher_spec inside protection: unexpected_message (5)") {
    pair.server->receive(pair.protect(Bytes{1}, ContentType::change_cipher_spec));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("application data interleaved in a fragmented handshake message (5.1)") {
    const Bytes update = encode_key_update(KeyUpdate{false});
    pair.server->receive(pair.protect(ByteView(update).first(2), ContentType::handshake));
    pair.server->receive(pair.protect(as_bytes("x"), ContentType::application_data));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("an alert interleaved in a fragmented handshake message (5.1)") {
    const Bytes update = encode_key_update(KeyUpdate{false});
    pair.server->receive(pair.protect(ByteView(update).first(2), ContentType::handshake));
    pair.server->receive(pair.protect(Bytes{1, 90}, ContentType::alert));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("a change_cipher_spec after the handshake: unexpected_message (5)") {
    pair.server->receive(Bytes{20, 3, 3, 0, 1, 1});
    expected = AlertDescription::unexpected_message;
  }
  SECTION("an unprotected alert after the handshake: unexpected_message (5)") {
    pair.server->receive(Bytes{21, 3, 3, 0, 2, 2, 40});
    expected = AlertDescription::unexpected_message;
  }
  SECTION("an unprotected handshake record after the handshake: unexpected_message (5)") {
    pair.server->receive(record(22, encode_key_update(KeyUpdate{false})));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("a bad tag: bad_record_mac (5.2)") {
    Bytes forged = pair.protect(as_bytes("data"), ContentType::application_data);
    forged.back() ^= 1;
    pair.server->receive(forged);
    expected = AlertDescription::bad_record_mac;
  }
  SECTION("a record too short for a tag: bad_record_mac (5.2)") {
    pair.server->receive(Bytes{23, 3, 3, 0, 5, 1, 2, 3, 4, 5});
    expected = AlertDescription::bad_record_mac;
  }
  SECTION("a protected record not marked 0x0303 (5.2)") {
    pair.server->receive(pair.protect(Bytes{'x', 23}, 0x0301));
    expected = AlertDescription::protocol_version;
  }
  SECTION("KeyUpdate with request_update 2: illegal_parameter (4.6.3)") {
    Bytes update = encode_key_update(KeyUpdate{false});
    update.back() = 2;
    pair.server->receive(pair.protect(update, ContentType::handshake));
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("KeyUpdate of two bytes: decode_error (4.6.3)") {
    const Bytes update = {24, 0, 0, 2, 0, 0};
    pair.server->receive(pair.protect(update, ContentType::handshake));
    expected = AlertDescription::decode_error;
  }
  SECTION("KeyUpdate not at a record boundary: unexpected_message (5.1)") {
    Bytes updates = encode_key_update(KeyUpdate{false});
    append(updates, encode_key_update(KeyUpdate{false}));
    pair.server->receive(pair.protect(updates, ContentType::handshake));
    expected = AlertDescription::unexpected_message;
  }
  SECTION("a handshake message the server never expects after the handshake") {
    pair.server->receive(
        pair.protect(Bytes{4, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0}, ContentType::handshake));
    expected = AlertDescription::unexpected_message;
  }
  REQUIRE(expected.has_value());
  CHECK(pair.server_alert() == expected);
  CHECK(pair.server->failed());
}

TEST_CASE("records: before and during the handshake", "[tls][conformance]") {
  SECTION("a zero-length handshake record: unexpected_message (5.1)") {
    CHECK(probe(record(22, {})).alert() == AlertDescription::unexpected_message);
  }
  SECTION("a zero-length alert record: unexpected_message (5.1)") {
    CHECK(probe(record(21, {})).alert() == AlertDescription::unexpected_message);
  }
  SECTION("a plaintext record over 2^14: record_overflow (5.1)") {
    CHECK(probe(Bytes{22, 3, 1, 0x40, 0x01}).alert() == AlertDescription::record_overflow);
  }
  SECTION("application data before any keys: unexpected_message (5)") {
    CHECK(probe(record(23, Bytes{1, 2, 3})).alert() == AlertDescription::unexpected_message);
  }
  SECTION("a ClientHello fragmented over records, one byte each (5.1)") {
    const Bytes message = encode_client_hello(offer());
    Bytes wire;
    for (std::uint8_t byte : message) append(wire, record(22, Bytes{byte}));
    CHECK(probe(wire).answered());
  }
  SECTION("a ClientHello and the start of another message in one record (5.1)") {
    // The ServerHello changes the server's read keys: the ClientHello's record must end there.
    Bytes message = encode_client_hello(offer());
    message.push_back(20);
    CHECK(probe(record(22, message)).alert() == AlertDescription::unexpected_message);
  }
  SECTION("a ClientHello interleaved with a CCS (5.1)") {
    const Bytes message = encode_client_hello(offer());
    Bytes wire = record(22, ByteView(message).first(10));
    append(wire, Bytes{20, 3, 3, 0, 1, 1});
    append(wire, record(22, ByteView(message).subspan(10)));
    CHECK(probe(wire).alert() == AlertDescription::unexpected_message);
  }
  SECTION("a CCS before the ClientHello: unexpected_message (5)") {
    CHECK(probe(Bytes{20, 3, 1, 0, 1, 1}).alert() == AlertDescription::unexpected_message);
  }
  SECTION("a CCS of value 2 or of two bytes: unexpected_message (5)") {
    Bytes wire = hello_record(offer());
    append(wire, GENERATE(Bytes{20, 3, 3, 0, 1, 2}, Bytes{20, 3, 3, 0, 2, 1, 1}));
    CHECK(probe(wire).alert() == AlertDescription::unexpected_message);
  }
  SECTION("a CCS after the ClientHello is dropped (5, D.4)") {
    Bytes wire = hello_record(offer());
    // Sent before the client saw our ServerHello, in the ClientHello's record version.
    const std::uint8_t minor = GENERATE(0, 1, 3);
    append(wire, Bytes{20, 3, minor, 0, 1, 1});
    CHECK(probe(wire).answered());
  }
  SECTION("a plaintext alert from a client that failed on our ServerHello is reported") {
    Bytes wire = hello_record(offer());
    append(wire, Bytes{21, 3, 3, 0, 2, 2, 47});
    ServerProbe result = probe(wire);
    REQUIRE(result.observed.has<AlertReceived>());
    CHECK(result.observed.all<AlertReceived>()[0].description ==
          AlertDescription::illegal_parameter);
    CHECK(result.server->failed());
  }
}

// ================================================================ client

namespace {

// The first ClientHello our client queued (a single record).
ClientHello queued_hello(const Bytes& wire) {
  REQUIRE(wire.size() > 9);
  return decode_client_hello(ByteView(wire).subspan(9));
}

Extension tls13_selected() {
  return extension(ExtensionType::supported_versions, encode_selected_version(kTls13));
}

Bytes server_hello_record(const ClientHello& hello, std::uint16_t suite, Extensions extensions,
                          bool retry = false) {
  ServerHello server_hello;
  server_hello.random = retry ? to_bytes(hello_retry_request_random()) : Bytes(32, 0x5A);
  server_hello.legacy_session_id_echo = hello.legacy_session_id;
  server_hello.cipher_suite = suite;
  server_hello.extensions = std::move(extensions);
  return record(22, encode_server_hello(server_hello));
}

std::optional<AlertDescription> client_alert(ClientEngine& client) {
  Observed observed{client.take_events()};
  if (auto sent = observed.alert_sent()) return sent->description;
  return std::nullopt;
}

// A server written out by hand from the key schedule: it answers our client's x25519
// ClientHello with TLS_AES_128_GCM_SHA256, then the encrypted flight built from these parts.
struct ScriptedServer {
  Extensions encrypted_extensions;
  std::optional<Bytes> certificate_request;  // a whole message, sent after EncryptedExtensions
  Extensions leaf_extensions;                // of the server's (only) CertificateEntry
  std::uint16_t verify_algorithm = 0x0403;
  bool corrupt_signature = false;
  bool corrupt_finished = false;

  Transcript transcript;
  std::optional<MasterSecret> schedule;  // after the server Finished

  Bytes answer(const Bytes& client_wire) {
    const ClientHello hello = queued_hello(client_wire);
    transcript.select_hash(crypto::HashAlgorithm::Sha256);
    transcript.add(ByteView(client_wire).subspan(5));
    const crypto::KeyShare own = crypto::KeyShare::generate(crypto::KeyExchangeGroup::X25519);
    const Extension* shares = find_extension(hello.extensions, ExtensionType::key_share);
    REQUIRE(shares != nullptr);
    const auto client_shares = decode_client_key_shares(shares->data);
    REQUIRE(client_shares.front().group == kX25519);
    const auto shared = own.derive(client_shares.front().key_exchange);
    REQUIRE(shared.has_value());

    const Bytes server_hello = encode_server_hello(ServerHello{
        kTls12,
        Bytes(32, 0x5A),
        hello.legacy_session_id,
        0x1301,
        0,
        {tls13_selected(), extension(ExtensionType::key_share,
                                     encode_server_key_share({kX25519, own.public_key()}))}});
    transcript.add(server_hello);
    Bytes out = record(22, server_hello);
    HandshakeSecret handshake = EarlySecret(crypto::HashAlgorithm::Sha256)
                                    .into_handshake_secret(*shared, transcript.current_hash());
    RecordProtection protection(crypto::AeadAlgorithm::Aes128Gcm,
                                aes128_keys(handshake.server_handshake_traffic_secret()));
    auto send = [&](const Bytes& message) {
      transcript.add(message);
      append(out, protection.seal(ContentType::handshake, message));
    };
    send(encode_encrypted_extensions(EncryptedExtensions{encrypted_extensions}));
    if (certificate_request) send(*certificate_request);
    Certificate certificate;
    certificate.certificate_list.push_back({TestPki::get().server_ecdsa.der(), leaf_extensions});
    send(encode_certificate(certificate));
    CertificateVerify verify;
    verify.algorithm = verify_algorithm;
    verify.signature = TestPki::get().server_ecdsa.key->sign(
        crypto::SignatureScheme::ecdsa_secp256r1_sha256,
        certificate_verify_content(PeerRole::Server, transcript.current_hash()));
    if (corrupt_signature) verify.signature[verify.signature.size() / 2] ^= 1;
    send(encode_certificate_verify(verify));
    Bytes verify_data =
        compute_finished(crypto::HashAlgorithm::Sha256, handshake.server_handshake_traffic_secret(),
                         transcript.current_hash());
    if (corrupt_finished) verify_data[0] ^= 1;
    send(encode_finished(Finished{verify_data}));
    schedule.emplace(std::move(handshake).into_master_secret(transcript.current_hash()));
    return out;
  }

  // A handshake message after the handshake, under the server's application keys.
  Bytes post_handshake(const Bytes& message) {
    if (!application_write) {
      application_write = std::make_unique<RecordProtection>(
          crypto::AeadAlgorithm::Aes128Gcm,
          aes128_keys(schedule->server_application_traffic_secret()));
    }
    return application_write->seal(ContentType::handshake, message);
  }
  std::unique_ptr<RecordProtection> application_write;
};

ClientConfig scripted_client_config() {
  ClientConfig config = client_config();
  config.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
  return config;
}

// Our client (x25519 share, TLS_AES_128_GCM_SHA256) against the scripted server.
std::optional<AlertDescription> run_scripted(ScriptedServer& script, ClientConfig config,
                                             std::unique_ptr<ClientEngine>* keep = nullptr) {
  auto client = ClientEngine::create(std::move(config));
  client->receive(script.answer(client->take_output()));
  auto alert = client_alert(*client);
  if (keep != nullptr) *keep = std::move(client);
  return alert;
}
std::optional<AlertDescription> run_scripted(ScriptedServer& script,
                                             std::unique_ptr<ClientEngine>* keep = nullptr) {
  return run_scripted(script, scripted_client_config(), keep);
}

}  // namespace

TEST_CASE("client: the scripted server's flight is accepted", "[tls][conformance]") {
  ScriptedServer script;
  std::unique_ptr<ClientEngine> client;
  CHECK_FALSE(run_scripted(script, &client).has_value());
  CHECK(client->handshake_complete());
}

TEST_CASE("client: ServerHello checks (4.1.3, 4.2.1, 4.2.8)", "[tls][conformance]") {
  auto client = ClientEngine::create(client_config());
  const ClientHello hello = queued_hello(client->take_output());
  const Extension x25519_share = extension(
      ExtensionType::key_share,
      encode_server_key_share(
          {kX25519, crypto::KeyShare::generate(crypto::KeyExchangeGroup::X25519).public_key()}));
  Bytes wire;
  AlertDescription expected{};
  SECTION("a suite we did not offer: illegal_parameter") {
    wire = server_hello_record(hello, 0x1304, {tls13_selected(), x25519_share});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("a share for a group we did not offer: illegal_parameter") {
    wire = server_hello_record(
        hello, 0x1301,
        {tls13_selected(),
         extension(ExtensionType::key_share, encode_server_key_share({kX448, Bytes(56, 7)}))});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("TLS 1.2 with the downgrade sentinel: illegal_parameter") {
    ServerHello server_hello;
    server_hello.random = Bytes(32, 0x5A);
    const auto last = static_cast<std::uint8_t>(GENERATE(0x01, 0x00));
    const Bytes sentinel = {0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, last};
    std::copy(sentinel.begin(), sentinel.end(), server_hello.random.begin() + 24);
    server_hello.legacy_session_id_echo = hello.legacy_session_id;
    server_hello.cipher_suite = 0xC02B;
    wire = record(22, encode_server_hello(server_hello));
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("TLS 1.2 without the sentinel: protocol_version") {
    wire = server_hello_record(hello, 0xC02B, {});
    expected = AlertDescription::protocol_version;
  }
  SECTION("supported_versions selecting TLS 1.2: illegal_parameter") {
    wire = server_hello_record(
        hello, 0x1301,
        {extension(ExtensionType::supported_versions, encode_selected_version(kTls12)),
         x25519_share});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("legacy_session_id_echo that is not ours: illegal_parameter") {
    ClientHello other = hello;
    other.legacy_session_id[0] ^= 1;
    wire = server_hello_record(other, 0x1301, {tls13_selected(), x25519_share});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("compression method 1: illegal_parameter") {
    ServerHello server_hello{kTls12,
                             Bytes(32, 0x5A),
                             hello.legacy_session_id,
                             0x1301,
                             1,
                             {tls13_selected(), x25519_share}};
    wire = record(22, encode_server_hello(server_hello));
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("an extension we did not offer: unsupported_extension (4.2)") {
    wire = server_hello_record(
        hello, 0x1301,
        {tls13_selected(), x25519_share, extension(ExtensionType::pre_shared_key, Bytes{0, 0})});
    expected = AlertDescription::unsupported_extension;
  }
  SECTION("an offered extension not allowed in ServerHello: illegal_parameter (4.2)") {
    wire = server_hello_record(
        hello, 0x1301,
        {tls13_selected(), x25519_share,
         extension(ExtensionType::supported_groups, encode_code_point_list({kX25519}))});
    expected = AlertDescription::illegal_parameter;
  }
  SECTION("no key_share: missing_extension") {
    wire = server_hello_record(hello, 0x1301, {tls13_selected()});
    expected = AlertDescription::missing_extension;
  }
  client->receive(wire);
  CHECK(client_alert(*client) == expected);
}

TEST_CASE("client: HelloRetryRequest checks (4.1.4)", "[tls][conformance]") {
  auto client = ClientEngine::create(client_config());
  const ClientHello hello = queued_hello(client->take_output());
  auto retry_for = [&](std::uint16_t group) {
    return extension(ExtensionType::key_share, encode_hello_retry_key_share(group));
  };
  SECTION("an HRR that would not change the ClientHello: illegal_parameter") {
    client->receive(server_hello_record(hello, 0x1301, {tls13_selected()}, true));
    CHECK(client_alert(*client) == AlertDescription::illegal_parameter);
  }
  SECTION("an HRR for a group we did not offer: illegal_parameter") {
    client->receive(server_hello_record(hello, 0x1301, {tls13_selected(), retry_for(kX448)}, true));
    CHECK(client_alert(*client) == AlertDescription::illegal_parameter);
  }
  SECTION("an HRR for a suite we did not offer: illegal_parameter") {
    client->receive(
        server_hello_record(hello, 0x1304, {tls13_selected(), retry_for(kSecp256r1)}, true));
    CHECK(client_alert(*client) == AlertDescription::illegal_parameter);
  }
  SECTION("after the HRR") {
    const Bytes retry =
        server_hello_record(hello, 0x1301, {tls13_selected(), retry_for(kSecp256r1)}, true);
    client->receive(retry);
    REQUIRE_FALSE(client_alert(*client).has_value());
    const Bytes flight = client->take_output();
    REQUIRE(flight.size() > 6 + 9);
    // ClientHello 2 (after the compatibility CCS): one P-256 share, nothing else changed.
    ClientHello second = decode_client_hello(ByteView(flight).subspan(6 + 9));
    const Extension* share = find_extension(second.extensions, ExtensionType::key_share);
    REQUIRE(share != nullptr);
    const auto shares = decode_client_key_shares(share->data);
    REQUIRE(shares.size() == 1);
    CHECK(shares.front().group == kSecp256r1);
    CHECK(second.random == hello.random);
    CHECK(second.legacy_session_id == hello.legacy_session_id);
    CHECK(second.cipher_suites == hello.cipher_suites);

    SECTION("a second HRR: unexpected_message") {
      client->receive(retry);
      CHECK(client_alert(*client) == AlertDescription::unexpected_message);
    }
    SECTION("a ServerHello share for a group other than the HRR's: illegal_parameter") {
      client->receive(server_hello_record(
          hello, 0x1301,
          {tls13_selected(),
           extension(
               ExtensionType::key_share,
               encode_server_key_share(
                   {kX25519,
                    crypto::KeyShare::generate(crypto::KeyExchangeGroup::X25519).public_key()}))}));
      CHECK(client_alert(*client) == AlertDescription::illegal_parameter);
    }
    SECTION("a ServerHello with another suite than the HRR's: illegal_parameter") {
      client->receive(server_hello_record(
          hello, 0x1302,
          {tls13_selected(),
           extension(ExtensionType::key_share,
                     encode_server_key_share({kSecp256r1, crypto::KeyShare::generate(
                                                              crypto::KeyExchangeGroup::Secp256r1)
                                                              .public_key()}))}));
      CHECK(client_alert(*client) == AlertDescription::illegal_parameter);
    }
  }
}

TEST_CASE("client: EncryptedExtensions may carry only what 4.2 allows", "[tls][conformance]") {
  ScriptedServer script;
  SECTION("nothing at all, or server_name acknowledged: accepted") {
    if (GENERATE(false, true)) {
      script.encrypted_extensions.push_back(extension(ExtensionType::server_name, {}));
    }
    CHECK_FALSE(run_scripted(script).has_value());
  }
  SECTION("key_share: illegal_parameter") {
    script.encrypted_extensions.push_back(
        extension(ExtensionType::key_share, encode_server_key_share({kX25519, x25519_public()})));
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("supported_versions: illegal_parameter") {
    script.encrypted_extensions.push_back(tls13_selected());
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("signature_algorithms: illegal_parameter") {
    script.encrypted_extensions.push_back(
        extension(ExtensionType::signature_algorithms, encode_code_point_list({0x0403})));
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("an extension we never offered: unsupported_extension") {
    script.encrypted_extensions.push_back({16, Bytes{0, 3, 2, 'h', '2'}});  // ALPN
    CHECK(run_scripted(script) == AlertDescription::unsupported_extension);
  }
  SECTION("early_data we never offered: unsupported_extension") {
    script.encrypted_extensions.push_back(extension(ExtensionType::early_data, {}));
    CHECK(run_scripted(script) == AlertDescription::unsupported_extension);
  }
}

TEST_CASE("client: CertificateVerify and Finished (4.4.3, 4.4.4)", "[tls][conformance]") {
  ScriptedServer script;
  SECTION("rsa_pkcs1 schemes are not allowed in TLS 1.3: illegal_parameter") {
    script.verify_algorithm = GENERATE(0x0401, 0x0501, 0x0601, 0x0201);
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("a scheme we did not offer: illegal_parameter") {
    script.verify_algorithm = GENERATE(0x0807, 0x0603, 0x0806);
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("a scheme the certificate key cannot make: illegal_parameter") {
    script.verify_algorithm = 0x0804;
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("an ECDSA scheme for another curve than the key's: illegal_parameter") {
    script.verify_algorithm = 0x0503;  // offered, but the certificate key is P-256
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("a signature that does not verify: decrypt_error") {
    script.corrupt_signature = true;
    CHECK(run_scripted(script) == AlertDescription::decrypt_error);
  }
  SECTION("a Finished that does not match: decrypt_error") {
    script.corrupt_finished = true;
    CHECK(run_scripted(script) == AlertDescription::decrypt_error);
  }
}

TEST_CASE("client: CertificateRequest during the handshake (4.3.2)", "[tls][conformance]") {
  ScriptedServer script;
  const Bytes schemes = encode_code_point_list({0x0403});
  auto request = [&](Bytes context, bool with_schemes) {
    CertificateRequest message;
    message.certificate_request_context = std::move(context);
    if (with_schemes) {
      message.extensions.push_back(extension(ExtensionType::signature_algorithms, schemes));
    } else {
      message.extensions.push_back({0x7777, {}});
    }
    return encode_certificate_request(message);
  };
  SECTION("an empty context: accepted, the client answers without a certificate") {
    script.certificate_request = request({}, true);
    std::unique_ptr<ClientEngine> client;
    CHECK_FALSE(run_scripted(script, &client).has_value());
    CHECK(client->handshake_complete());
  }
  SECTION("a non-empty context: illegal_parameter") {
    script.certificate_request = request({7}, true);
    CHECK(run_scripted(script) == AlertDescription::illegal_parameter);
  }
  SECTION("without signature_algorithms: missing_extension") {
    script.certificate_request = request({}, false);
    CHECK(run_scripted(script) == AlertDescription::missing_extension);
  }
}

TEST_CASE("client: status_request in the server's CertificateEntry (4.4.2, 4.4.2.1)",
          "[tls][conformance][ocsp]") {
  ScriptedServer script;
  ClientConfig config = scripted_client_config();
  const Bytes response = {0x30, 0x03, 0x0A, 0x01, 0x00};  // OCSPResponse, status successful
  const auto status_request = [](Bytes data) {
    return extension(ExtensionType::status_request, std::move(data));
  };
  SECTION("asked for: the staple is accepted and kept") {
    config.request_status = StatusRequest::ocsp;
    script.leaf_extensions = {status_request(encode_certificate_status(response))};
    std::unique_ptr<ClientEngine> client;
    REQUIRE_FALSE(run_scripted(script, config, &client).has_value());
    CHECK(client->handshake_complete());
  }
  SECTION("not asked for: unsupported_extension (4.4.2)") {
    script.leaf_extensions = {status_request(encode_certificate_status(response))};
    CHECK(run_scripted(script, config) == AlertDescription::unsupported_extension);
  }
  SECTION("a malformed CertificateStatus: decode_error") {
    config.request_status = StatusRequest::ocsp;
    const Bytes malformed = GENERATE(Bytes{2, 0, 0, 5, 0x30, 0x03, 0x0A, 0x01, 0x00},  // type 2
                                     Bytes{1, 0, 0, 0},  // empty response
                                     Bytes{1, 0, 0, 6, 0x30, 0x03, 0x0A, 0x01, 0x00},  // long
                                     Bytes{1, 0, 0, 4, 0x30, 0x03, 0x0A, 0x01, 0x00},  // short
                                     Bytes{1}, Bytes{});
    CAPTURE(to_hex(malformed));
    script.leaf_extensions = {status_request(malformed)};
    CHECK(run_scripted(script, config) == AlertDescription::decode_error);
  }
}

TEST_CASE("client: messages after the handshake (4.6)", "[tls][conformance]") {
  ScriptedServer script;
  std::unique_ptr<ClientEngine> client;
  REQUIRE_FALSE(run_scripted(script, &client).has_value());
  REQUIRE(client->handshake_complete());
  SECTION("NewSessionTickets are tolerated") {
    // ticket_lifetime, ticket_age_add, ticket_nonce<0..255>, ticket<1..2^16-1>, extensions.
    const Bytes body = {0, 0, 0x1C, 0x20, 1, 2, 3, 4, 1, 0, 0, 3, 'a', 'b', 'c', 0, 0};
    Bytes message = {4, 0, 0, static_cast<std::uint8_t>(body.size())};
    append(message, body);
    Bytes tickets = script.post_handshake(message);
    append(tickets, script.post_handshake(message));  // OpenSSL sends two
    client->receive(tickets);
    CHECK_FALSE(client_alert(*client).has_value());
    CHECK_FALSE(client->failed());
  }
  SECTION("a post-handshake CertificateRequest we never allowed: unexpected_message (4.6.2)") {
    Bytes body = {1, 0x42};
    const Bytes schemes = encode_code_point_list({0x0403});
    const std::size_t length = 4 + schemes.size();
    append(body, Bytes{0, static_cast<std::uint8_t>(length), 0, 13, 0,
                       static_cast<std::uint8_t>(schemes.size())});
    append(body, schemes);
    Bytes message = {13, 0, 0, static_cast<std::uint8_t>(body.size())};
    append(message, body);
    client->receive(script.post_handshake(message));
    CHECK(client_alert(*client) == AlertDescription::unexpected_message);
  }
}

// ================================================================ server: the client's flight

namespace {

// The server after its flight, and the client's handshake keys to forge the client's flight.
struct AwaitingClientFlight {
  std::unique_ptr<ServerEngine> server;
  std::unique_ptr<RecordProtection> client_write;
  std::optional<AlertDescription> alert_after(const Bytes& message) {
    server->receive(client_write->seal(ContentType::handshake, message));
    Observed observed{server->take_events()};
    if (auto sent = observed.alert_sent()) return sent->description;
    return std::nullopt;
  }
};

AwaitingClientFlight awaiting_client_flight(ServerConfig config = default_server()) {
  auto log = std::make_shared<std::vector<std::string>>();
  ClientConfig client_cfg = client_config();
  client_cfg.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
  client_cfg.key_log = [log](const std::string& line) { log->push_back(line); };
  auto client = ClientEngine::create(client_cfg);
  AwaitingClientFlight out{ServerEngine::create(std::move(config)), nullptr};
  out.server->receive(client->take_output());
  client->receive(out.server->take_output());
  REQUIRE(client->handshake_complete());
  (void)client->take_output();  // its real flight is dropped
  out.client_write = std::make_unique<RecordProtection>(
      crypto::AeadAlgorithm::Aes128Gcm,
      aes128_keys(secret_from_log(*log, "CLIENT_HANDSHAKE_TRAFFIC_SECRET")));
  return out;
}

}  // namespace

TEST_CASE("unprotected alerts once the peer has keys are unexpected_message (5)",
          "[tls][conformance]") {
  SECTION("server, after a protected record of the client opened") {
    AwaitingClientFlight flight = awaiting_client_flight();
    const Bytes update = encode_key_update(KeyUpdate{false});
    flight.server->receive(
        flight.client_write->seal(ContentType::handshake, ByteView(update).first(2)));
    REQUIRE(flight.server->take_events().empty());
    flight.server->receive(Bytes{21, 3, 3, 0, 2, 2, 40});
    Observed observed{flight.server->take_events()};
    REQUIRE(observed.alert_sent().has_value());
    CHECK(observed.alert_sent()->description == AlertDescription::unexpected_message);
  }
  SECTION("client, after the ServerHello") {
    ScriptedServer script;
    ClientConfig config = client_config();
    config.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
    auto client = ClientEngine::create(config);
    Bytes flight = script.answer(client->take_output());
    const std::size_t server_hello = 5 + ((std::size_t{flight[3]} << 8) | flight[4]);
    flight.resize(server_hello);
    append(flight, Bytes{21, 3, 3, 0, 2, 2, 40});
    client->receive(flight);
    CHECK(client_alert(*client) == AlertDescription::unexpected_message);
  }
}

TEST_CASE("server: the client's flight (4.4)", "[tls][conformance]") {
  SECTION("a Finished that does not match: decrypt_error (4.4.4)") {
    AwaitingClientFlight flight = awaiting_client_flight();
    CHECK(flight.alert_after(encode_finished(Finished{Bytes(32, 0x0F)})) ==
          AlertDescription::decrypt_error);
  }
  SECTION("a Finished of the wrong length: decode_error (4.4.4)") {
    AwaitingClientFlight flight = awaiting_client_flight();
    CHECK(flight.alert_after(Bytes{20, 0, 0, 2, 0, 0}) == AlertDescription::decode_error);
  }
  SECTION("a Finished announcing more than the handshake size cap: decode_error (4.4.4)") {
    // The header alone is refused: 2^24-1 bytes are never buffered.
    AwaitingClientFlight flight = awaiting_client_flight();
    CHECK(flight.alert_after(Bytes{20, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}) ==
          AlertDescription::decode_error);
  }
  SECTION("a whole Finished just over a lowered cap: decode_error, not illegal_parameter") {
    ServerConfig config = default_server();
    config.limits.max_handshake_message = 4096;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    Bytes finished = frame_handshake(HandshakeType::finished, Bytes(4097, 0));
    CHECK(flight.alert_after(finished) == AlertDescription::decode_error);
  }
  SECTION("a Certificate over the cap stays illegal_parameter") {
    ServerConfig config = default_server();
    config.client_authentication = ClientAuthentication::optional;
    config.limits.max_handshake_message = 4096;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    CHECK(flight.alert_after(Bytes{11, 0, 0x10, 0x01, 0}) == AlertDescription::illegal_parameter);
  }
  SECTION("a Certificate we did not ask for: unexpected_message (4.4.2)") {
    AwaitingClientFlight flight = awaiting_client_flight();
    CHECK(flight.alert_after(encode_certificate(Certificate{})) ==
          AlertDescription::unexpected_message);
  }
  SECTION("EndOfEarlyData after 0-RTT was never accepted: unexpected_message (4.5)") {
    AwaitingClientFlight flight = awaiting_client_flight();
    CHECK(flight.alert_after(Bytes{5, 0, 0, 0}) == AlertDescription::unexpected_message);
  }
  SECTION("application data before the client Finished: unexpected_message") {
    AwaitingClientFlight flight = awaiting_client_flight();
    flight.server->receive(flight.client_write->seal(ContentType::application_data, Bytes{1}));
    Observed observed{flight.server->take_events()};
    REQUIRE(observed.alert_sent().has_value());
    CHECK(observed.alert_sent()->description == AlertDescription::unexpected_message);
  }
  SECTION("zero-length application data before the client Finished: unexpected_message") {
    // tlsfuzzer's test-tls13-zero-length-data: "zero-length app data during handshake".
    AwaitingClientFlight flight = awaiting_client_flight();
    flight.server->receive(flight.client_write->seal(ContentType::application_data, Bytes{}));
    Observed observed{flight.server->take_events()};
    REQUIRE(observed.alert_sent().has_value());
    CHECK(observed.alert_sent()->description == AlertDescription::unexpected_message);
  }
  SECTION("with a CertificateRequest: Finished instead of Certificate: unexpected_message") {
    ServerConfig config = default_server();
    config.client_authentication = ClientAuthentication::optional;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    CHECK(flight.alert_after(encode_finished(Finished{Bytes(32, 0x0F)})) ==
          AlertDescription::unexpected_message);
  }
  SECTION("with a CertificateRequest: a certificate_request_context we never sent") {
    ServerConfig config = default_server();
    config.client_authentication = ClientAuthentication::optional;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    Certificate certificate;
    certificate.certificate_request_context = {1};
    CHECK(flight.alert_after(encode_certificate(certificate)) ==
          AlertDescription::illegal_parameter);
  }
  SECTION("a status_request we did not send in CertificateRequest: unsupported_extension") {
    ServerConfig config = default_server();
    config.client_authentication = ClientAuthentication::optional;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    Certificate certificate;
    certificate.certificate_list.push_back(
        {TestPki::get().client_ecdsa.der(),
         {extension(ExtensionType::status_request,
                    encode_certificate_status(Bytes{0x30, 0x03, 0x0A, 0x01, 0x00}))}});
    CHECK(flight.alert_after(encode_certificate(certificate)) ==
          AlertDescription::unsupported_extension);
  }
  SECTION("asked for: a status_request on a non-leaf entry is accepted and ignored") {
    ServerConfig config = default_server();
    config.client_authentication = ClientAuthentication::optional;
    config.request_client_status = StatusRequest::ocsp;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    Certificate certificate;
    certificate.certificate_list.push_back({TestPki::get().client_ecdsa.der(), {}});
    certificate.certificate_list.push_back(
        {TestPki::get().root.der(),
         {extension(ExtensionType::status_request, Bytes{2, 0, 0, 1, 0})}});
    CHECK_FALSE(flight.alert_after(encode_certificate(certificate)).has_value());
    CHECK(flight.server->state_name() == "ExpectClientCertificateVerify");
  }
  SECTION("a malformed CertificateStatus from the client: decode_error") {
    ServerConfig config = default_server();
    config.client_authentication = ClientAuthentication::optional;
    config.request_client_status = StatusRequest::ocsp;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    const Bytes malformed = GENERATE(Bytes{2, 0, 0, 1, 0}, Bytes{1, 0, 0, 0}, Bytes{1, 0, 0, 2, 0});
    CAPTURE(to_hex(malformed));
    Certificate certificate;
    certificate.certificate_list.push_back(
        {TestPki::get().client_ecdsa.der(), {extension(ExtensionType::status_request, malformed)}});
    CHECK(flight.alert_after(encode_certificate(certificate)) == AlertDescription::decode_error);
  }
  SECTION("with a required certificate, an empty one: certificate_required (4.4.2.4)") {
    ServerConfig config = default_server();
    config.client_authentication = ClientAuthentication::required;
    AwaitingClientFlight flight = awaiting_client_flight(config);
    CHECK(flight.alert_after(encode_certificate(Certificate{})) ==
          AlertDescription::certificate_required);
  }
}
