// RFC 8448 section 5 ("HelloRetryRequest"): the client offers x25519, the server asks for
// secp256r1, and the key schedule runs over a transcript whose first ClientHello is replaced by
// a message_hash message (RFC 8446 section 4.4.1). Only the RFC's inputs go in (private keys,
// messages); every secret, key, Finished and record is computed and compared with the RFC.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/crypto/hash.hpp"
#include "common/crypto/hkdf.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/key_schedule.hpp"
#include "tests/unit/tls/rfc8448_hello_retry.hpp"
#include "tests/unit/tls/rfc8448_simple_1rtt.hpp"
#include "tests/unit/tls/rfc8448_test_support.hpp"

namespace {

namespace rfc = sc::test::rfc8448::hello_retry;
using namespace sc::test::rfc8448;  // hex, concat, records
using sc::Bytes;
using sc::from_hex;
using sc::crypto::HashAlgorithm;
using sc::crypto::KeyExchangeGroup;
using sc::crypto::KeyShare;

constexpr HashAlgorithm kSha256 = HashAlgorithm::Sha256;

// The special ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest")
// (RFC 8446 section 4.1.3).
constexpr std::string_view kHelloRetryRequestRandom =
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

// RFC 8446 section 4.4.1: message_hash (254), a 3-byte length, then Hash(ClientHello1).
std::string message_hash_of_client_hello_1() {
  const Bytes hash = sc::crypto::Hash::digest(kSha256, from_hex(rfc::client_hello_1));
  return "fe000020" + hex(hash);
}

// Transcript-Hash(ClientHello1, HelloRetryRequest, ClientHello2, messages...).
Bytes transcript_after_retry(std::initializer_list<std::string_view> messages) {
  const std::string message_hash = message_hash_of_client_hello_1();
  sc::crypto::Hash hash(kSha256);
  hash.update(from_hex(message_hash));
  hash.update(from_hex(rfc::hello_retry_request));
  hash.update(from_hex(rfc::client_hello_2));
  for (const auto message : messages) hash.update(from_hex(message));
  return hash.current_digest();
}

Bytes hello_transcript() {
  return transcript_after_retry({rfc::server_hello});
}
Bytes certificate_transcript() {
  return transcript_after_retry({rfc::server_hello, rfc::encrypted_extensions, rfc::certificate});
}
Bytes certificate_verify_transcript() {
  return transcript_after_retry(
      {rfc::server_hello, rfc::encrypted_extensions, rfc::certificate, rfc::certificate_verify});
}
Bytes server_finished_transcript() {
  return transcript_after_retry({rfc::server_hello, rfc::encrypted_extensions, rfc::certificate,
                                 rfc::certificate_verify, rfc::server_finished});
}
Bytes client_finished_transcript() {
  return transcript_after_retry({rfc::server_hello, rfc::encrypted_extensions, rfc::certificate,
                                 rfc::certificate_verify, rfc::server_finished,
                                 rfc::client_finished});
}

sc::SecretBytes client_side_shared_secret() {
  const auto client = KeyShare::from_private_key(KeyExchangeGroup::Secp256r1,
                                                 from_hex(rfc::client_p256_private_key));
  auto shared = client.derive(from_hex(rfc::server_p256_public_key));
  REQUIRE(shared.has_value());
  return *shared;
}

}  // namespace

