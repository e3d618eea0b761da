#pragma once
// The fuzzing harness's deterministic test mode, built only into the fuzz targets: a client and
// a server engine with fixed randomness and fixed key shares (TestHooks) run one honest,
// mutually authenticated handshake in memory. Because every secret is then known, a target can
// seal the fuzzer's plaintext handshake messages under the right handshake traffic keys and so
// reach the states behind the record decryption and the signature checks.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>
#include "common/crypto/hash.hpp"
#include "common/crypto/key_share.hpp"
#include "common/tls/cipher_suite.hpp"
#include "common/tls/engine.hpp"
#include "common/tls/handshake/server_hello.hpp"
#include "common/tls/key_schedule.hpp"
#include "common/tls/record/record_deframer.hpp"
#include "common/tls/record/record_protection.hpp"
#include "tests/unit/tls/engine_test_support.hpp"

namespace sc::fuzz {

// 32 bytes (X25519, P-256) or 48 (P-384).
inline Bytes fixed_scalar(std::uint8_t seed, std::size_t length = 32) {
  Bytes scalar(length);
  for (std::size_t i = 0; i < scalar.size(); ++i) scalar[i] = static_cast<std::uint8_t>(seed + i);
  return scalar;
}

inline tls::TestHooks fixed_hooks(std::uint8_t seed) {
  tls::TestHooks hooks;
  hooks.random = [seed](MutableByteView out) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(seed ^ i);
  };
  hooks.key_share = [seed](crypto::KeyExchangeGroup group) {
    const std::size_t length = group == crypto::KeyExchangeGroup::Secp384r1 ? 48 : 32;
    return crypto::KeyShare::from_private_key(group, fixed_scalar(seed, length));
  };
  return hooks;
}

inline tls::ClientConfig fuzz_client_config() {
  const auto& pki = tls::testing::TestPki::get();
  tls::ClientConfig config;
  config.server_name = "server.test";
  config.verifier = pki.verifier;
  config.credentials = tls::testing::credentials_of(pki.client_ecdsa);
  config.test_hooks = fixed_hooks(0x11);
  return config;
}

inline tls::ServerConfig fuzz_server_config() {
  const auto& pki = tls::testing::TestPki::get();
  tls::ServerConfig config;
  config.credentials = tls::testing::credentials_of(pki.server_ecdsa);
  config.verifier = pki.verifier;
  config.client_authentication = tls::ClientAuthentication::optional;
  config.test_hooks = fixed_hooks(0x22);
  return config;
}

// Splits a byte stream into records (no limits checked: the input is our own engines').
inline std::vector<tls::Record> split_records(ByteView stream) {
  std::vector<tls::Record> records;
  while (stream.size() >= 5) {
    const std::size_t length = (static_cast<std::size_t>(stream[3]) << 8) | stream[4];
    if (stream.size() < 5 + length) break;
    tls::Record record;
    record.type = stream[0];
    record.header.assign(stream.begin(), stream.begin() + 5);
    record.fragment.assign(stream.begin() + 5, stream.begin() + 5 + length);
    records.push_back(std::move(record));
    stream = stream.subspan(5 + length);
  }
  return records;
}

struct HonestHandshake {
  crypto::AeadAlgorithm aead{};
  Bytes client_hello_records;  // the client's first flight as sent
  Bytes server_hello_records;  // ServerHello (and a dummy CCS if any), unprotected
  tls::TrafficKeys server_handshake_keys;
  tls::TrafficKeys client_handshake_keys;
  Bytes server_encrypted_flight;  // plaintext: EncryptedExtensions .. server Finished
  Bytes client_second_flight;     // plaintext: client Certificate .. client Finished

  static const HonestHandshake& get() {
    static const HonestHandshake handshake = run();
    return handshake;
  }

 private:
  static Bytes open_all(const std::vector<tls::Record>& records, std::size_t first,
                        crypto::AeadAlgorithm aead, const tls::TrafficKeys& keys) {
    tls::RecordProtection protection(aead, keys);
    Bytes plaintext;
    for (std::size_t i = first; i < records.size(); ++i) {
      if (records[i].type != static_cast<std::uint8_t>(tls::ContentType::application_data)) {
        continue;
      }
      auto opened = protection.open(records[i].header, records[i].fragment);
      if (opened.type != tls::ContentType::handshake) break;
      plaintext.insert(plaintext.end(), opened.content.begin(), opened.content.end());
    }
    return plaintext;
  }

