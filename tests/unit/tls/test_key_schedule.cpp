// The TLS 1.3 key schedule, traffic keys, Finished, CertificateVerify and record protection
// checked value by value against RFC 8448 section 3 ("Simple 1-RTT Handshake"). Only the RFC's
// inputs go in: the two X25519 private keys and the handshake messages; everything else is
// computed by our code and compared with the RFC's outputs.
#include <openssl/core_names.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/aead.hpp"
#include "common/crypto/bytes.hpp"
#include "common/crypto/hash.hpp"
#include "common/crypto/hkdf.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/openssl_ptr.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/cipher_suite.hpp"
#include "common/tls/key_schedule.hpp"
#include "tests/unit/tls/rfc8448_simple_1rtt.hpp"
#include "tests/unit/tls/rfc8448_test_support.hpp"

namespace {

namespace rfc = sc::test::rfc8448::simple_1rtt;
using namespace sc::test::rfc8448;  // hex, concat, transcript_hash, records
using sc::Bytes;
using sc::ByteView;
using sc::from_hex;
using sc::crypto::AeadAlgorithm;
using sc::crypto::HashAlgorithm;

constexpr HashAlgorithm kSha256 = HashAlgorithm::Sha256;

Bytes hello_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello});
}
Bytes certificate_transcript() {
  return transcript_hash(
      {rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions, rfc::certificate});
}
Bytes certificate_verify_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate, rfc::certificate_verify});
}
Bytes server_finished_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate, rfc::certificate_verify, rfc::server_finished});
}
Bytes client_finished_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate, rfc::certificate_verify, rfc::server_finished,
                          rfc::client_finished});
}

// The (EC)DHE shared secret computed from the RFC's private keys.
sc::SecretBytes client_side_shared_secret() {
  const auto client = sc::crypto::KeyShare::from_private_key(
      sc::crypto::KeyExchangeGroup::X25519, from_hex(rfc::client_x25519_private_key));
  auto shared = client.derive(from_hex(rfc::server_x25519_public_key));
  REQUIRE(shared.has_value());
  return *shared;
}

KeyScheduleRun full_key_schedule() {
  return run_key_schedule(kSha256, client_side_shared_secret(), hello_transcript(),
                          server_finished_transcript(), client_finished_transcript());
}

sc::tls::TrafficKeys traffic_keys(ByteView secret) {
  return aes128_traffic_keys(secret);
}

}  // namespace

TEST_CASE("RFC 8448 1-RTT: the transcribed messages and records agree with each other",
          "[tls][rfc8448]") {
  // The record layer framing of the two plaintext hellos (legacy version 0x0301 on the first
  // ClientHello, 0x0303 afterwards).
  CHECK(std::string(rfc::client_hello_record) == "16030100c4" + std::string(rfc::client_hello));
  CHECK(std::string(rfc::server_hello_record) == "160303005a" + std::string(rfc::server_hello));
  CHECK(slice(rfc::client_hello, 6, 32) == rfc::client_random);
  CHECK(slice(rfc::server_hello, 6, 32) == rfc::server_random);
  // key_share entries: x25519 (0x001d), 32 bytes.
  CHECK(contains(rfc::client_hello, "001d0020" + std::string(rfc::client_x25519_public_key)));
  CHECK(contains(rfc::server_hello, "001d0020" + std::string(rfc::server_x25519_public_key)));
  // The ServerHello selects TLS_AES_128_GCM_SHA256 (after the 32-byte empty legacy session id).
  CHECK(slice(rfc::server_hello, 38, 3) == "001301");
  const auto suite = sc::tls::cipher_suite_from_code(0x1301);
  REQUIRE(suite.has_value());
  CHECK(sc::tls::cipher_suite_info(*suite).aead == AeadAlgorithm::Aes128Gcm);
  CHECK(sc::tls::cipher_suite_info(*suite).hash == kSha256);

  CHECK(hex(concat({rfc::encrypted_extensions, rfc::certificate, rfc::certificate_verify,
                    rfc::server_finished})) == rfc::server_flight_plaintext);
  CHECK(std::string(rfc::server_finished) ==
        "14000020" + std::string(rfc::server_finished_verify_data));
  CHECK(std::string(rfc::client_finished) ==
        "14000020" + std::string(rfc::client_finished_verify_data));
  // Certificate: empty context, one 432-byte entry, no extensions.
  CHECK(std::string(rfc::certificate) ==
        "0b0001b9000001b50001b0" + std::string(rfc::server_certificate_der) + "0000");
  CHECK(std::string(rfc::certificate_verify) ==
        "0f00008408040080" + std::string(rfc::certificate_verify_signature));
  // NewSessionTicket: lifetime 30 s, age_add, then the ticket_nonce used for the PSK.
  CHECK(slice(rfc::new_session_ticket, 12, 1) == "02");
  CHECK(slice(rfc::new_session_ticket, 13, 2) == rfc::ticket_nonce);
  CHECK(std::string(rfc::client_alert) == "0100");  // warning close_notify
  CHECK(std::string(rfc::server_alert) == "0100");
}

