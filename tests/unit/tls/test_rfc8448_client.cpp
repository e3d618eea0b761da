// Replays RFC 8448 traces against our ClientEngine. With the RFC's ClientHello, X25519 private key
// and random injected through TestHooks, the engine fed the RFC's server records must emit the
// RFC's client records byte for byte (Finished, application data, close_notify) and report the
// RFC's parameters: section 3 (simple 1-RTT), section 7 (compatibility mode) and section 6 (client
// authentication, where our client signs with its own key).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/crypto/aead.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/certificate_verifier.hpp"
#include "common/tls/engine.hpp"
#include "common/tls/key_schedule.hpp"
#include "tests/unit/tls/rfc8448_client_auth.hpp"
#include "tests/unit/tls/rfc8448_compatibility_mode.hpp"
#include "tests/unit/tls/rfc8448_simple_1rtt.hpp"
#include "tests/unit/tls/rfc8448_test_support.hpp"

namespace {

namespace rfc = sc::test::rfc8448::simple_1rtt;
using sc::test::rfc8448::hex;
using namespace sc::tls;
using sc::Bytes;
using sc::from_hex;

// Accepts exactly the RFC's server certificate, as the only certificate of the chain.
class RfcServerCertificate final : public CertificateVerifier {
 public:
  CertificateCheck verify(const std::vector<Bytes>& chain_der, PeerRole role,
                          const std::string& expected_server_name,
                          sc::ByteView /*stapled_ocsp*/ = {}) const override {
    ++calls;
    seen_server_name = expected_server_name;
    CertificateCheck check;
    if (role == PeerRole::Server && chain_der.size() == 1 &&
        chain_der[0] == from_hex(rfc::server_certificate_der)) {
      check.accepted = true;
      check.subject = "CN=rsa (RFC 8448 server)";
    } else {
      check.accepted = false;
      check.alert = AlertDescription::bad_certificate;
      check.reason = "not the RFC 8448 server certificate";
    }
    return check;
  }
  mutable int calls = 0;
  mutable std::string seen_server_name;
};

struct Replay {
  std::shared_ptr<RfcServerCertificate> verifier = std::make_shared<RfcServerCertificate>();
  std::vector<std::string> key_log;
  int other_random_requests = 0;
  std::unique_ptr<ClientEngine> engine;
};

// The ClientHello, random and x25519 private key of one RFC 8448 trace (section 3 by default).
struct ClientInputs {
  std::string_view client_hello = rfc::client_hello;
  std::string_view client_random = rfc::client_random;
  std::string_view x25519_private_key = rfc::client_x25519_private_key;
};

// The client as in the RFC: its ClientHello, random and x25519 share. other_verifier replaces the
// one accepting the RFC's certificate.
std::unique_ptr<Replay> make_replay(
    std::shared_ptr<const CertificateVerifier> other_verifier = nullptr, ClientInputs inputs = {}) {
  auto replay = std::make_unique<Replay>();
  ClientConfig config;
  config.server_name = "server";  // the RFC's server_name extension
  config.verifier = other_verifier ? std::move(other_verifier) : replay->verifier;
  auto* state = replay.get();
  config.key_log = [state](const std::string& line) { state->key_log.push_back(line); };
  config.test_hooks.client_hello_message = from_hex(inputs.client_hello);
  config.test_hooks.random = [state, inputs](sc::MutableByteView out) {
    const Bytes client_random = from_hex(inputs.client_random);
    if (out.size() == client_random.size()) {
      std::copy(client_random.begin(), client_random.end(), out.begin());
    } else {
      ++state->other_random_requests;
      std::fill(out.begin(), out.end(), std::uint8_t{0x42});
    }
  };
  config.test_hooks.key_share = [inputs](sc::crypto::KeyExchangeGroup group) {
    REQUIRE(group == sc::crypto::KeyExchangeGroup::X25519);
    return sc::crypto::KeyShare::from_private_key(group, from_hex(inputs.x25519_private_key));
  };
  replay->engine = ClientEngine::create(std::move(config));
  return replay;
}

template <typename T>
std::vector<T> events_of(const std::vector<Event>& events) {
  std::vector<T> found;
  for (const auto& event : events) {
    if (const auto* e = std::get_if<T>(&event)) found.push_back(*e);
  }
  return found;
}

std::string describe(const std::vector<Event>& events) {
  std::string text;
  for (const auto& event : events) {
    if (const auto* sent = std::get_if<AlertSent>(&event)) {
      text +=
          std::string("AlertSent(") + alert_name(sent->description) + ": " + sent->reason + ") ";
    } else if (const auto* received = std::get_if<AlertReceived>(&event)) {
      text += std::string("AlertReceived(") + alert_name(received->description) + ") ";
    } else {
      text += "event#" + std::to_string(event.index()) + " ";
    }
  }
  return text;
}

void feed(ClientEngine& engine, std::string_view record_hex, bool byte_at_a_time) {
  const Bytes bytes = from_hex(record_hex);
  if (!byte_at_a_time) {
    engine.receive(bytes);
    return;
  }
  for (const auto byte : bytes) engine.receive(sc::ByteView(&byte, 1));
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

TEST_CASE("RFC 8448 1-RTT replay: our client sends the RFC's records byte for byte",
          "[tls][rfc8448][engine]") {
  const bool byte_at_a_time = GENERATE(false, true);
  INFO((byte_at_a_time ? "server records fed one byte at a time" : "whole server records"));
  auto replay = make_replay();
  ClientEngine& engine = *replay->engine;

  // ClientHello, in a record with legacy version 0x0301.
  CHECK(hex(engine.take_output()) == rfc::client_hello_record);
  CHECK(engine.take_events().empty());
  CHECK_FALSE(engine.handshake_complete());

  feed(engine, rfc::server_hello_record, byte_at_a_time);
  {
    const auto events = engine.take_events();
    INFO("events after ServerHello: " << describe(events));
    CHECK(events.empty());
  }
  CHECK(engine.take_output().empty());  // no ChangeCipherSpec: the RFC's session id is empty

  feed(engine, rfc::server_flight_record, byte_at_a_time);
  const auto events = engine.take_events();
  INFO("events after the server flight: " << describe(events));
  // No ChangeCipherSpec: the RFC's legacy_session_id is empty (RFC 8446 appendix D.4).
  CHECK(hex(engine.take_output()) == rfc::client_finished_record);
  REQUIRE(engine.handshake_complete());
  CHECK_FALSE(engine.failed());
  CHECK(replay->verifier->calls == 1);
  CHECK(replay->verifier->seen_server_name == "server");

  const auto complete = events_of<HandshakeComplete>(events);
  REQUIRE(complete.size() == 1);
  const HandshakeSummary& summary = complete[0].summary;
  CHECK(summary.suite == CipherSuite::TLS_AES_128_GCM_SHA256);
  CHECK(summary.group == NamedGroup::x25519);
  CHECK_FALSE(summary.hello_retry_request);
  CHECK(summary.peer_signature_scheme == sc::crypto::SignatureScheme::rsa_pss_rsae_sha256);
  CHECK_FALSE(summary.own_signature_scheme.has_value());
  REQUIRE(summary.peer_certificate_chain.size() == 1);
  CHECK(hex(summary.peer_certificate_chain[0]) == rfc::server_certificate_der);
  CHECK(summary.peer_subject == "CN=rsa (RFC 8448 server)");
  CHECK(summary.server_name == "server");

  // After the handshake: the NewSessionTicket is accepted silently, the server's application data
  // arrives, ours is protected exactly as in the RFC, and both sides close.
  feed(engine, rfc::new_session_ticket_record, byte_at_a_time);
  {
    const auto after_ticket = engine.take_events();
    INFO("events after NewSessionTicket: " << describe(after_ticket));
    CHECK(after_ticket.empty());
  }
  CHECK(engine.take_output().empty());

  engine.send_application_data(from_hex(rfc::client_application_data));
  CHECK(hex(engine.take_output()) == rfc::client_application_data_record);

  feed(engine, rfc::server_application_data_record, byte_at_a_time);
  const auto data_events = engine.take_events();
  INFO("events after server application data: " << describe(data_events));
  const auto data = events_of<ApplicationData>(data_events);
  REQUIRE(data.size() == 1);
  CHECK(hex(data[0].data) == rfc::server_application_data);

  engine.close();
  CHECK(engine.local_closed());
  CHECK(hex(engine.take_output()) == rfc::client_alert_record);

  feed(engine, rfc::server_alert_record, byte_at_a_time);
  const auto close_events = engine.take_events();
  INFO("events after the server's close_notify: " << describe(close_events));
  CHECK(events_of<PeerClosed>(close_events).size() == 1);
  CHECK(events_of<AlertSent>(close_events).empty());
  CHECK(engine.peer_closed());
  CHECK_FALSE(engine.failed());
  CHECK(replay->other_random_requests == 0);

  // NSS key log lines carry the RFC's secrets (hex case is not part of the format).
  std::vector<std::string> logged;
  for (const auto& line : replay->key_log) logged.push_back(lower(line));
  const std::string client_random(rfc::client_random);
  for (const auto& expected : {
           "client_handshake_traffic_secret " + client_random + " " +
               std::string(rfc::client_handshake_traffic_secret),
           "server_handshake_traffic_secret " + client_random + " " +
               std::string(rfc::server_handshake_traffic_secret),
           "client_traffic_secret_0 " + client_random + " " +
               std::string(rfc::client_application_traffic_secret),
           "server_traffic_secret_0 " + client_random + " " +
               std::string(rfc::server_application_traffic_secret),
           "exporter_secret " + client_random + " " + std::string(rfc::exporter_master_secret),
       }) {
    INFO("key log line " << expected);
    CHECK(std::find(logged.begin(), logged.end(), expected) != logged.end());
  }
}

TEST_CASE("RFC 8448 1-RTT replay: a rejected server certificate stops the handshake",
          "[tls][rfc8448][engine]") {
  // A verifier that accepts nothing: the engine must not send its Finished.
  class RejectEverything final : public CertificateVerifier {
   public:
    CertificateCheck verify(const std::vector<Bytes>&, PeerRole, const std::string&,
                            sc::ByteView = {}) const override {
      CertificateCheck check;
      check.accepted = false;
      check.alert = AlertDescription::unknown_ca;
      check.reason = "certificate for CN=rsa is not issued by our TTP";
      return check;
    }
  };
  auto replay = make_replay(std::make_shared<RejectEverything>());
  ClientEngine& engine = *replay->engine;
  (void)engine.take_output();
  engine.receive(from_hex(rfc::server_hello_record));
  engine.receive(from_hex(rfc::server_flight_record));
  const auto events = engine.take_events();
  INFO("events: " << describe(events));
  const auto sent = events_of<AlertSent>(events);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].description == AlertDescription::unknown_ca);
  CHECK(events_of<HandshakeComplete>(events).empty());
  CHECK(engine.failed());
  CHECK_FALSE(engine.handshake_complete());
  // An alert record goes out, never the Finished.
  const std::string output = hex(engine.take_output());
  CHECK_FALSE(output.empty());
  CHECK(output != rfc::client_finished_record);
  CHECK(output.find(std::string(rfc::client_finished_record).substr(10)) == std::string::npos);
}

