// Replays RFC 8448 section 3 against our ServerEngine: the RFC's ClientHello comes in, and the
// server uses the RFC's random, x25519 private key, certificate and (section 2) RSA key. Our
// ServerHello lists its extensions in another (equally valid) order and our
// EncryptedExtensions differ, so the flight is not the RFC's byte for byte; instead the test
// checks that the ServerHello carries the RFC's random, suite and extensions, opens the
// server's flight with keys derived from the RFC's shared secret, finds the RFC's Certificate
// message byte for byte and a CertificateVerify that verifies with the RFC's certificate, then
// completes the handshake as the client would and exchanges the RFC's application data.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/crypto/aead.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/engine.hpp"
#include "common/tls/key_schedule.hpp"
#include "tests/unit/tls/rfc8448_simple_1rtt.hpp"
#include "tests/unit/tls/rfc8448_test_support.hpp"

namespace {

namespace rfc = sc::test::rfc8448::simple_1rtt;
using namespace sc::test::rfc8448;  // hex, records, keys
using namespace sc::tls;
using sc::Bytes;
using sc::ByteView;
using sc::from_hex;
using sc::crypto::HashAlgorithm;

constexpr HashAlgorithm kSha256 = HashAlgorithm::Sha256;

struct Record {
  std::uint8_t type;
  Bytes header;
  Bytes fragment;
};

std::vector<Record> split_records(ByteView bytes) {
  std::vector<Record> records;
  std::size_t at = 0;
  while (at < bytes.size()) {
    REQUIRE(bytes.size() - at >= 5);
    const std::size_t length = static_cast<std::size_t>((bytes[at + 3] << 8) | bytes[at + 4]);
    REQUIRE(bytes.size() - at - 5 >= length);
    records.push_back({bytes[at], Bytes(bytes.begin() + at, bytes.begin() + at + 5),
                       Bytes(bytes.begin() + at + 5, bytes.begin() + at + 5 + length)});
    at += 5 + length;
  }
  return records;
}

// Handshake messages (header included) from a byte stream of whole messages.
std::vector<Bytes> split_handshake_messages(const Bytes& stream) {
  std::vector<Bytes> messages;
  std::size_t at = 0;
  while (at < stream.size()) {
    REQUIRE(stream.size() - at >= 4);
    const std::size_t length = (static_cast<std::size_t>(stream[at + 1]) << 16) |
                               (static_cast<std::size_t>(stream[at + 2]) << 8) | stream[at + 3];
    REQUIRE(stream.size() - at - 4 >= length);
    messages.emplace_back(stream.begin() + at, stream.begin() + at + 4 + length);
    at += 4 + length;
  }
  return messages;
}

// The extensions of a ServerHello as a type -> data map (order aside).
std::map<std::uint16_t, std::string> server_hello_extensions(const Bytes& message) {
  // type(1) length(3) version(2) random(32) session_id<0..32> suite(2) compression(1)
  std::size_t at = 4 + 2 + 32;
  REQUIRE(message.size() > at);
  at += 1 + message[at];
  at += 2 + 1;
  REQUIRE(message.size() >= at + 2);
  const std::size_t end = at + 2 + static_cast<std::size_t>((message[at] << 8) | message[at + 1]);
  REQUIRE(end == message.size());
  at += 2;
  std::map<std::uint16_t, std::string> extensions;
  while (at < end) {
    REQUIRE(end - at >= 4);
    const auto type = static_cast<std::uint16_t>((message[at] << 8) | message[at + 1]);
    const std::size_t length = static_cast<std::size_t>((message[at + 2] << 8) | message[at + 3]);
    REQUIRE(end - at - 4 >= length);
    extensions[type] = hex(Bytes(message.begin() + at + 4, message.begin() + at + 4 + length));
    at += 4 + length;
  }
  return extensions;
}

// Opens protected records in sequence with one direction's keys; returns the content of the
// given type, TLSInnerPlaintext padding removed.
Bytes open_records(const std::vector<Record>& records, const TrafficKeys& keys,
                   std::uint8_t expected_type, std::uint64_t first_sequence = 0) {
  const sc::crypto::Aead aead(sc::crypto::AeadAlgorithm::Aes128Gcm, keys.key);
  Bytes content;
  std::uint64_t sequence = first_sequence;
  for (const Record& record : records) {
    REQUIRE(record.type == 23);
    auto inner = aead.open(record_nonce(keys.iv, sequence++), record.header, record.fragment);
    REQUIRE(inner.has_value());
    while (!inner->empty() && inner->back() == 0) inner->pop_back();
    REQUIRE(!inner->empty());
    CHECK(inner->back() == expected_type);
    content.insert(content.end(), inner->begin(), inner->end() - 1);
  }
  return content;
}

Bytes seal_record(ByteView content, std::uint8_t type, const TrafficKeys& keys,
                  std::uint64_t sequence) {
  Bytes inner(content.begin(), content.end());
  inner.push_back(type);
  const std::size_t length = inner.size() + sc::crypto::Aead::kTagLength;
  Bytes record = {23, 0x03, 0x03, static_cast<std::uint8_t>(length >> 8),
                  static_cast<std::uint8_t>(length)};
  const sc::crypto::Aead aead(sc::crypto::AeadAlgorithm::Aes128Gcm, keys.key);
  const Bytes sealed = aead.seal(record_nonce(keys.iv, sequence), record, inner);
  record.insert(record.end(), sealed.begin(), sealed.end());
  return record;
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
    } else {
      text += "event#" + std::to_string(event.index()) + " ";
    }
  }
  return text;
}

}  // namespace