TEST_CASE("RFC 8448 1-RTT: X25519 public keys and the shared secret", "[tls][rfc8448]") {
  using sc::crypto::KeyExchangeGroup;
  using sc::crypto::KeyShare;
  const auto client = KeyShare::from_private_key(KeyExchangeGroup::X25519,
                                                 from_hex(rfc::client_x25519_private_key));
  const auto server = KeyShare::from_private_key(KeyExchangeGroup::X25519,
                                                 from_hex(rfc::server_x25519_private_key));
  CHECK(hex(client.public_key()) == rfc::client_x25519_public_key);
  CHECK(hex(server.public_key()) == rfc::server_x25519_public_key);

  const auto client_shared = client.derive(server.public_key());
  const auto server_shared = server.derive(client.public_key());
  REQUIRE(client_shared.has_value());
  REQUIRE(server_shared.has_value());
  CHECK(hex(*client_shared) == rfc::shared_secret);
  CHECK(hex(*server_shared) == rfc::shared_secret);
}

TEST_CASE("RFC 8448 1-RTT: transcript hashes of the RFC's messages", "[tls][rfc8448]") {
  CHECK(hex(sc::crypto::Hash::digest(kSha256, {})) == rfc::empty_transcript_hash);
  CHECK(hex(hello_transcript()) == rfc::hello_transcript_hash);
  CHECK(hex(server_finished_transcript()) == rfc::server_finished_transcript_hash);
  CHECK(hex(client_finished_transcript()) == rfc::client_finished_transcript_hash);

  // A running transcript: copies give the hash so far while the original keeps growing.
  sc::crypto::Hash running(kSha256);
  running.update(from_hex(rfc::client_hello));
  running.update(from_hex(rfc::server_hello));
  const sc::crypto::Hash at_server_hello = running;
  running.update(from_hex(rfc::server_flight_plaintext));
  CHECK(hex(at_server_hello.current_digest()) == rfc::hello_transcript_hash);
  CHECK(hex(running.current_digest()) == rfc::server_finished_transcript_hash);
  running.update(from_hex(rfc::client_finished));
  CHECK(hex(running.current_digest()) == rfc::client_finished_transcript_hash);
}