TEST_CASE(
    "RFC 8448 1-RTT replay: a flipped bit in the server flight is "
    "bad_record_mac",
    "[tls][rfc8448][engine]") {
  auto replay = make_replay();
  ClientEngine& engine = *replay->engine;
  (void)engine.take_output();
  engine.receive(from_hex(rfc::server_hello_record));
  Bytes flight = from_hex(rfc::server_flight_record);
  flight[100] ^= 0x01;
  engine.receive(flight);
  const auto events = engine.take_events();
  INFO("events: " << describe(events));
  const auto sent = events_of<AlertSent>(events);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].description == AlertDescription::bad_record_mac);
  CHECK(engine.failed());
  CHECK(replay->verifier->calls == 0);
  CHECK_FALSE(engine.take_output().empty());  // the alert record
}

TEST_CASE(
    "RFC 8448 compatibility mode replay: session id echo and "
    "ChangeCipherSpec both ways",
    "[tls][rfc8448][engine]") {
  namespace compat = sc::test::rfc8448::compatibility_mode;
  const bool byte_at_a_time = GENERATE(false, true);
  INFO((byte_at_a_time ? "server records fed one byte at a time" : "whole server records"));
  auto replay = make_replay(
      nullptr, {compat::client_hello, compat::client_random, compat::client_x25519_private_key});
  ClientEngine& engine = *replay->engine;
  CHECK(hex(engine.take_output()) == compat::client_hello_record);

  // ServerHello, the server's dummy ChangeCipherSpec (RFC 8446 appendix D.4), then its flight.
  feed(engine, compat::server_hello_record, byte_at_a_time);
  feed(engine, compat::server_change_cipher_spec_record, byte_at_a_time);
  feed(engine, compat::server_flight_record, byte_at_a_time);
  const auto events = engine.take_events();
  INFO("events after the server flight: " << describe(events));
  // The client answers with its own ChangeCipherSpec before its Finished, as in the RFC.
  CHECK(hex(engine.take_output()) == std::string(compat::client_change_cipher_spec_record) +
                                         std::string(compat::client_finished_record));
  REQUIRE(engine.handshake_complete());
  const auto complete = events_of<HandshakeComplete>(events);
  REQUIRE(complete.size() == 1);
  CHECK(complete[0].summary.suite == CipherSuite::TLS_AES_128_GCM_SHA256);
  CHECK(complete[0].summary.group == NamedGroup::x25519);

  engine.close();
  CHECK(hex(engine.take_output()) == compat::client_alert_record);
  feed(engine, compat::server_alert_record, byte_at_a_time);
  const auto close_events = engine.take_events();
  INFO("events after the server's close_notify: " << describe(close_events));
  CHECK(events_of<PeerClosed>(close_events).size() == 1);
  CHECK_FALSE(engine.failed());
}