TEST_CASE("RFC 8448 1-RTT replay: our server with the RFC's keys and certificate",
          "[tls][rfc8448][engine]") {
  int other_random_requests = 0;
  ServerConfig config;
  config.credentials.certificate_chain = {from_hex(rfc::server_certificate_der)};
  config.credentials.private_key =
      std::make_shared<const sc::crypto::PrivateKey>(rfc8448_server_private_key());
  config.test_hooks.random = [&other_random_requests](sc::MutableByteView out) {
    const Bytes server_random = from_hex(rfc::server_random);
    if (out.size() == server_random.size()) {
      std::copy(server_random.begin(), server_random.end(), out.begin());
    } else {
      ++other_random_requests;
      std::fill(out.begin(), out.end(), std::uint8_t{0x42});
    }
  };
  config.test_hooks.key_share = [](sc::crypto::KeyExchangeGroup group) {
    REQUIRE(group == sc::crypto::KeyExchangeGroup::X25519);
    return sc::crypto::KeyShare::from_private_key(group, from_hex(rfc::server_x25519_private_key));
  };
  auto server = ServerEngine::create(std::move(config));
  CHECK(server->take_output().empty());

  server->receive(from_hex(rfc::client_hello_record));
  const Bytes output = server->take_output();
  {
    const auto events = server->take_events();
    INFO("events after the ClientHello: " << describe(events));
    CHECK(events.empty());
  }
  const std::vector<Record> records = split_records(output);
  REQUIRE(records.size() >= 2);

  // The ServerHello: the RFC's random, no session id, TLS_AES_128_GCM_SHA256, and the RFC's
  // extensions (key_share with the RFC's x25519 public key, supported_versions TLS 1.3). The
  // RFC's session id is empty, so no ChangeCipherSpec follows (RFC 8446 appendix D.4).
  REQUIRE(hex(records[0].header).substr(0, 6) == "160303");
  const Bytes server_hello = records[0].fragment;
  CHECK(split_handshake_messages(server_hello).size() == 1);
  CHECK(slice(hex(server_hello), 0, 1) == "02");
  CHECK(slice(hex(server_hello), 4, 2) == "0303");
  CHECK(slice(hex(server_hello), 6, 32) == rfc::server_random);
  CHECK(slice(hex(server_hello), 38, 4) == "00130100");
  CHECK(server_hello_extensions(server_hello) ==
        server_hello_extensions(from_hex(rfc::server_hello)));

  // Keys from the RFC's shared secret and our transcript.
  const Bytes client_hello = from_hex(rfc::client_hello);
  sc::crypto::Hash transcript(kSha256);
  transcript.update(client_hello);
  transcript.update(server_hello);
  HandshakeSecret handshake = EarlySecret(kSha256).into_handshake_secret(
      from_hex(rfc::shared_secret), transcript.current_digest());
  const TrafficKeys server_handshake =
      aes128_traffic_keys(handshake.server_handshake_traffic_secret());
  const TrafficKeys client_handshake =
      aes128_traffic_keys(handshake.client_handshake_traffic_secret());

  const std::vector<Record> flight(records.begin() + 1, records.end());
  const std::vector<Bytes> messages =
      split_handshake_messages(open_records(flight, server_handshake, kHandshake));
  REQUIRE(messages.size() == 4);  // EncryptedExtensions, Certificate, CertificateVerify, Finished
  CHECK(messages[0][0] == 8);
  CHECK(hex(messages[1]) == rfc::certificate);
  transcript.update(messages[0]);
  transcript.update(messages[1]);

  // CertificateVerify: rsa_pss_rsae_sha256 with the section 2 key, verified with the RFC's
  // certificate over our transcript.
  const Bytes& verify = messages[2];
  REQUIRE(verify.size() == 4 + 4 + 128);
  CHECK(hex(Bytes(verify.begin(), verify.begin() + 8)) == "0f00008408040080");
  const auto certificate_key = certificate_public_key(rfc::server_certificate_der);
  CHECK(certificate_key.verify(
      sc::crypto::SignatureScheme::rsa_pss_rsae_sha256,
      certificate_verify_content(kServerContext, transcript.current_digest()),
      Bytes(verify.begin() + 8, verify.end())));
  transcript.update(verify);

  CHECK(hex(messages[3]) ==
        "14000020" + hex(compute_finished(kSha256, handshake.server_handshake_traffic_secret(),
                                          transcript.current_digest())));
  transcript.update(messages[3]);
  const MasterSecret schedule =
      std::move(handshake).into_master_secret(transcript.current_digest());

  // Our client Finished, protected as the client would.
  const Bytes client_finished_message =
      concat({"14000020", hex(compute_finished(kSha256, schedule.client_handshake_traffic_secret(),
                                               transcript.current_digest()))});
  server->receive(seal_record(client_finished_message, kHandshake, client_handshake, 0));
  const auto events = server->take_events();
  INFO("events after the client Finished: " << describe(events));
  const auto complete = events_of<HandshakeComplete>(events);
  REQUIRE(complete.size() == 1);
  CHECK(complete[0].summary.suite == CipherSuite::TLS_AES_128_GCM_SHA256);
  CHECK(complete[0].summary.group == NamedGroup::x25519);
  CHECK(complete[0].summary.own_signature_scheme ==
        sc::crypto::SignatureScheme::rsa_pss_rsae_sha256);
  CHECK(complete[0].summary.peer_certificate_chain.empty());
  CHECK(server->handshake_complete());
  CHECK(other_random_requests == 0);

  // Application data both ways with the RFC's payloads, then close_notify both ways.
  const TrafficKeys server_application =
      aes128_traffic_keys(schedule.server_application_traffic_secret());
  const TrafficKeys client_application =
      aes128_traffic_keys(schedule.client_application_traffic_secret());
  const Bytes after_handshake = server->take_output();  // e.g. a NewSessionTicket, if any
  const std::uint64_t server_records_sent = split_records(after_handshake).size();

  server->receive(
      seal_record(from_hex(rfc::client_application_data), kApplicationData, client_application, 0));
  const auto data = events_of<ApplicationData>(server->take_events());
  REQUIRE(data.size() == 1);
  CHECK(hex(data[0].data) == rfc::client_application_data);

  server->send_application_data(from_hex(rfc::server_application_data));
  CHECK(hex(open_records(split_records(server->take_output()), server_application, kApplicationData,
                         server_records_sent)) == rfc::server_application_data);

  server->receive(seal_record(from_hex(rfc::client_alert), kAlert, client_application, 1));
  const auto close_events = server->take_events();
  INFO("events after the client's close_notify: " << describe(close_events));
  CHECK(events_of<PeerClosed>(close_events).size() == 1);
  CHECK(server->peer_closed());
  server->close();
  CHECK(hex(open_records(split_records(server->take_output()), server_application, kAlert,
                         server_records_sent + 1)) == rfc::server_alert);
  CHECK_FALSE(server->failed());
}