TEST_CASE("RFC 8448 1-RTT: every HKDF step with the RFC's own HkdfLabel encodings",
          "[tls][rfc8448]") {
  using sc::crypto::hkdf_expand;
  using sc::crypto::hkdf_expand_label;
  using sc::crypto::hkdf_extract;

  SECTION("HKDF-Extract steps") {
    CHECK(hex(hkdf_extract(kSha256, {}, from_hex(rfc::early_secret_ikm))) == rfc::early_secret);
    CHECK(hex(hkdf_extract(kSha256, from_hex(rfc::derived_for_handshake),
                           from_hex(rfc::shared_secret))) == rfc::handshake_secret);
    CHECK(hex(hkdf_extract(kSha256, from_hex(rfc::derived_for_master),
                           from_hex(rfc::master_secret_ikm))) == rfc::master_secret);
  }

  struct ExpandStep {
    std::string_view name;
    std::string_view secret;   // PRK
    std::string_view label;    // without "tls13 "
    std::string_view context;  // the hash (or ticket nonce) in the HkdfLabel
    std::string_view info;     // the RFC's HkdfLabel
    std::string_view expanded;
  };
  const std::vector<ExpandStep> steps = {
      {"derived (handshake)", rfc::early_secret, "derived", rfc::empty_transcript_hash,
       rfc::derived_hkdf_label, rfc::derived_for_handshake},
      {"c hs traffic", rfc::handshake_secret, "c hs traffic", rfc::hello_transcript_hash,
       rfc::c_hs_traffic_hkdf_label, rfc::client_handshake_traffic_secret},
      {"s hs traffic", rfc::handshake_secret, "s hs traffic", rfc::hello_transcript_hash,
       rfc::s_hs_traffic_hkdf_label, rfc::server_handshake_traffic_secret},
      {"derived (master)", rfc::handshake_secret, "derived", rfc::empty_transcript_hash,
       rfc::derived_hkdf_label, rfc::derived_for_master},
      {"server handshake key", rfc::server_handshake_traffic_secret, "key", "", rfc::key_hkdf_label,
       rfc::server_handshake_write_key},
      {"server handshake iv", rfc::server_handshake_traffic_secret, "iv", "", rfc::iv_hkdf_label,
       rfc::server_handshake_write_iv},
      {"server finished key", rfc::server_handshake_traffic_secret, "finished", "",
       rfc::finished_hkdf_label, rfc::server_finished_key},
      {"c ap traffic", rfc::master_secret, "c ap traffic", rfc::server_finished_transcript_hash,
       rfc::c_ap_traffic_hkdf_label, rfc::client_application_traffic_secret},
      {"s ap traffic", rfc::master_secret, "s ap traffic", rfc::server_finished_transcript_hash,
       rfc::s_ap_traffic_hkdf_label, rfc::server_application_traffic_secret},
      {"exp master", rfc::master_secret, "exp master", rfc::server_finished_transcript_hash,
       rfc::exp_master_hkdf_label, rfc::exporter_master_secret},
      {"server application key", rfc::server_application_traffic_secret, "key", "",
       rfc::key_hkdf_label, rfc::server_application_write_key},
      {"server application iv", rfc::server_application_traffic_secret, "iv", "",
       rfc::iv_hkdf_label, rfc::server_application_write_iv},
      {"client handshake key", rfc::client_handshake_traffic_secret, "key", "", rfc::key_hkdf_label,
       rfc::client_handshake_write_key},
      {"client handshake iv", rfc::client_handshake_traffic_secret, "iv", "", rfc::iv_hkdf_label,
       rfc::client_handshake_write_iv},
      {"client finished key", rfc::client_handshake_traffic_secret, "finished", "",
       rfc::finished_hkdf_label, rfc::client_finished_key},
      {"client application key", rfc::client_application_traffic_secret, "key", "",
       rfc::key_hkdf_label, rfc::client_application_write_key},
      {"client application iv", rfc::client_application_traffic_secret, "iv", "",
       rfc::iv_hkdf_label, rfc::client_application_write_iv},
      {"res master", rfc::master_secret, "res master", rfc::client_finished_transcript_hash,
       rfc::res_master_hkdf_label, rfc::resumption_master_secret},
      {"resumption", rfc::resumption_master_secret, "resumption", rfc::ticket_nonce,
       rfc::resumption_hkdf_label, rfc::resumption_psk},
  };
  for (const auto& step : steps) {
    INFO("step " << step.name);
    const std::size_t length = step.expanded.size() / 2;
    // HKDF-Expand (RFC 5869) with the RFC's HkdfLabel bytes...
    CHECK(hex(hkdf_expand(kSha256, from_hex(step.secret), from_hex(step.info), length)) ==
          step.expanded);
    // ...and HKDF-Expand-Label building that HkdfLabel itself.
    CHECK(hex(hkdf_expand_label(kSha256, from_hex(step.secret), step.label, from_hex(step.context),
                                length)) == step.expanded);
  }
}