TEST_CASE("RFC 8448 HelloRetryRequest: the transcribed messages agree with each other",
          "[tls][rfc8448]") {
  CHECK(std::string(rfc::client_hello_1_record) == "16030100b4" + std::string(rfc::client_hello_1));
  CHECK(std::string(rfc::hello_retry_request_record) ==
        "16030300b0" + std::string(rfc::hello_retry_request));
  // The RFC sends the second ClientHello with record version 0x0303.
  CHECK(std::string(rfc::client_hello_2_record) == "1603030200" + std::string(rfc::client_hello_2));
  CHECK(std::string(rfc::server_hello_record) == "160303007b" + std::string(rfc::server_hello));

  // The HelloRetryRequest: the special random, TLS_AES_128_GCM_SHA256, key_share asking for
  // secp256r1 (0x0017), a cookie, supported_versions TLS 1.3.
  CHECK(slice(rfc::hello_retry_request, 6, 32) == kHelloRetryRequestRandom);
  CHECK(hex(sc::crypto::Hash::digest(kSha256, sc::as_bytes("HelloRetryRequest"))) ==
        kHelloRetryRequestRandom);
  CHECK(contains(rfc::hello_retry_request, "00130100"));
  CHECK(contains(rfc::hello_retry_request, "003300020017"));
  // The cookie extension (0x002c) is echoed verbatim in the second ClientHello.
  const std::string cookie_extension = slice(rfc::hello_retry_request, 50, 4 + 0x74);
  CHECK(slice(cookie_extension, 0, 2) == "002c");
  CHECK(contains(rfc::client_hello_2, cookie_extension));
  // Each hello carries its own share; the second ClientHello keeps the first one's random.
  CHECK(contains(rfc::client_hello_1, "001d0020" + std::string(rfc::client_x25519_public_key)));
  CHECK(contains(rfc::client_hello_2, "00170041" + std::string(rfc::client_p256_public_key)));
  CHECK_FALSE(contains(rfc::client_hello_2, rfc::client_x25519_public_key));
  CHECK(slice(rfc::client_hello_1, 6, 32) == slice(rfc::client_hello_2, 6, 32));
  CHECK(contains(rfc::server_hello, "00170041" + std::string(rfc::server_p256_public_key)));

  CHECK(hex(concat({rfc::encrypted_extensions, rfc::certificate, rfc::certificate_verify,
                    rfc::server_finished})) == rfc::server_flight_plaintext);
  CHECK(std::string(rfc::server_finished) ==
        "14000020" + std::string(rfc::server_finished_verify_data));
  CHECK(std::string(rfc::client_finished) ==
        "14000020" + std::string(rfc::client_finished_verify_data));
  // Same server certificate as section 3.
  CHECK(rfc::certificate == sc::test::rfc8448::simple_1rtt::certificate);
}

TEST_CASE("RFC 8448 HelloRetryRequest: key shares of both hellos and the P-256 secret",
          "[tls][rfc8448]") {
  const auto client_x25519 = KeyShare::from_private_key(KeyExchangeGroup::X25519,
                                                        from_hex(rfc::client_x25519_private_key));
  CHECK(hex(client_x25519.public_key()) == rfc::client_x25519_public_key);

  const auto client_p256 = KeyShare::from_private_key(KeyExchangeGroup::Secp256r1,
                                                      from_hex(rfc::client_p256_private_key));
  const auto server_p256 = KeyShare::from_private_key(KeyExchangeGroup::Secp256r1,
                                                      from_hex(rfc::server_p256_private_key));
  CHECK(hex(client_p256.public_key()) == rfc::client_p256_public_key);
  CHECK(hex(server_p256.public_key()) == rfc::server_p256_public_key);

  const auto client_shared = client_p256.derive(server_p256.public_key());
  const auto server_shared = server_p256.derive(client_p256.public_key());
  REQUIRE(client_shared.has_value());
  REQUIRE(server_shared.has_value());
  CHECK(hex(*client_shared) == rfc::shared_secret);
  CHECK(hex(*server_shared) == rfc::shared_secret);
  // The x25519 share of the first ClientHello cannot meet a P-256 share.
  CHECK_FALSE(client_x25519.derive(server_p256.public_key()).has_value());
}

TEST_CASE("RFC 8448 HelloRetryRequest: transcript hashes start with message_hash",
          "[tls][rfc8448]") {
  CHECK(hex(hello_transcript()) == rfc::hello_transcript_hash);
  CHECK(hex(server_finished_transcript()) == rfc::server_finished_transcript_hash);
  CHECK(hex(client_finished_transcript()) == rfc::client_finished_transcript_hash);
  // Hashing ClientHello1 itself instead of message_hash gives another transcript.
  CHECK(hex(transcript_hash({rfc::client_hello_1, rfc::hello_retry_request, rfc::client_hello_2,
                             rfc::server_hello})) != rfc::hello_transcript_hash);
}

