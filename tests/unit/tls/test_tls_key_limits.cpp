// RFC 8446 section 5.5 (limits on key usage) and 5.3 (sequence numbers never wrap): the engines
// count the records under each traffic key, update their sending key on their own before the
// limit, ask the peer to update its key when it is half worn, and refuse a peer that goes past
// the limit. Limits::records_per_traffic_key is lowered so that a few records show it.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/tls/handshake/key_update.hpp"
#include "common/tls/key_schedule.hpp"
#include "common/tls/record/record_protection.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

using namespace sc;
using namespace sc::tls;
using namespace sc::tls::testing;

namespace {

constexpr std::uint64_t kLimit = 10;

struct Pair {
  std::unique_ptr<ClientEngine> client;
  std::unique_ptr<ServerEngine> server;
  Pump pump;
  std::shared_ptr<std::vector<std::string>> client_key_log;

  void run() { pump.run(*client, *server); }
  std::size_t sending_updates(const Observed& observed) const {
    std::size_t count = 0;
    for (const KeyUpdated& update : observed.all<KeyUpdated>())
      count += update.direction == KeyDirection::sending ? 1 : 0;
    return count;
  }
  std::size_t receiving_updates(const Observed& observed) const {
    std::size_t count = 0;
    for (const KeyUpdated& update : observed.all<KeyUpdated>())
      count += update.direction == KeyDirection::sending ? 0 : 1;
    return count;
  }
};

Pair connected(std::uint64_t client_limit, std::uint64_t server_limit,
               CipherSuite suite = CipherSuite::TLS_AES_128_GCM_SHA256) {
  auto log = std::make_shared<std::vector<std::string>>();
  ClientConfig client_cfg = client_config();
  client_cfg.cipher_suites = {suite};
  client_cfg.limits.records_per_traffic_key = client_limit;
  client_cfg.key_log = [log](const std::string& line) { log->push_back(line); };
  ServerConfig server_cfg = server_config(TestPki::get().server_ecdsa);
  server_cfg.limits.records_per_traffic_key = server_limit;
  Pair pair{ClientEngine::create(client_cfg), ServerEngine::create(server_cfg), {}, log};
  pair.run();
  REQUIRE(pair.client->handshake_complete());
  REQUIRE(pair.server->handshake_complete());
  return pair;
}

Bytes message(std::size_t index, char side) {
  const std::string text = std::string(1, side) + "-message-" + std::to_string(index) + ";";
  return to_bytes(as_bytes(text));
}

Bytes secret_from_log(const std::vector<std::string>& log, const std::string& label) {
  for (const std::string& line : log) {
    if (line.rfind(label + " ", 0) == 0) return from_hex(line.substr(line.rfind(' ') + 1));
  }
  FAIL("no " << label << " in the key log");
  return {};
}

}  // namespace

TEST_CASE("record limits per suite follow RFC 8446 section 5.5", "[tls][key-limits]") {
  CHECK(record_limit(CipherSuite::TLS_AES_128_GCM_SHA256) == 23726566);
  CHECK(record_limit(CipherSuite::TLS_AES_256_GCM_SHA384) == 23726566);
  CHECK(record_limit(CipherSuite::PRIVATE_AES_128_GCM_SHA384) == 23726566);
  // 2^24.5 = 23726566.4...
  CHECK(kAesGcmRecordLimit == static_cast<std::uint64_t>(std::floor(std::pow(2.0, 24.5))));
  CHECK(record_limit(CipherSuite::TLS_CHACHA20_POLY1305_SHA256) ==
        std::numeric_limits<std::uint64_t>::max());
  CHECK(record_limit(CipherSuite::PRIVATE_CHACHA20_POLY1305_SHA384) ==
        std::numeric_limits<std::uint64_t>::max());
}

TEST_CASE("a limit of one record per key is refused at creation", "[tls][key-limits]") {
  ClientConfig client_cfg = client_config();
  client_cfg.limits.records_per_traffic_key = 1;
  CHECK_THROWS_AS(ClientEngine::create(client_cfg), std::invalid_argument);
  ServerConfig server_cfg = server_config(TestPki::get().server_ecdsa);
  server_cfg.limits.records_per_traffic_key = 1;
  CHECK_THROWS_AS(ServerEngine::create(server_cfg), std::invalid_argument);
}