TEST_CASE("RFC 8448 1-RTT: KeySchedule derives every secret", "[tls][rfc8448]") {
  check_key_schedule_stages(
      kSha256, client_side_shared_secret(), hello_transcript(), server_finished_transcript(),
      client_finished_transcript(),
      {rfc::early_secret, rfc::handshake_secret, rfc::client_handshake_traffic_secret,
       rfc::server_handshake_traffic_secret, rfc::master_secret,
       rfc::client_application_traffic_secret, rfc::server_application_traffic_secret,
       rfc::exporter_master_secret, rfc::resumption_master_secret});
}

TEST_CASE("RFC 8448 1-RTT: traffic keys and IVs of both directions", "[tls][rfc8448]") {
  const auto schedule = full_key_schedule();
  const auto server_handshake = traffic_keys(schedule.server_handshake_traffic_secret);
  const auto client_handshake = traffic_keys(schedule.client_handshake_traffic_secret);
  const auto server_application = traffic_keys(schedule.server_application_traffic_secret);
  const auto client_application = traffic_keys(schedule.client_application_traffic_secret);
  CHECK(hex(server_handshake.key) == rfc::server_handshake_write_key);
  CHECK(hex(server_handshake.iv) == rfc::server_handshake_write_iv);
  CHECK(hex(client_handshake.key) == rfc::client_handshake_write_key);
  CHECK(hex(client_handshake.iv) == rfc::client_handshake_write_iv);
  CHECK(hex(server_application.key) == rfc::server_application_write_key);
  CHECK(hex(server_application.iv) == rfc::server_application_write_iv);
  CHECK(hex(client_application.key) == rfc::client_application_write_key);
  CHECK(hex(client_application.iv) == rfc::client_application_write_iv);

  // The key length follows the AEAD: a 256-bit AEAD gets 32 bytes from the same secret.
  const auto longer = sc::tls::derive_traffic_keys(AeadAlgorithm::Aes256Gcm, kSha256,
                                                   schedule.server_handshake_traffic_secret);
  CHECK(longer.key.size() == 32);
  CHECK(longer.iv.size() == 12);
  CHECK(hex(longer.iv) == rfc::server_handshake_write_iv);
}

TEST_CASE("RFC 8448 1-RTT: Finished keys and verify_data", "[tls][rfc8448]") {
  const auto schedule = full_key_schedule();
  CHECK(hex(sc::tls::derive_finished_key(kSha256, schedule.server_handshake_traffic_secret)) ==
        rfc::server_finished_key);
  CHECK(hex(sc::tls::derive_finished_key(kSha256, schedule.client_handshake_traffic_secret)) ==
        rfc::client_finished_key);
  // RFC 8446 section 4.4.4: the server's covers ClientHello..CertificateVerify, the client's
  // ClientHello..server Finished.
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.server_handshake_traffic_secret,
                                      certificate_verify_transcript())) ==
        rfc::server_finished_verify_data);
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.client_handshake_traffic_secret,
                                      server_finished_transcript())) ==
        rfc::client_finished_verify_data);
  // The wrong base key or the wrong transcript gives another value.
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.client_handshake_traffic_secret,
                                      certificate_verify_transcript())) !=
        rfc::server_finished_verify_data);
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.server_handshake_traffic_secret,
                                      server_finished_transcript())) !=
        rfc::client_finished_verify_data);
}

TEST_CASE("next_traffic_secret is HKDF-Expand-Label(secret, \"traffic upd\", \"\", Hash.length)",
          "[tls][rfc8448]") {
  // RFC 8448 has no KeyUpdate, so the update of its application secrets is checked against
  // HKDF-Expand (RFC 5869) with the HkdfLabel written out by hand (RFC 8446 section 7.1):
  // length 32, label "tls13 traffic upd" (17 bytes), empty context.
  const Bytes info = concat({"0020", "11", sc::to_hex(sc::as_bytes("tls13 traffic upd")), "00"});
  for (const auto secret :
       {rfc::client_application_traffic_secret, rfc::server_application_traffic_secret}) {
    const auto updated = sc::tls::next_traffic_secret(kSha256, from_hex(secret));
    CHECK(updated.size() == 32);
    CHECK(hex(updated) == hex(sc::crypto::hkdf_expand(kSha256, from_hex(secret), info, 32)));
    CHECK(hex(updated) != secret);
    // Each generation differs from the previous one, and the keys change with it.
    const auto twice = sc::tls::next_traffic_secret(kSha256, updated);
    CHECK(hex(twice) != hex(updated));
    CHECK(hex(traffic_keys(updated).key) != hex(traffic_keys(from_hex(secret)).key));
  }
  // With SHA-384 the secret is 48 bytes.
  const Bytes secret384(48, 0x5a);
  CHECK(sc::tls::next_traffic_secret(HashAlgorithm::Sha384, secret384).size() == 48);
  const sc::tls::EarlySecret schedule384(HashAlgorithm::Sha384);
  CHECK(schedule384.secret().size() == 48);
}