TEST_CASE("RFC 8448 HelloRetryRequest: KeySchedule, traffic keys and Finished", "[tls][rfc8448]") {
  check_key_schedule_stages(
      kSha256, client_side_shared_secret(), hello_transcript(), server_finished_transcript(),
      client_finished_transcript(),
      {rfc::early_secret, rfc::handshake_secret, rfc::client_handshake_traffic_secret,
       rfc::server_handshake_traffic_secret, rfc::master_secret,
       rfc::client_application_traffic_secret, rfc::server_application_traffic_secret,
       rfc::exporter_master_secret, rfc::resumption_master_secret});
  const KeyScheduleRun schedule =
      run_key_schedule(kSha256, client_side_shared_secret(), hello_transcript(),
                       server_finished_transcript(), client_finished_transcript());

  // The intermediate "derived" secrets, from the RFC's own values.
  const Bytes empty_hash = sc::crypto::Hash::digest(kSha256, {});
  CHECK(hex(sc::crypto::derive_secret(kSha256, from_hex(rfc::early_secret), "derived",
                                      empty_hash)) == rfc::derived_for_handshake);
  CHECK(hex(sc::crypto::derive_secret(kSha256, from_hex(rfc::handshake_secret), "derived",
                                      empty_hash)) == rfc::derived_for_master);

  const auto server_handshake = aes128_traffic_keys(schedule.server_handshake_traffic_secret);
  const auto client_handshake = aes128_traffic_keys(schedule.client_handshake_traffic_secret);
  const auto server_application = aes128_traffic_keys(schedule.server_application_traffic_secret);
  const auto client_application = aes128_traffic_keys(schedule.client_application_traffic_secret);
  CHECK(hex(server_handshake.key) == rfc::server_handshake_write_key);
  CHECK(hex(server_handshake.iv) == rfc::server_handshake_write_iv);
  CHECK(hex(client_handshake.key) == rfc::client_handshake_write_key);
  CHECK(hex(client_handshake.iv) == rfc::client_handshake_write_iv);
  CHECK(hex(server_application.key) == rfc::server_application_write_key);
  CHECK(hex(server_application.iv) == rfc::server_application_write_iv);
  CHECK(hex(client_application.key) == rfc::client_application_write_key);
  CHECK(hex(client_application.iv) == rfc::client_application_write_iv);

  CHECK(hex(sc::tls::derive_finished_key(kSha256, schedule.server_handshake_traffic_secret)) ==
        rfc::server_finished_key);
  CHECK(hex(sc::tls::derive_finished_key(kSha256, schedule.client_handshake_traffic_secret)) ==
        rfc::client_finished_key);
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.server_handshake_traffic_secret,
                                      certificate_verify_transcript())) ==
        rfc::server_finished_verify_data);
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.client_handshake_traffic_secret,
                                      server_finished_transcript())) ==
        rfc::client_finished_verify_data);

  const std::vector<RecordCase> records = {
      {"server flight (EncryptedExtensions..Finished)", rfc::server_flight_record,
       &server_handshake, 0, rfc::server_flight_plaintext, kHandshake},
      {"client Finished", rfc::client_finished_record, &client_handshake, 0, rfc::client_finished,
       kHandshake},
      {"client close_notify", rfc::client_alert_record, &client_application, 0, rfc::client_alert,
       kAlert},
      {"server close_notify", rfc::server_alert_record, &server_application, 0, rfc::server_alert,
       kAlert},
  };
  for (const auto& c : records) check_protected_record(c);
}

TEST_CASE("RFC 8448 HelloRetryRequest: the CertificateVerify covers the retried transcript",
          "[tls][rfc8448]") {
  const auto public_key =
      certificate_public_key(sc::test::rfc8448::simple_1rtt::server_certificate_der);
  const Bytes certificate_verify = from_hex(rfc::certificate_verify);
  REQUIRE(certificate_verify.size() == 136);
  REQUIRE(hex(Bytes(certificate_verify.begin(), certificate_verify.begin() + 8)) ==
          "0f00008408040080");
  const Bytes signature(certificate_verify.begin() + 8, certificate_verify.end());
  using sc::crypto::SignatureScheme;
  CHECK(public_key.verify(SignatureScheme::rsa_pss_rsae_sha256,
                          certificate_verify_content(kServerContext, certificate_transcript()),
                          signature));
  // Over the transcript without message_hash (ClientHello1 hashed as is) it must not verify.
  const Bytes naive =
      transcript_hash({rfc::client_hello_1, rfc::hello_retry_request, rfc::client_hello_2,
                       rfc::server_hello, rfc::encrypted_extensions, rfc::certificate});
  CHECK_FALSE(public_key.verify(SignatureScheme::rsa_pss_rsae_sha256,
                                certificate_verify_content(kServerContext, naive), signature));
}