TEST_CASE("both sides update their keys on their own and data flows both ways",
          "[tls][key-limits]") {
  const CipherSuite suite =
      GENERATE(CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_AES_256_GCM_SHA384,
               CipherSuite::TLS_CHACHA20_POLY1305_SHA256);
  CAPTURE(cipher_suite_info(suite).name);
  Pair pair = connected(kLimit, kLimit, suite);
  Bytes client_sent;
  Bytes server_sent;
  constexpr std::size_t kMessages = 60;
  for (std::size_t i = 0; i < kMessages; ++i) {
    const Bytes from_client = message(i, 'c');
    const Bytes from_server = message(i, 's');
    pair.client->send_application_data(from_client);
    pair.server->send_application_data(from_server);
    client_sent.insert(client_sent.end(), from_client.begin(), from_client.end());
    server_sent.insert(server_sent.end(), from_server.begin(), from_server.end());
    if (i % 3 == 2) pair.run();  // a few records travel together
  }
  pair.run();
  CHECK_FALSE(pair.client->failed());
  CHECK_FALSE(pair.server->failed());
  CHECK(pair.pump.server.application_data() == client_sent);
  CHECK(pair.pump.client.application_data() == server_sent);
  // 60 records with at most 9 of data under each key: at least 6 updates by each side, each
  // seen by the other.
  CHECK(pair.sending_updates(pair.pump.client) >= kMessages / (kLimit - 1));
  CHECK(pair.sending_updates(pair.pump.server) >= kMessages / (kLimit - 1));
  CHECK(pair.receiving_updates(pair.pump.server) == pair.sending_updates(pair.pump.client));
  CHECK(pair.receiving_updates(pair.pump.client) == pair.sending_updates(pair.pump.server));
}

TEST_CASE("one large write is split across keys", "[tls][key-limits]") {
  Pair pair = connected(kLimit, 0);
  Bytes data(25 * kMaxPlaintext + 7);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31);
  pair.client->send_application_data(data);
  pair.run();
  CHECK_FALSE(pair.server->failed());
  CHECK(pair.pump.server.application_data() == data);
  // 26 records of data, at most 9 under one key.
  CHECK(pair.sending_updates(pair.pump.client) >= 26 / (kLimit - 1));
}

TEST_CASE("a peer that counts nothing is asked to update and keeps the connection",
          "[tls][key-limits]") {
  // Only the client counts (as against OpenSSL 3.0, which updates only when asked): the server
  // sends one record per round trip and updates when the client requests it.
  Pair pair = connected(kLimit, 0);
  Bytes server_sent;
  for (std::size_t i = 0; i < 40; ++i) {
    const Bytes from_server = message(i, 's');
    pair.server->send_application_data(from_server);
    server_sent.insert(server_sent.end(), from_server.begin(), from_server.end());
    pair.run();
  }
  CHECK_FALSE(pair.client->failed());
  CHECK(pair.pump.client.application_data() == server_sent);
  // The client asked (a KeyUpdate of its own, update_requested) and the server answered.
  CHECK(pair.sending_updates(pair.pump.client) >= 40 / kLimit);
  CHECK(pair.receiving_updates(pair.pump.client) >= 40 / kLimit);
  CHECK(pair.sending_updates(pair.pump.server) == pair.receiving_updates(pair.pump.client));
}

TEST_CASE("a peer that goes past the limit is refused before its key is used again",
          "[tls][key-limits]") {
  Pair pair = connected(0, kLimit);
  // Records of the client that its engine would never send: kLimit + 1 under one key.
  const Bytes secret = secret_from_log(*pair.client_key_log, "CLIENT_TRAFFIC_SECRET_0");
  RecordProtection forged(
      crypto::AeadAlgorithm::Aes128Gcm,
      derive_traffic_keys(crypto::AeadAlgorithm::Aes128Gcm, crypto::HashAlgorithm::Sha256, secret));
  Observed server;
  for (std::uint64_t i = 0; i < kLimit; ++i) {
    pair.server->receive(forged.seal(ContentType::application_data, message(i, 'c')));
    for (auto& event : pair.server->take_events()) server.events.push_back(std::move(event));
    if (i + 1 < kLimit / 2) {
      CHECK(pair.server->take_output().empty());  // nothing asked yet
    }
  }
  CHECK_FALSE(pair.server->failed());
  // Half way the server asked for an update (its own key changed with that KeyUpdate).
  CHECK(pair.sending_updates(server) == 1);
  CHECK(server.all<ApplicationData>().size() == kLimit);
  pair.server->receive(forged.seal(ContentType::application_data, message(kLimit, 'c')));
  for (auto& event : pair.server->take_events()) server.events.push_back(std::move(event));
  CHECK(pair.server->failed());
  REQUIRE(server.alert_sent().has_value());
  CHECK(server.alert_sent()->description == AlertDescription::unexpected_message);
  CHECK(server.alert_sent()->reason.find("5.5") != std::string::npos);
  CHECK(server.all<ApplicationData>().size() == kLimit);  // the extra record was never opened
}

