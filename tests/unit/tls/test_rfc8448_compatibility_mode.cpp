// RFC 8448 section 7 ("Compatibility Mode", RFC 8446 appendix D.4): a non-empty
// legacy_session_id echoed by the server and a dummy change_cipher_spec from each side, which
// stay out of the transcript. Key schedule, Finished and records from the RFC's inputs.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/crypto/hash.hpp"
#include "common/crypto/hkdf.hpp"
#include "common/crypto/key_share.hpp"
#include "common/crypto/signature.hpp"
#include "common/tls/key_schedule.hpp"
#include "tests/unit/tls/rfc8448_compatibility_mode.hpp"
#include "tests/unit/tls/rfc8448_simple_1rtt.hpp"
#include "tests/unit/tls/rfc8448_test_support.hpp"

namespace {

namespace rfc = sc::test::rfc8448::compatibility_mode;
using namespace sc::test::rfc8448;  // hex, concat, transcript_hash, records
using sc::Bytes;
using sc::from_hex;
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

}  // namespace

TEST_CASE("RFC 8448 compatibility mode: session id echo and the dummy ChangeCipherSpec",
          "[tls][rfc8448]") {
  CHECK(std::string(rfc::client_hello_record) == "16030100e0" + std::string(rfc::client_hello));
  CHECK(std::string(rfc::server_hello_record) == "160303007a" + std::string(rfc::server_hello));
  CHECK(slice(rfc::client_hello, 6, 32) == rfc::client_random);
  CHECK(slice(rfc::client_hello, 38, 33) == "20" + std::string(rfc::legacy_session_id));
  // RFC 8446 section 4.1.3: legacy_session_id_echo is the client's legacy_session_id.
  CHECK(slice(rfc::server_hello, 38, 33) == "20" + std::string(rfc::legacy_session_id));
  // change_cipher_spec (20), version 0x0303, length 1, value 1 (RFC 8446 section 5).
  CHECK(rfc::server_change_cipher_spec_record == "140303000101");
  CHECK(rfc::client_change_cipher_spec_record == "140303000101");
  CHECK(hex(concat({rfc::encrypted_extensions, rfc::certificate, rfc::certificate_verify,
                    rfc::server_finished})) == rfc::server_flight_plaintext);
  CHECK(rfc::certificate == sc::test::rfc8448::simple_1rtt::certificate);
}

TEST_CASE("RFC 8448 compatibility mode: key schedule, keys, Finished and records",
          "[tls][rfc8448]") {
  const auto client = sc::crypto::KeyShare::from_private_key(
      sc::crypto::KeyExchangeGroup::X25519, from_hex(rfc::client_x25519_private_key));
  const auto server = sc::crypto::KeyShare::from_private_key(
      sc::crypto::KeyExchangeGroup::X25519, from_hex(rfc::server_x25519_private_key));
  CHECK(hex(client.public_key()) == rfc::client_x25519_public_key);
  CHECK(hex(server.public_key()) == rfc::server_x25519_public_key);
  const auto shared = client.derive(server.public_key());
  REQUIRE(shared.has_value());
  CHECK(hex(*shared) == rfc::shared_secret);

  // The ChangeCipherSpec records are not handshake messages: the transcript skips them.
  CHECK(hex(hello_transcript()) == rfc::hello_transcript_hash);
  CHECK(hex(server_finished_transcript()) == rfc::server_finished_transcript_hash);
  CHECK(hex(client_finished_transcript()) == rfc::client_finished_transcript_hash);

  check_key_schedule_stages(
      kSha256, *shared, hello_transcript(), server_finished_transcript(),
      client_finished_transcript(),
      {rfc::early_secret, rfc::handshake_secret, rfc::client_handshake_traffic_secret,
       rfc::server_handshake_traffic_secret, rfc::master_secret,
       rfc::client_application_traffic_secret, rfc::server_application_traffic_secret,
       rfc::exporter_master_secret, rfc::resumption_master_secret});
  const KeyScheduleRun schedule =
      run_key_schedule(kSha256, *shared, hello_transcript(), server_finished_transcript(),
                       client_finished_transcript());

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
                                      certificate_verify_transcript())) ==
        rfc::server_finished_verify_data);
  CHECK(hex(sc::tls::compute_finished(kSha256, schedule.client_handshake_traffic_secret,
                                      server_finished_transcript())) ==
        rfc::client_finished_verify_data);

  // The CertificateVerify signs this handshake's transcript with the section 2 key.
  const auto public_key =
      certificate_public_key(sc::test::rfc8448::simple_1rtt::server_certificate_der);
  const Bytes certificate_verify = from_hex(rfc::certificate_verify);
  REQUIRE(certificate_verify.size() == 136);
  CHECK(public_key.verify(sc::crypto::SignatureScheme::rsa_pss_rsae_sha256,
                          certificate_verify_content(kServerContext, certificate_transcript()),
                          Bytes(certificate_verify.begin() + 8, certificate_verify.end())));

  // Sequence numbers are not advanced by the unprotected ChangeCipherSpec records.
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
