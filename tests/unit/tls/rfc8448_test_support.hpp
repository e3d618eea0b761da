#pragma once
// Small helpers shared by the RFC 8448 tests: hex comparison, transcripts built from the RFC's
// hex messages, and opening/sealing the RFC's protected records with keys derived by our code.
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/aead.hpp"
#include "common/crypto/bytes.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/openssl_ptr.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/key_schedule.hpp"
#include "tests/unit/tls/rfc8448_simple_1rtt.hpp"

namespace sc::test::rfc8448 {

// Hex of anything contiguous (Bytes, SecretBytes), so that a mismatch prints both values.
template <typename Container>
std::string hex(const Container& bytes) {
  return to_hex(ByteView(bytes.data(), bytes.size()));
}

inline Bytes concat(std::initializer_list<std::string_view> hex_parts) {
  Bytes out;
  for (const auto part : hex_parts) {
    const Bytes bytes = from_hex(part);
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

// count bytes of a hex string starting at byte first_byte, as hex.
inline std::string slice(std::string_view hex_text, std::size_t first_byte, std::size_t count) {
  return std::string(hex_text.substr(2 * first_byte, 2 * count));
}

inline bool contains(std::string_view hex_text, std::string_view hex_part) {
  // Only at byte boundaries.
  for (auto at = hex_text.find(hex_part); at != std::string_view::npos;
       at = hex_text.find(hex_part, at + 1)) {
    if (at % 2 == 0) return true;
  }
  return false;
}

// Hash of the concatenated messages (each a hex string), SHA-256 as in every RFC 8448 trace.
inline Bytes transcript_hash(std::initializer_list<std::string_view> messages) {
  crypto::Hash hash(crypto::HashAlgorithm::Sha256);
  for (const auto message : messages) hash.update(from_hex(message));
  return hash.current_digest();
}

// RFC 8446 section 5.3: nonce = iv XOR (64-bit sequence number, left-padded to iv length).
inline Bytes record_nonce(ByteView iv, std::uint64_t sequence) {
  Bytes nonce(iv.begin(), iv.end());
  for (std::size_t i = 0; i < 8; ++i) {
    nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(sequence >> (8 * i));
  }
  return nonce;
}

struct ProtectedRecord {
  Bytes header;  // the 5-byte TLSCiphertext header, the AEAD's additional data
  Bytes body;    // encrypted_record: ciphertext then tag
};

inline ProtectedRecord split_record(std::string_view record_hex) {
  const Bytes record = from_hex(record_hex);
  REQUIRE(record.size() > 5);
  REQUIRE(record[0] == 0x17);  // opaque_type application_data
  REQUIRE(static_cast<std::size_t>((record[3] << 8) | record[4]) == record.size() - 5);
  return {Bytes(record.begin(), record.begin() + 5), Bytes(record.begin() + 5, record.end())};
}

constexpr std::uint8_t kAlert = 21;
constexpr std::uint8_t kHandshake = 22;
constexpr std::uint8_t kApplicationData = 23;

// TLSInnerPlaintext: content || content type (the RFC's records carry no padding).
inline Bytes inner_plaintext(std::string_view content_hex, std::uint8_t content_type) {
  Bytes inner = from_hex(content_hex);
  inner.push_back(content_type);
  return inner;
}

// Every secret of one walk through the key schedule stages (EarlySecret -> HandshakeSecret ->
// MasterSecret -> ApplicationSecrets), copied out before each stage is consumed, for comparison
// with a trace.
struct KeyScheduleRun {
  SecretBytes early_secret;
  SecretBytes handshake_secret;
  SecretBytes client_handshake_traffic_secret;
  SecretBytes server_handshake_traffic_secret;
  SecretBytes master_secret;
  SecretBytes client_application_traffic_secret;
  SecretBytes server_application_traffic_secret;
  SecretBytes exporter_master_secret;
  SecretBytes resumption_master_secret;
};

inline KeyScheduleRun run_key_schedule(crypto::HashAlgorithm hash, ByteView shared_secret,
                                       ByteView hello_transcript_hash,
                                       ByteView server_finished_transcript_hash,
                                       ByteView client_finished_transcript_hash) {
  KeyScheduleRun run;
  tls::EarlySecret early(hash);
  run.early_secret = early.secret();
  tls::HandshakeSecret handshake =
      std::move(early).into_handshake_secret(shared_secret, hello_transcript_hash);
  run.handshake_secret = handshake.secret();
  run.client_handshake_traffic_secret = handshake.client_handshake_traffic_secret();
  run.server_handshake_traffic_secret = handshake.server_handshake_traffic_secret();
  tls::MasterSecret master =
      std::move(handshake).into_master_secret(server_finished_transcript_hash);
  run.master_secret = master.secret();
  run.exporter_master_secret = master.exporter_master_secret();
  const tls::ApplicationSecrets application =
      std::move(master).into_application_secrets(client_finished_transcript_hash);
  run.client_application_traffic_secret = application.client_application_traffic_secret();
  run.server_application_traffic_secret = application.server_application_traffic_secret();
  run.resumption_master_secret = application.resumption_master_secret();
  return run;
}

// The secrets an RFC 8448 trace gives for each stage of the key schedule.
struct ExpectedSecrets {
  std::string_view early;
  std::string_view handshake;
  std::string_view client_handshake_traffic;
  std::string_view server_handshake_traffic;
  std::string_view master;
  std::string_view client_application_traffic;
  std::string_view server_application_traffic;
  std::string_view exporter_master;
  std::string_view resumption_master;
};

// Walks the key schedule's stages, checking each against the trace and that advancing consumes
// (wipes) the stage it came from.
inline void check_key_schedule_stages(crypto::HashAlgorithm hash, ByteView shared_secret,
                                      ByteView hello_transcript_hash,
                                      ByteView server_finished_transcript_hash,
                                      ByteView client_finished_transcript_hash,
                                      const ExpectedSecrets& expected) {
  tls::EarlySecret early(hash);
  CHECK(early.hash() == hash);
  CHECK(hex(early.secret()) == expected.early);

  tls::HandshakeSecret handshake =
      std::move(early).into_handshake_secret(shared_secret, hello_transcript_hash);
  CHECK(early.secret().empty());  // consumed: the early secret is gone
  CHECK(hex(handshake.secret()) == expected.handshake);
  CHECK(hex(handshake.client_handshake_traffic_secret()) == expected.client_handshake_traffic);
  CHECK(hex(handshake.server_handshake_traffic_secret()) == expected.server_handshake_traffic);

  tls::MasterSecret master =
      std::move(handshake).into_master_secret(server_finished_transcript_hash);
  CHECK(handshake.secret().empty());
  CHECK(handshake.server_handshake_traffic_secret().empty());
  CHECK(hex(master.secret()) == expected.master);
  CHECK(hex(master.client_application_traffic_secret()) == expected.client_application_traffic);
  CHECK(hex(master.server_application_traffic_secret()) == expected.server_application_traffic);
  CHECK(hex(master.exporter_master_secret()) == expected.exporter_master);

  const tls::ApplicationSecrets application =
      std::move(master).into_application_secrets(client_finished_transcript_hash);
  CHECK(master.secret().empty());
  CHECK(master.client_handshake_traffic_secret().empty());
  CHECK(hex(application.resumption_master_secret()) == expected.resumption_master);
}

inline tls::TrafficKeys aes128_traffic_keys(ByteView secret) {
  return tls::derive_traffic_keys(crypto::AeadAlgorithm::Aes128Gcm, crypto::HashAlgorithm::Sha256,
                                  secret);
}

// One protected record of a trace: which keys protect it and what it holds.
struct RecordCase {
  std::string_view name;
  std::string_view record;
  const tls::TrafficKeys* keys;
  std::uint64_t sequence;  // resets to 0 at every key change (RFC 8446 section 5.3)
  std::string_view content;
  std::uint8_t content_type;
};

// Opens the record with our keys and compares the plaintext; seals the plaintext and compares
// the record (AEAD encryption is deterministic); checks that a wrong sequence number or one
// flipped bit fails authentication.
inline void check_protected_record(const RecordCase& c) {
  INFO("record " << c.name);
  const ProtectedRecord record = split_record(c.record);
  const Bytes expected_inner = inner_plaintext(c.content, c.content_type);
  const crypto::Aead aead(crypto::AeadAlgorithm::Aes128Gcm, c.keys->key);
  const Bytes nonce = record_nonce(c.keys->iv, c.sequence);

  const auto opened = aead.open(nonce, record.header, record.body);
  REQUIRE(opened.has_value());
  CHECK(hex(*opened) == hex(expected_inner));
  CHECK(hex(aead.seal(nonce, record.header, expected_inner)) == hex(record.body));

  CHECK_FALSE(
      aead.open(record_nonce(c.keys->iv, c.sequence + 1), record.header, record.body).has_value());
  Bytes tampered = record.body;
  tampered[0] ^= 0x80;
  CHECK_FALSE(aead.open(nonce, record.header, tampered).has_value());
}

// The public key of a DER certificate (the test parses X.509 itself; the engine leaves that to
// its CertificateVerifier).
inline crypto::PublicKey certificate_public_key(std::string_view certificate_der_hex) {
  const Bytes der = from_hex(certificate_der_hex);
  const unsigned char* cursor = der.data();
  crypto::X509Ptr certificate(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  REQUIRE(certificate != nullptr);
  REQUIRE(cursor == der.data() + der.size());
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  REQUIRE(key != nullptr);
  REQUIRE(EVP_PKEY_up_ref(key) == 1);
  return crypto::PublicKey(crypto::EvpPkeyPtr(key));
}

// RFC 8446 section 4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash.
inline Bytes certificate_verify_content(std::string_view context, ByteView transcript_hash) {
  Bytes content(64, 0x20);
  const ByteView context_bytes = as_bytes(context);
  content.insert(content.end(), context_bytes.begin(), context_bytes.end());
  content.push_back(0x00);
  content.insert(content.end(), transcript_hash.begin(), transcript_hash.end());
  return content;
}

constexpr std::string_view kServerContext = "TLS 1.3, server CertificateVerify";
constexpr std::string_view kClientContext = "TLS 1.3, client CertificateVerify";

// The server's 1024-bit RSA key of RFC 8448 section 2, built from its components (n, e, d, the
// primes and the CRT values). Every trace's server certificate carries this key.
inline crypto::PrivateKey rfc8448_server_private_key() {
  namespace key = simple_1rtt;
  using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, crypto::OpensslDeleter<OSSL_PARAM_BLD_free>>;
  using Params = std::unique_ptr<OSSL_PARAM, crypto::OpensslDeleter<OSSL_PARAM_free>>;
  std::vector<crypto::BignumPtr> numbers;  // must outlive the builder's use of them
  const ParamBuilder builder(OSSL_PARAM_BLD_new());
  REQUIRE(builder != nullptr);
  const auto push = [&](const char* name, std::string_view value_hex) {
    const Bytes value = from_hex(value_hex);
    numbers.emplace_back(BN_bin2bn(value.data(), static_cast<int>(value.size()), nullptr));
    REQUIRE(numbers.back() != nullptr);
    REQUIRE(OSSL_PARAM_BLD_push_BN(builder.get(), name, numbers.back().get()) == 1);
  };
  push(OSSL_PKEY_PARAM_RSA_N, key::rsa_modulus);
  push(OSSL_PKEY_PARAM_RSA_E, key::rsa_public_exponent);
  push(OSSL_PKEY_PARAM_RSA_D, key::rsa_private_exponent);
  push(OSSL_PKEY_PARAM_RSA_FACTOR1, key::rsa_prime1);
  push(OSSL_PKEY_PARAM_RSA_FACTOR2, key::rsa_prime2);
  push(OSSL_PKEY_PARAM_RSA_EXPONENT1, key::rsa_exponent1);
  push(OSSL_PKEY_PARAM_RSA_EXPONENT2, key::rsa_exponent2);
  push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, key::rsa_coefficient);
  const Params params(OSSL_PARAM_BLD_to_param(builder.get()));
  REQUIRE(params != nullptr);
  const crypto::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  REQUIRE(context != nullptr);
  REQUIRE(EVP_PKEY_fromdata_init(context.get()) == 1);
  EVP_PKEY* raw = nullptr;
  REQUIRE(EVP_PKEY_fromdata(context.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) == 1);
  return crypto::PrivateKey(crypto::EvpPkeyPtr(raw));
}

}  // namespace sc::test::rfc8448