TEST_CASE(
    "RFC 8448 1-RTT: the server's RSA-PSS CertificateVerify verifies with the RFC's "
    "certificate",
    "[tls][rfc8448]") {
  const sc::crypto::PublicKey public_key = certificate_public_key(rfc::server_certificate_der);

  // The certificate carries the section 2 key.
  BIGNUM* modulus_raw = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(public_key.native(), OSSL_PKEY_PARAM_RSA_N, &modulus_raw) == 1);
  const sc::crypto::BignumPtr modulus(modulus_raw);
  Bytes modulus_bytes(static_cast<std::size_t>(BN_num_bytes(modulus.get())));
  REQUIRE(BN_bn2bin(modulus.get(), modulus_bytes.data()) == static_cast<int>(modulus_bytes.size()));
  CHECK(hex(modulus_bytes) == rfc::rsa_modulus);
  CHECK(public_key.type() == sc::crypto::KeyType::Rsa);
  CHECK(public_key.bits() == 1024);
  CHECK(public_key.supports(sc::crypto::SignatureScheme::rsa_pss_rsae_sha256));

  // RFC 8446 section 4.4.3: the signature covers Transcript-Hash(ClientHello..Certificate).
  const auto signed_content = [](std::string_view context) {
    return certificate_verify_content(context, certificate_transcript());
  };
  const Bytes signature = from_hex(rfc::certificate_verify_signature);
  using sc::crypto::SignatureScheme;
  CHECK(public_key.verify(SignatureScheme::rsa_pss_rsae_sha256, signed_content(kServerContext),
                          signature));
  // The client's context string, the SHA-384 scheme, or one flipped bit must all fail.
  CHECK_FALSE(public_key.verify(SignatureScheme::rsa_pss_rsae_sha256,
                                signed_content(kClientContext), signature));
  CHECK_FALSE(public_key.verify(SignatureScheme::rsa_pss_rsae_sha384,
                                signed_content(kServerContext), signature));
  Bytes flipped = signature;
  flipped[40] ^= 0x01;
  CHECK_FALSE(public_key.verify(SignatureScheme::rsa_pss_rsae_sha256,
                                signed_content(kServerContext), flipped));
}

TEST_CASE("RFC 8448 1-RTT: every protected record opens with our keys and reseals byte-exact",
          "[tls][rfc8448]") {
  const auto schedule = full_key_schedule();
  const auto server_handshake = traffic_keys(schedule.server_handshake_traffic_secret);
  const auto client_handshake = traffic_keys(schedule.client_handshake_traffic_secret);
  const auto server_application = traffic_keys(schedule.server_application_traffic_secret);
  const auto client_application = traffic_keys(schedule.client_application_traffic_secret);

  const std::vector<RecordCase> records = {
      {"server flight (EncryptedExtensions..Finished)", rfc::server_flight_record,
       &server_handshake, 0, rfc::server_flight_plaintext, kHandshake},
      {"client Finished", rfc::client_finished_record, &client_handshake, 0, rfc::client_finished,
       kHandshake},
      {"NewSessionTicket", rfc::new_session_ticket_record, &server_application, 0,
       rfc::new_session_ticket, kHandshake},
      {"client application data", rfc::client_application_data_record, &client_application, 0,
       rfc::client_application_data, kApplicationData},
      {"server application data", rfc::server_application_data_record, &server_application, 1,
       rfc::server_application_data, kApplicationData},
      {"client close_notify", rfc::client_alert_record, &client_application, 1, rfc::client_alert,
       kAlert},
      {"server close_notify", rfc::server_alert_record, &server_application, 2, rfc::server_alert,
       kAlert},
  };
  for (const auto& c : records) check_protected_record(c);
}