  static HonestHandshake run() {
    HonestHandshake result;
    auto client = tls::ClientEngine::create(fuzz_client_config());
    auto server = tls::ServerEngine::create(fuzz_server_config());
    result.client_hello_records = client->take_output();
    server->receive(result.client_hello_records);
    const Bytes server_flight = server->take_output();
    client->receive(server_flight);
    const Bytes client_flight = client->take_output();
    server->receive(client_flight);
    if (!client->handshake_complete() || !server->handshake_complete()) {
      throw std::runtime_error("fuzz harness: the honest handshake did not complete");
    }

    const auto server_records = split_records(server_flight);
    const auto client_records = split_records(client_flight);
    const auto& hello_record = server_records.at(0);
    const auto server_hello = tls::decode_server_hello(ByteView(hello_record.fragment).subspan(4));
    const auto& suite =
        tls::cipher_suite_info(tls::cipher_suite_from_code(server_hello.cipher_suite).value());
    result.aead = suite.aead;

    // Shared secret from the two fixed x25519 scalars, transcript ClientHello..ServerHello.
    const auto client_share =
        crypto::KeyShare::from_private_key(crypto::KeyExchangeGroup::X25519, fixed_scalar(0x11));
    const auto server_share =
        crypto::KeyShare::from_private_key(crypto::KeyExchangeGroup::X25519, fixed_scalar(0x22));
    const auto shared = client_share.derive(server_share.public_key()).value();
    Bytes hello_transcript(result.client_hello_records.begin() + 5,
                           result.client_hello_records.end());
    hello_transcript.insert(hello_transcript.end(), hello_record.fragment.begin(),
                            hello_record.fragment.end());
    const tls::HandshakeSecret schedule =
        tls::EarlySecret(suite.hash)
            .into_handshake_secret(shared, crypto::Hash::digest(suite.hash, hello_transcript));
    result.server_handshake_keys = tls::derive_traffic_keys(
        suite.aead, suite.hash, schedule.server_handshake_traffic_secret());
    result.client_handshake_keys = tls::derive_traffic_keys(
        suite.aead, suite.hash, schedule.client_handshake_traffic_secret());

    std::size_t first_protected = 1;
    result.server_hello_records.insert(result.server_hello_records.end(),
                                       hello_record.header.begin(), hello_record.header.end());
    result.server_hello_records.insert(result.server_hello_records.end(),
                                       hello_record.fragment.begin(), hello_record.fragment.end());
    if (server_records.size() > 1 &&
        server_records[1].type == static_cast<std::uint8_t>(tls::ContentType::change_cipher_spec)) {
      first_protected = 2;
      const auto& ccs = server_records[1];
      result.server_hello_records.insert(result.server_hello_records.end(), ccs.header.begin(),
                                         ccs.header.end());
      result.server_hello_records.insert(result.server_hello_records.end(), ccs.fragment.begin(),
                                         ccs.fragment.end());
    }
    result.server_encrypted_flight =
        open_all(server_records, first_protected, suite.aead, result.server_handshake_keys);
    result.client_second_flight =
        open_all(client_records, 0, suite.aead, result.client_handshake_keys);
    if (result.server_encrypted_flight.empty() || result.client_second_flight.empty()) {
      throw std::runtime_error("fuzz harness: could not open the honest handshake flights");
    }
    return result;
  }
};

// Seals plaintext handshake bytes as protected records of at most 2^14 bytes each.
inline Bytes seal_handshake(crypto::AeadAlgorithm aead, const tls::TrafficKeys& keys,
                            ByteView plaintext) {
  tls::RecordProtection protection(aead, keys);
  Bytes records;
  constexpr std::size_t kMaxFragment = 1 << 14;
  do {
    const std::size_t length = std::min(kMaxFragment, plaintext.size());
    const Bytes record = protection.seal(tls::ContentType::handshake, plaintext.first(length));
    records.insert(records.end(), record.begin(), record.end());
    plaintext = plaintext.subspan(length);
  } while (!plaintext.empty());
  return records;
}

// SC_FUZZ_WRITE_SEEDS=<folder>: the engine targets write the honest handshake's pieces there
// (for tests/fuzz/make_seeds.py, which builds the committed seed corpora) and exit.
inline void write_file(const std::string& path, ByteView bytes) {
  if (FILE* file = std::fopen(path.c_str(), "wb")) {
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
  }
}

inline void write_seeds_if_asked() {
  const char* folder = std::getenv("SC_FUZZ_WRITE_SEEDS");
  if (folder == nullptr) return;
  const auto& honest = HonestHandshake::get();
  const std::string base(folder);
  write_file(base + "/client_hello_records.bin", honest.client_hello_records);
  write_file(base + "/server_hello_records.bin", honest.server_hello_records);
  write_file(base + "/server_encrypted_flight.bin", honest.server_encrypted_flight);
  write_file(base + "/client_second_flight.bin", honest.client_second_flight);
  std::exit(0);
}

}  // namespace sc::fuzz
