// OCSP stapling in TLS 1.3 (RFC 8446 section 4.4.2.1, RFC 6066 section 8): the status_request
// codecs byte for byte, and client and server engines stapling to each other in memory, with a
// verifier that records exactly what it was handed.
#include <catch2/catch.hpp>
#include <mutex>

#include "common/crypto/random.hpp"
#include "common/tls/handshake/certificate.hpp"
#include "common/tls/handshake/client_hello.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

namespace {

// Delegates to the test PKI's verifier and records every staple it is handed; a staple makes
// the revocation evidence stapled_good, so that the summary's copy can be checked.
class RecordingVerifier final : public CertificateVerifier {
 public:
  CertificateCheck verify(const std::vector<Bytes>& chain_der, PeerRole role,
                          const std::string& expected_server_name,
                          ByteView stapled_ocsp = {}) const override {
    {
      std::lock_guard lock(mutex_);
      staples_.push_back(to_bytes(stapled_ocsp));
    }
    CertificateCheck check = TestPki::get().verifier->verify(chain_der, role, expected_server_name);
    if (!stapled_ocsp.empty()) check.revocation = RevocationEvidence::stapled_good;
    return check;
  }
  std::vector<Bytes> staples() const {
    std::lock_guard lock(mutex_);
    return staples_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::vector<Bytes> staples_;
};

// A staple source that counts how often the engine asked it.
struct CountingSource {
  std::shared_ptr<int> calls = std::make_shared<int>(0);
  std::optional<Bytes> response;
  OcspStapleSource source() const {
    return [calls = calls, response = response] {
      ++*calls;
      return response;
    };
  }
};

// Not a real OCSP response: the engines never parse it, they carry it.
Bytes fake_ocsp_response(std::size_t size = 1500) {
  Bytes response = crypto::random_bytes(size);
  response[0] = 0x30;  // a DER SEQUENCE, as an OCSPResponse starts
  return response;
}

struct StaplingRun {
  std::unique_ptr<ClientEngine> client;
  std::unique_ptr<ServerEngine> server;
  Pump pump;
  std::vector<Bytes> client_plaintext_handshakes;  // the ClientHellos, as sent

