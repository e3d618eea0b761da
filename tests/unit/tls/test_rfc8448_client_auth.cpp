// RFC 8448 section 6 ("Client Authentication"): a server with an ECDSA P-256 certificate asks
// for the client's certificate; the client signs with RSA-PSS. Checks the key schedule, both
// CertificateVerify signatures (each with the key of the certificate the RFC sends), both
// Finished values and every protected record, from the RFC's private keys and messages only.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/crypto/hash.hpp"
#include "common/crypto/hkdf.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/key_schedule.hpp"
#include "tests/unit/tls/rfc8448_client_auth.hpp"
#include "tests/unit/tls/rfc8448_test_support.hpp"

namespace {

namespace rfc = sc::test::rfc8448::client_auth;
using namespace sc::test::rfc8448;  // hex, concat, transcript_hash, records
using sc::Bytes;
using sc::from_hex;
using sc::crypto::HashAlgorithm;
using sc::crypto::SignatureScheme;

constexpr HashAlgorithm kSha256 = HashAlgorithm::Sha256;

Bytes hello_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello});
}
Bytes server_certificate_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate_request, rfc::server_certificate});
}
Bytes server_certificate_verify_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate_request, rfc::server_certificate,
                          rfc::server_certificate_verify});
}
Bytes server_finished_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate_request, rfc::server_certificate,
                          rfc::server_certificate_verify, rfc::server_finished});
}
Bytes client_certificate_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate_request, rfc::server_certificate,
                          rfc::server_certificate_verify, rfc::server_finished,
                          rfc::client_certificate});
}
Bytes client_certificate_verify_transcript() {
  return transcript_hash({rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions,
                          rfc::certificate_request, rfc::server_certificate,
                          rfc::server_certificate_verify, rfc::server_finished,
                          rfc::client_certificate, rfc::client_certificate_verify});
}
Bytes client_finished_transcript() {
  return transcript_hash(
      {rfc::client_hello, rfc::server_hello, rfc::encrypted_extensions, rfc::certificate_request,
       rfc::server_certificate, rfc::server_certificate_verify, rfc::server_finished,
       rfc::client_certificate, rfc::client_certificate_verify, rfc::client_finished});
}

KeyScheduleRun full_key_schedule() {
  const auto client = sc::crypto::KeyShare::from_private_key(
      sc::crypto::KeyExchangeGroup::X25519, from_hex(rfc::client_x25519_private_key));
  const auto shared = client.derive(from_hex(rfc::server_x25519_public_key));
  REQUIRE(shared.has_value());
  return run_key_schedule(kSha256, *shared, hello_transcript(), server_finished_transcript(),
                          client_finished_transcript());
}

}  // namespace

TEST_CASE("RFC 8448 client authentication: the transcribed messages agree with each other",
          "[tls][rfc8448]") {
  CHECK(std::string(rfc::client_hello_record) == "16030100c0" + std::string(rfc::client_hello));
  CHECK(std::string(rfc::server_hello_record) == "160303005a" + std::string(rfc::server_hello));
  CHECK(contains(rfc::client_hello, "001d0020" + std::string(rfc::client_x25519_public_key)));
  CHECK(contains(rfc::server_hello, "001d0020" + std::string(rfc::server_x25519_public_key)));
  CHECK(hex(concat({rfc::encrypted_extensions, rfc::certificate_request, rfc::server_certificate,
                    rfc::server_certificate_verify, rfc::server_finished})) ==
        rfc::server_flight_plaintext);
  CHECK(hex(concat({rfc::client_certificate, rfc::client_certificate_verify,
                    rfc::client_finished})) == rfc::client_flight_plaintext);
  // CertificateRequest: empty context, signature_algorithms only (RFC 8446 section 4.3.2).
  CHECK(slice(rfc::certificate_request, 0, 1) == "0d");
  CHECK(slice(rfc::certificate_request, 4, 5) == "000024000d");
  CHECK(std::string(rfc::server_certificate_verify).substr(0, 16) == "0f00004b04030047");
  CHECK(std::string(rfc::client_certificate_verify).substr(0, 16) == "0f00008408040080");
  CHECK(std::string(rfc::server_finished) ==
        "14000020" + std::string(rfc::server_finished_verify_data));
  CHECK(std::string(rfc::client_finished) ==
        "14000020" + std::string(rfc::client_finished_verify_data));
}