TEST_CASE(
    "RFC 8448 section 2: the server's RSA key pairs with the certificate and signs a "
    "CertificateVerify",
    "[tls][rfc8448]") {
  const sc::crypto::PrivateKey private_key = rfc8448_server_private_key();
  // OpenSSL's own consistency check of n = p*q, d, and the CRT values.
  const sc::crypto::EvpPkeyCtxPtr check_context(
      EVP_PKEY_CTX_new_from_pkey(nullptr, private_key.native(), nullptr));
  REQUIRE(check_context != nullptr);
  CHECK(EVP_PKEY_pairwise_check(check_context.get()) == 1);
  CHECK(EVP_PKEY_private_check(check_context.get()) == 1);

  const sc::crypto::PublicKey certificate_key = certificate_public_key(rfc::server_certificate_der);
  CHECK(hex(private_key.public_key().to_der()) == hex(certificate_key.to_der()));

  // RSA-PSS is randomized: our signature differs from the RFC's, and both verify.
  using sc::crypto::SignatureScheme;
  const Bytes content = certificate_verify_content(kServerContext, certificate_transcript());
  const Bytes ours = private_key.sign(SignatureScheme::rsa_pss_rsae_sha256, content);
  CHECK(ours.size() == 128);
  CHECK(hex(ours) != rfc::certificate_verify_signature);
  CHECK(certificate_key.verify(SignatureScheme::rsa_pss_rsae_sha256, content, ours));
  CHECK(certificate_key.verify(SignatureScheme::rsa_pss_rsae_sha256, content,
                               from_hex(rfc::certificate_verify_signature)));
}

TEST_CASE("Key schedule stages: each step once, inputs of the right length", "[tls]") {
  const Bytes hash32(32, 0x11);
  const Bytes hash48(48, 0x11);
  const Bytes shared(32, 0x22);
  // Skipping a step does not compile: only an EarlySecret makes a HandshakeSecret, only a
  // HandshakeSecret a MasterSecret. Taking a step twice is a logic error.
  SECTION("a consumed stage refuses to take its step again") {
    sc::tls::EarlySecret early(kSha256);
    sc::tls::HandshakeSecret handshake = std::move(early).into_handshake_secret(shared, hash32);
    CHECK_THROWS_AS(std::move(early).into_handshake_secret(shared, hash32), std::logic_error);
    sc::tls::MasterSecret master = std::move(handshake).into_master_secret(hash32);
    CHECK_THROWS_AS(std::move(handshake).into_master_secret(hash32), std::logic_error);
    CHECK_NOTHROW(std::move(master).into_application_secrets(hash32));
    CHECK_THROWS_AS(std::move(master).into_application_secrets(hash32), std::logic_error);
  }
  SECTION("transcript hashes and secrets of another hash's length, an empty shared secret") {
    sc::tls::EarlySecret early(kSha256);
    CHECK_THROWS_AS(std::move(early).into_handshake_secret(shared, hash48), std::invalid_argument);
    CHECK_THROWS_AS(std::move(early).into_handshake_secret(Bytes{}, hash32), std::invalid_argument);
    CHECK_FALSE(early.secret().empty());  // a refused step consumes nothing
    CHECK_THROWS_AS(sc::tls::derive_traffic_keys(AeadAlgorithm::Aes128Gcm, kSha256, hash48),
                    std::invalid_argument);
    CHECK_THROWS_AS(sc::tls::compute_finished(kSha256, hash32, hash48), std::invalid_argument);
    CHECK_THROWS_AS(sc::tls::derive_finished_key(HashAlgorithm::Sha384, hash32),
                    std::invalid_argument);
    CHECK_THROWS_AS(sc::tls::next_traffic_secret(kSha256, Bytes(31, 0)), std::invalid_argument);
  }
}