  HandshakeSummary client_summary() const {
    auto done = pump.client.all<HandshakeComplete>();
    REQUIRE(done.size() == 1);
    return done[0].summary;
  }
  HandshakeSummary server_summary() const {
    auto done = pump.server.all<HandshakeComplete>();
    REQUIRE(done.size() == 1);
    return done[0].summary;
  }
};

// Plaintext handshake records in what the client sent (the ClientHellos), one message each.
void collect_plaintext_handshakes(const Bytes& wire, std::vector<Bytes>& out) {
  std::size_t at = 0;
  while (at + 5 <= wire.size()) {
    const std::size_t length = (std::size_t{wire[at + 3]} << 8) | wire[at + 4];
    if (wire[at] == 22) {
      out.emplace_back(wire.begin() + static_cast<std::ptrdiff_t>(at + 5),
                       wire.begin() + static_cast<std::ptrdiff_t>(at + 5 + length));
    }
    at += 5 + length;
  }
}

std::unique_ptr<StaplingRun> run_handshake(ClientConfig client_cfg, ServerConfig server_cfg) {
  auto run = std::make_unique<StaplingRun>();
  run->client = ClientEngine::create(std::move(client_cfg));
  run->server = ServerEngine::create(std::move(server_cfg));
  StaplingRun* self = run.get();
  run->pump.tamper_to_server = [self](Bytes& wire) {
    collect_plaintext_handshakes(wire, self->client_plaintext_handshakes);
  };
  run->pump.run(*run->client, *run->server);
  return run;
}

std::optional<Extension> status_request_of(const Bytes& client_hello_message) {
  const ClientHello hello = decode_client_hello(ByteView(client_hello_message).subspan(4));
  const Extension* status = find_extension(hello.extensions, ExtensionType::status_request);
  if (status == nullptr) return std::nullopt;
  return *status;
}

}  // namespace

// ---------------------------------------------------------------- codecs

TEST_CASE("status_request codecs follow RFC 6066 section 8 byte for byte", "[tls][ocsp]") {
  CHECK(encode_certificate_status_request({}) == Bytes{1, 0, 0, 0, 0});
  const auto empty = decode_certificate_status_request(Bytes{1, 0, 0, 0, 0});
  REQUIRE(empty.has_value());
  CHECK(empty->responder_id_list.empty());
  CHECK(empty->request_extensions.empty());

  CertificateStatusRequest named;
  named.responder_id_list = {Bytes{0xA2, 0x02, 0x04, 0x00}, Bytes{0x01}};
  named.request_extensions = {0x30, 0x00};
  const Bytes encoded = encode_certificate_status_request(named);
  CHECK(encoded == Bytes{1, 0, 9, 0, 4, 0xA2, 0x02, 0x04, 0x00, 0, 1, 0x01, 0, 2, 0x30, 0x00});
  const auto decoded = decode_certificate_status_request(encoded);
  REQUIRE(decoded.has_value());
  CHECK(decoded->responder_id_list == named.responder_id_list);
  CHECK(decoded->request_extensions == named.request_extensions);

  // A status_type we do not know: nothing to read, nothing asked of us.
  CHECK_FALSE(decode_certificate_status_request(Bytes{2, 0, 0, 0, 0}).has_value());

  const Bytes response = {0x30, 0x03, 0x0A, 0x01, 0x00};
  CHECK(encode_certificate_status(response) == Bytes{1, 0, 0, 5, 0x30, 0x03, 0x0A, 0x01, 0x00});
  CHECK(decode_certificate_status(encode_certificate_status(response)) == response);
  const Bytes large = fake_ocsp_response(70000);  // beyond a 16-bit length
  CHECK(decode_certificate_status(encode_certificate_status(large)) == large);
  CHECK_THROWS_AS(encode_certificate_status(Bytes{}), std::invalid_argument);
  CHECK(extension_name(5) == "status_request");
}

TEST_CASE("malformed status_request and CertificateStatus are decode_error", "[tls][ocsp]") {
  const auto alert_of = [](const auto& decode) -> std::optional<AlertDescription> {
    try {
      decode();
    } catch (const ProtocolError& error) {
      return error.alert();
    }
    return std::nullopt;
  };
  SECTION("CertificateStatus") {
    const Bytes malformed =
        GENERATE(Bytes{}, Bytes{1}, Bytes{1, 0, 0}, Bytes{2, 0, 0, 1, 0x30},  // status_type 2
                 Bytes{0, 0, 0, 1, 0x30},                                     // status_type 0
                 Bytes{1, 0, 0, 0},                                           // empty OCSPResponse
                 Bytes{1, 0, 0, 2, 0x30},         // length beyond the data
                 Bytes{1, 0, 0, 1, 0x30, 0x00});  // bytes after it
    CAPTURE(to_hex(malformed));
    CHECK(alert_of([&] { decode_certificate_status(malformed); }) ==
          AlertDescription::decode_error);
  }
  SECTION("CertificateStatusRequest") {
    const Bytes malformed =
        GENERATE(Bytes{}, Bytes{1}, Bytes{1, 0}, Bytes{1, 0, 0}, Bytes{1, 0, 0, 0},
                 Bytes{1, 0, 0, 0, 1}, Bytes{1, 0, 0, 0, 0, 0},  // trailing byte
                 Bytes{1, 0, 2, 0, 0, 0, 0},                     // empty ResponderID
                 Bytes{1, 0, 3, 0, 2, 0, 0, 0});                 // a ResponderID past the list
    CAPTURE(to_hex(malformed));
    CHECK(alert_of([&] { decode_certificate_status_request(malformed); }) ==
          AlertDescription::decode_error);
  }
}

TEST_CASE("the ClientHello asks for a staple exactly as RFC 6066 section 8 says", "[tls][ocsp]") {
  ClientConfig config = client_config();
  SECTION("request_status ocsp: 00 05 00 05 01 00 00 00 00") {
    config.request_status = StatusRequest::ocsp;
    auto client = ClientEngine::create(config);
    const Bytes wire = client->take_output();
    const Bytes expected = {0x00, 0x05, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00};
    CHECK(std::search(wire.begin(), wire.end(), expected.begin(), expected.end()) != wire.end());
    const ClientHello hello = decode_client_hello(ByteView(wire).subspan(9));
    const Extension* status = find_extension(hello.extensions, ExtensionType::status_request);
    REQUIRE(status != nullptr);
    CHECK(status->data == Bytes{1, 0, 0, 0, 0});
  }
  SECTION("request_status none: no status_request") {
    auto client = ClientEngine::create(config);
    const Bytes wire = client->take_output();
    const ClientHello hello = decode_client_hello(ByteView(wire).subspan(9));
    CHECK(find_extension(hello.extensions, ExtensionType::status_request) == nullptr);
  }
}

// ---------------------------------------------------------------- engines

TEST_CASE("the server staples its OCSP response for a client that asks", "[tls][engine][ocsp]") {
  const auto& pki = TestPki::get();
  const Bytes response = fake_ocsp_response();
  auto recorder = std::make_shared<RecordingVerifier>();
  ClientConfig client_cfg = client_config();
  client_cfg.verifier = recorder;
  client_cfg.request_status = StatusRequest::ocsp;
  CountingSource source{.response = response};
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  server_cfg.ocsp_staple = source.source();
  const bool retry = GENERATE(false, true);
  CAPTURE(retry);
  if (retry) client_cfg.key_share_groups = {NamedGroup::secp256r1};  // server wants x25519
  server_cfg.groups = {NamedGroup::x25519};

  auto run = run_handshake(client_cfg, server_cfg);
  REQUIRE_FALSE(run->pump.client.alert_sent());
  REQUIRE_FALSE(run->pump.server.alert_sent());
  REQUIRE(run->client->handshake_complete());
  REQUIRE(run->server->handshake_complete());
  CHECK(recorder->staples() == std::vector<Bytes>{response});
  const HandshakeSummary summary = run->client_summary();
  CHECK(summary.hello_retry_request == retry);
  CHECK(summary.peer_ocsp_response == response);
  CHECK(summary.peer_revocation == RevocationEvidence::stapled_good);
  CHECK(*source.calls == 1);
  // Every ClientHello, the one after HelloRetryRequest included, asks (RFC 8446 4.1.2).
  REQUIRE(run->client_plaintext_handshakes.size() == (retry ? 2u : 1u));
  for (const Bytes& hello : run->client_plaintext_handshakes) {
    const std::optional<Extension> status = status_request_of(hello);
    REQUIRE(status.has_value());
    CHECK(status->data == Bytes{1, 0, 0, 0, 0});
  }
}

TEST_CASE("no staple when none is asked for or none is at hand", "[tls][engine][ocsp]") {
  const auto& pki = TestPki::get();
  auto recorder = std::make_shared<RecordingVerifier>();
  ClientConfig client_cfg = client_config();
  client_cfg.verifier = recorder;
  CountingSource source;
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  SECTION("the client does not ask: the source is not even consulted") {
    source.response = fake_ocsp_response();
    server_cfg.ocsp_staple = source.source();
    auto run = run_handshake(client_cfg, server_cfg);
    REQUIRE(run->client->handshake_complete());
    CHECK(*source.calls == 0);
    CHECK(recorder->staples() == std::vector<Bytes>{Bytes{}});
    CHECK_FALSE(run->client_summary().peer_ocsp_response);
    CHECK(run->client_summary().peer_revocation == RevocationEvidence::not_checked);
  }
  SECTION("the client asks, the source has nothing") {
    client_cfg.request_status = StatusRequest::ocsp;
    server_cfg.ocsp_staple = source.source();
    auto run = run_handshake(client_cfg, server_cfg);
    REQUIRE(run->client->handshake_complete());
    CHECK(*source.calls == 1);
    CHECK(recorder->staples() == std::vector<Bytes>{Bytes{}});
    CHECK_FALSE(run->client_summary().peer_ocsp_response);
  }
  SECTION("the client asks, the source returns an empty response: nothing stapled") {
    client_cfg.request_status = StatusRequest::ocsp;
    source.response = Bytes{};
    server_cfg.ocsp_staple = source.source();
    auto run = run_handshake(client_cfg, server_cfg);
    REQUIRE(run->client->handshake_complete());
    CHECK_FALSE(run->client_summary().peer_ocsp_response);
  }
  SECTION("the client asks, the server has no source") {
    client_cfg.request_status = StatusRequest::ocsp;
    auto run = run_handshake(client_cfg, server_cfg);
    REQUIRE(run->client->handshake_complete());
    CHECK_FALSE(run->client_summary().peer_ocsp_response);
  }
}

TEST_CASE("the client staples its OCSP response when the CertificateRequest asks",
          "[tls][engine][ocsp]") {
  const auto& pki = TestPki::get();
  const Bytes response = fake_ocsp_response();
  auto recorder = std::make_shared<RecordingVerifier>();
  ClientConfig client_cfg = client_config();
  client_cfg.credentials = credentials_of(pki.client_ecdsa);
  CountingSource source{.response = response};
  client_cfg.ocsp_staple = source.source();
  ServerConfig server_cfg = server_config(pki.server_ecdsa);
  server_cfg.verifier = recorder;
  server_cfg.client_authentication = ClientAuthentication::required;

  SECTION("asked: the server's verifier gets the exact bytes") {
    server_cfg.request_client_status = StatusRequest::ocsp;
    auto run = run_handshake(client_cfg, server_cfg);
    REQUIRE_FALSE(run->pump.server.alert_sent());
    REQUIRE(run->server->handshake_complete());
    REQUIRE(run->client->handshake_complete());
    CHECK(recorder->staples() == std::vector<Bytes>{response});
    const HandshakeSummary summary = run->server_summary();
    CHECK(summary.peer_ocsp_response == response);
    CHECK(summary.peer_revocation == RevocationEvidence::stapled_good);
    CHECK(*source.calls == 1);
    // The server did not ask the client to staple and the client did not ask the server.
    CHECK_FALSE(run->client_summary().peer_ocsp_response);
  }
  SECTION("not asked: nothing stapled, and the handshake completes") {
    auto run = run_handshake(client_cfg, server_cfg);
    REQUIRE_FALSE(run->pump.server.alert_sent());
    REQUIRE(run->server->handshake_complete());
    CHECK(*source.calls == 0);
    CHECK(recorder->staples() == std::vector<Bytes>{Bytes{}});
    CHECK_FALSE(run->server_summary().peer_ocsp_response);
  }
  SECTION("asked, but the client's source has nothing") {
    server_cfg.request_client_status = StatusRequest::ocsp;
    source.response.reset();
    client_cfg.ocsp_staple = source.source();
    auto run = run_handshake(client_cfg, server_cfg);
    REQUIRE(run->server->handshake_complete());
    CHECK(*source.calls == 1);
    CHECK_FALSE(run->server_summary().peer_ocsp_response);
  }
}

TEST_CASE("both directions staple in one mutually authenticated handshake", "[tls][engine][ocsp]") {
  const auto& pki = TestPki::get();
  const Bytes server_response = fake_ocsp_response(700);
  const Bytes client_response = fake_ocsp_response(900);
  auto client_side = std::make_shared<RecordingVerifier>();
  auto server_side = std::make_shared<RecordingVerifier>();
  ClientConfig client_cfg = client_config();
  client_cfg.verifier = client_side;
  client_cfg.request_status = StatusRequest::ocsp;
  client_cfg.credentials = credentials_of(pki.client_rsa);
  client_cfg.ocsp_staple = [client_response] { return std::optional<Bytes>(client_response); };
  ServerConfig server_cfg = server_config(pki.server_rsa);
  server_cfg.verifier = server_side;
  server_cfg.client_authentication = ClientAuthentication::required;
  server_cfg.request_client_status = StatusRequest::ocsp;
  server_cfg.ocsp_staple = [server_response] { return std::optional<Bytes>(server_response); };
  Pump pump;
  pump.chunk = 7;  // the staples cross record and read boundaries
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_cfg);
  pump.run(*client, *server);
  REQUIRE(client->handshake_complete());
  REQUIRE(server->handshake_complete());
  CHECK(client_side->staples() == std::vector<Bytes>{server_response});
  CHECK(server_side->staples() == std::vector<Bytes>{client_response});
  CHECK(pump.client.all<HandshakeComplete>()[0].summary.peer_ocsp_response == server_response);
  CHECK(pump.server.all<HandshakeComplete>()[0].summary.peer_ocsp_response == client_response);
}