TEST_CASE(
    "RFC 8448 client authentication replay: ECDSA server, our client "
    "signs with RSA-PSS",
    "[tls][rfc8448][engine]") {
  // RFC 8448 section 6 does not show the client's private key, so our client authenticates with the
  // section 2 RSA key and its certificate. Everything up to the server Finished is the RFC's
  // transcript: the client's flight opens with the RFC's client handshake keys and its close_notify
  // is the RFC's record byte for byte.
  namespace auth = sc::test::rfc8448::client_auth;
  using sc::crypto::SignatureScheme;
  using sc::test::rfc8448::certificate_public_key;
  using sc::test::rfc8448::certificate_verify_content;

  class RfcEcdsaServer final : public CertificateVerifier {
   public:
    CertificateCheck verify(const std::vector<Bytes>& chain_der, PeerRole role, const std::string&,
                            sc::ByteView = {}) const override {
      CertificateCheck check;
      check.accepted = role == PeerRole::Server && chain_der.size() == 1 &&
                       chain_der[0] == from_hex(auth::server_certificate_der);
      check.reason = check.accepted ? "" : "not the RFC 8448 section 6 server certificate";
      return check;
    }
  };
  ClientConfig config;
  config.server_name = "server";
  config.verifier = std::make_shared<RfcEcdsaServer>();
  config.credentials = Credentials{{from_hex(rfc::server_certificate_der)},
                                   std::make_shared<const sc::crypto::PrivateKey>(
                                       sc::test::rfc8448::rfc8448_server_private_key())};
  config.test_hooks.client_hello_message = from_hex(auth::client_hello);
  config.test_hooks.random = [](sc::MutableByteView out) {
    const Bytes random = from_hex(sc::test::rfc8448::slice(auth::client_hello, 6, 32));
    REQUIRE(out.size() == random.size());
    std::copy(random.begin(), random.end(), out.begin());
  };
  config.test_hooks.key_share = [](sc::crypto::KeyExchangeGroup group) {
    return sc::crypto::KeyShare::from_private_key(group, from_hex(auth::client_x25519_private_key));
  };
  auto engine = ClientEngine::create(std::move(config));
  CHECK(hex(engine->take_output()) == auth::client_hello_record);
  engine->receive(from_hex(auth::server_hello_record));
  engine->receive(from_hex(auth::server_flight_record));
  const auto events = engine->take_events();
  INFO("events after the server flight: " << describe(events));
  REQUIRE(engine->handshake_complete());
  const auto complete = events_of<HandshakeComplete>(events);
  REQUIRE(complete.size() == 1);
  CHECK(complete[0].summary.peer_signature_scheme == SignatureScheme::ecdsa_secp256r1_sha256);
  CHECK(complete[0].summary.own_signature_scheme == SignatureScheme::rsa_pss_rsae_sha256);

  // The client's flight, under the RFC's client handshake key. One record, no ChangeCipherSpec (the
  // RFC's legacy_session_id is empty).
  const std::string output = hex(engine->take_output());
  const sc::tls::TrafficKeys keys{sc::to_secret(from_hex(auth::client_handshake_write_key)),
                                  sc::to_secret(from_hex(auth::client_handshake_write_iv))};
  const auto record = sc::test::rfc8448::split_record(output);
  REQUIRE(record.header.size() + record.body.size() == output.size() / 2);  // one record
  const sc::crypto::Aead aead(sc::crypto::AeadAlgorithm::Aes128Gcm, keys.key);
  auto inner = aead.open(sc::test::rfc8448::record_nonce(keys.iv, 0), record.header, record.body);
  REQUIRE(inner.has_value());
  REQUIRE(inner->back() == 22);
  const std::string flight = hex(Bytes(inner->begin(), inner->end() - 1));
  // Certificate (our chain, empty context as in the RFC's CertificateRequest), then
  // CertificateVerify and Finished.
  const std::string certificate(rfc::certificate);
  REQUIRE(flight.substr(0, certificate.size()) == certificate);
  const std::string verify = flight.substr(certificate.size(), 2 * (8 + 128));
  CHECK(verify.substr(0, 16) == "0f00008408040080");
  const std::string finished = flight.substr(certificate.size() + verify.size());

  sc::crypto::Hash transcript(sc::crypto::HashAlgorithm::Sha256);
  for (const auto message : {auth::client_hello, auth::server_hello, auth::encrypted_extensions,
                             auth::certificate_request, auth::server_certificate,
                             auth::server_certificate_verify, auth::server_finished}) {
    transcript.update(from_hex(message));
  }
  transcript.update(from_hex(certificate));
  CHECK(certificate_public_key(rfc::server_certificate_der)
            .verify(SignatureScheme::rsa_pss_rsae_sha256,
                    certificate_verify_content(sc::test::rfc8448::kClientContext,
                                               transcript.current_digest()),
                    from_hex(verify.substr(16))));
  transcript.update(from_hex(verify));
  CHECK(finished ==
        "14000020" + hex(sc::tls::compute_finished(sc::crypto::HashAlgorithm::Sha256,
                                                   from_hex(auth::client_handshake_traffic_secret),
                                                   transcript.current_digest())));

  // Application keys come from the transcript up to the server Finished: the RFC's.
  engine->close();
  CHECK(hex(engine->take_output()) == auth::client_alert_record);
  engine->receive(from_hex(auth::server_alert_record));
  CHECK(events_of<PeerClosed>(engine->take_events()).size() == 1);
  CHECK_FALSE(engine->failed());
}