TEST_CASE("RFC 8448 client authentication: key schedule, traffic keys and Finished",
          "[tls][rfc8448]") {
  const auto schedule = full_key_schedule();
  CHECK(hex(schedule.early_secret) == rfc::early_secret);
  CHECK(hex(schedule.handshake_secret) == rfc::handshake_secret);
  CHECK(hex(schedule.client_handshake_traffic_secret) == rfc::client_handshake_traffic_secret);
  CHECK(hex(schedule.server_handshake_traffic_secret) == rfc::server_handshake_traffic_secret);
  CHECK(hex(schedule.master_secret) == rfc::master_secret);
  CHECK(hex(schedule.client_application_traffic_secret) == rfc::client_application_traffic_secret);
  CHECK(hex(schedule.server_application_traffic_secret) == rfc::server_application_traffic_secret);
  CHECK(hex(schedule.exporter_master_secret) == rfc::exporter_master_secret);
  CHECK(hex(schedule.resumption_master_secret) == rfc::resumption_master_secret);

  CHECK(hex(hello_transcript()) == rfc::hello_transcript_hash);
  CHECK(hex(server_finished_transcript()) == rfc::server_finished_transcript_hash);
  CHECK(hex(client_finished_transcript()) == rfc::client_finished_transcript_hash);
  const Bytes empty_hash = sc::crypto::Hash::digest(kSha256, {});
  CHECK(hex(sc::crypto::derive_secret(kSha256, schedule.early_secret, "derived", empty_hash)) ==
        rfc::derived_for_handshake);
  CHECK(hex(sc::crypto::derive_secret(kSha256, schedule.handshake_secret, "derived", empty_hash)) ==
        rfc::derived_for_master);

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
                                      server_certificate_verify_transcript())) ==
        rfc::server_finished_verify_data);
  // RFC 8446 section 4.4.4: with client authentication the client's Finished covers its own
  // Certificate and CertificateVerify, but the application secrets do not.
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.client_handshake_traffic_secret,
                                      client_certificate_verify_transcript())) ==
        rfc::client_finished_verify_data);

  const std::vector<RecordCase> records = {
      {"server flight (EncryptedExtensions..Finished)", rfc::server_flight_record,
       &server_handshake, 0, rfc::server_flight_plaintext, kHandshake},
      {"client flight (Certificate, CertificateVerify, Finished)", rfc::client_flight_record,
       &client_handshake, 0, rfc::client_flight_plaintext, kHandshake},
      {"client close_notify", rfc::client_alert_record, &client_application, 0, rfc::client_alert,
       kAlert},
      {"server close_notify", rfc::server_alert_record, &server_application, 0, rfc::server_alert,
       kAlert},
  };
  for (const auto& c : records) check_protected_record(c);
}

TEST_CASE("RFC 8448 client authentication: the ECDSA server and RSA-PSS client signatures",
          "[tls][rfc8448]") {
  const auto server_key = certificate_public_key(rfc::server_certificate_der);
  CHECK(server_key.type() == sc::crypto::KeyType::Ecdsa);
  CHECK(server_key.curve() == sc::crypto::EcCurve::P256);
  CHECK(server_key.supports(SignatureScheme::ecdsa_secp256r1_sha256));
  CHECK_FALSE(server_key.supports(SignatureScheme::rsa_pss_rsae_sha256));
  const auto client_key = certificate_public_key(rfc::client_certificate_der);
  CHECK(client_key.type() == sc::crypto::KeyType::Rsa);
  CHECK(client_key.supports(SignatureScheme::rsa_pss_rsae_sha256));

  const Bytes server_signature = from_hex(rfc::server_certificate_verify_signature);
  const Bytes client_signature = from_hex(rfc::client_certificate_verify_signature);
  const Bytes server_content =
      certificate_verify_content(kServerContext, server_certificate_transcript());
  const Bytes client_content =
      certificate_verify_content(kClientContext, client_certificate_transcript());

  CHECK(
      server_key.verify(SignatureScheme::ecdsa_secp256r1_sha256, server_content, server_signature));
  CHECK(client_key.verify(SignatureScheme::rsa_pss_rsae_sha256, client_content, client_signature));

  // Swapped context strings (RFC 8446 section 4.4.3 keeps the two roles apart) fail.
  CHECK_FALSE(
      server_key.verify(SignatureScheme::ecdsa_secp256r1_sha256,
                        certificate_verify_content(kClientContext, server_certificate_transcript()),
                        server_signature));
  CHECK_FALSE(
      client_key.verify(SignatureScheme::rsa_pss_rsae_sha256,
                        certificate_verify_content(kServerContext, client_certificate_transcript()),
                        client_signature));
  // The client's signature does not cover the transcript up to the server's Certificate only.
  CHECK_FALSE(
      client_key.verify(SignatureScheme::rsa_pss_rsae_sha256,
                        certificate_verify_content(kClientContext, server_certificate_transcript()),
                        client_signature));
  // One flipped bit in the ECDSA signature's s value fails.
  Bytes flipped = server_signature;
  flipped[flipped.size() - 1] ^= 0x01;
  CHECK_FALSE(server_key.verify(SignatureScheme::ecdsa_secp256r1_sha256, server_content, flipped));
}