TEST_CASE("the peer's KeyUpdate resets the count of its records", "[tls][key-limits]") {
  Pair pair = connected(0, kLimit);
  const Bytes secret = secret_from_log(*pair.client_key_log, "CLIENT_TRAFFIC_SECRET_0");
  const auto hash = crypto::HashAlgorithm::Sha256;
  const auto aead = crypto::AeadAlgorithm::Aes128Gcm;
  RecordProtection first(aead, derive_traffic_keys(aead, hash, secret));
  for (std::uint64_t i = 0; i + 1 < kLimit; ++i) {
    pair.server->receive(first.seal(ContentType::application_data, message(i, 'c')));
  }
  // The last record of the key is the KeyUpdate; then the next key has kLimit records again.
  pair.server->receive(first.seal(ContentType::handshake, encode_key_update(KeyUpdate{false})));
  RecordProtection second(aead, derive_traffic_keys(aead, hash, next_traffic_secret(hash, secret)));
  for (std::uint64_t i = 0; i < kLimit; ++i) {
    pair.server->receive(second.seal(ContentType::application_data, message(i, 'c')));
  }
  CHECK_FALSE(pair.server->failed());
}

TEST_CASE("sequence numbers never wrap (5.3)", "[tls][key-limits]") {
  const auto aead = crypto::AeadAlgorithm::ChaCha20Poly1305;
  const TrafficKeys keys =
      derive_traffic_keys(aead, crypto::HashAlgorithm::Sha256, Bytes(32, 0x5A));
  const std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
  RecordProtection sender(aead, keys, last - 1);
  RecordProtection receiver(aead, keys, last - 1);
  const Bytes record = sender.seal(ContentType::application_data, Bytes{1, 2, 3});
  CHECK(sender.sequence_number() == last);
  CHECK_THROWS_AS(sender.seal(ContentType::application_data, Bytes{4}), std::length_error);
  CHECK(sender.sequence_number() == last);  // refused, not wrapped to 0
  const OpenedRecord opened = receiver.open(ByteView(record).first(kRecordHeaderLength),
                                            ByteView(record).subspan(kRecordHeaderLength));
  CHECK(opened.content == Bytes{1, 2, 3});
  try {
    (void)receiver.open(ByteView(record).first(kRecordHeaderLength),
                        ByteView(record).subspan(kRecordHeaderLength));
    FAIL("a record at the last sequence number was opened");
  } catch (const ProtocolError& error) {
    CHECK(error.alert() == AlertDescription::unexpected_message);
  }
  CHECK(receiver.sequence_number() == last);
}

TEST_CASE("a lowered limit counts application keys only: a flight of many records passes",
          "[tls][key-limits]") {
  // GnuTLS sends each handshake message of its flight in a record of its own: a client with a
  // limit of 2 records per key must still take EncryptedExtensions, Certificate,
  // CertificateVerify and Finished in four records under the server's handshake key.
  auto log = std::make_shared<std::vector<std::string>>();
  ClientConfig client_cfg = client_config();
  client_cfg.cipher_suites = {CipherSuite::TLS_AES_128_GCM_SHA256};
  client_cfg.limits.records_per_traffic_key = 2;
  ServerConfig server_cfg = server_config(TestPki::get().server_ecdsa);
  server_cfg.key_log = [log](const std::string& line) { log->push_back(line); };
  auto client = ClientEngine::create(client_cfg);
  auto server = ServerEngine::create(server_cfg);
  server->receive(client->take_output());
  const Bytes flight = server->take_output();

  // Open the server's protected records and seal each handshake message in a record of its own.
  const auto aead = crypto::AeadAlgorithm::Aes128Gcm;
  const TrafficKeys keys =
      derive_traffic_keys(aead, crypto::HashAlgorithm::Sha256,
                          secret_from_log(*log, "SERVER_HANDSHAKE_TRAFFIC_SECRET"));
  RecordProtection opener(aead, keys);
  RecordProtection sealer(aead, keys);
  Bytes reframed;
  Bytes messages;
  for (std::size_t at = 0; at + 5 <= flight.size();) {
    const std::size_t length = (std::size_t{flight[at + 3]} << 8) | flight[at + 4];
    const ByteView record = ByteView(flight).subspan(at, 5 + length);
    if (record[0] == static_cast<std::uint8_t>(ContentType::application_data)) {
      const OpenedRecord opened = opener.open(record.first(5), record.subspan(5));
      REQUIRE(opened.type == ContentType::handshake);
      messages.insert(messages.end(), opened.content.begin(), opened.content.end());
    } else {
      reframed.insert(reframed.end(), record.begin(), record.end());  // ServerHello, CCS
    }
    at += 5 + length;
  }
  std::size_t records = 0;
  for (std::size_t at = 0; at + 4 <= messages.size(); ++records) {
    const std::size_t length = (std::size_t{messages[at + 1]} << 16) |
                               (std::size_t{messages[at + 2]} << 8) | messages[at + 3];
    const Bytes record =
        sealer.seal(ContentType::handshake, ByteView(messages).subspan(at, 4 + length));
    reframed.insert(reframed.end(), record.begin(), record.end());
    at += 4 + length;
  }
  REQUIRE(records == 4);  // more than the limit of 2

  client->receive(reframed);
  Observed observed{client->take_events()};
  CHECK_FALSE(observed.alert_sent().has_value());
  CHECK(client->handshake_complete());
  server->receive(client->take_output());
  CHECK(server->handshake_complete());
}
