// Stapled OCSP responses, verified offline: verify_stapled_ocsp_response and
// ocsp_response_times directly, and the chain verifiers' StaplePolicy. Ordinary responses
// come from CertificateAuthority::make_ocsp_response; the odd ones (no nextUpdate, from the
// future, signed by someone else, by a delegated responder) are built with OpenSSL's OCSP API.
#include <catch2/catch.hpp>

#include <openssl/ocsp.h>

#include <algorithm>
#include <map>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/revocation.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::crypto::PrivateKey;
using sc::tls::AlertDescription;
using sc::tls::PeerRole;
using sc::tls::RevocationEvidence;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TimePoint november_20_2026() {
  std::tm day{};
  day.tm_year = 2026 - 1900;
  day.tm_mon = 10;
  day.tm_mday = 20;
  day.tm_hour = 9;
  return std::chrono::system_clock::from_time_t(timegm(&day));
}

TimePoint now() {
  return std::chrono::system_clock::now();
}

sc::crypto::Asn1TimePtr generalized_time(TimePoint time) {
  sc::crypto::Asn1TimePtr value(
      ASN1_GENERALIZEDTIME_set(nullptr, std::chrono::system_clock::to_time_t(time)));
  REQUIRE(value != nullptr);
  return value;
}

// A response built by hand: one SingleResponse about leaf, signed by signer with signer_key.
struct OddResponse {
  int status = V_OCSP_CERTSTATUS_GOOD;
  TimePoint this_update = now();
  std::optional<TimePoint> next_update = now() + hours(1);
};

sc::Bytes odd_staple(const Certificate& leaf, const Certificate& issuer, const Certificate& signer,
                     const EVP_PKEY* signer_key, const OddResponse& odd) {
  sc::crypto::OcspBasicResponsePtr basic(OCSP_BASICRESP_new());
  REQUIRE(basic != nullptr);
  sc::crypto::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), leaf.native(), issuer.native()));
  REQUIRE(id != nullptr);
  const auto this_update = generalized_time(odd.this_update);
  sc::crypto::Asn1TimePtr next_update;
  if (odd.next_update) next_update = generalized_time(*odd.next_update);
  REQUIRE(OCSP_basic_add1_status(basic.get(), id.get(), odd.status, 0, nullptr, this_update.get(),
                                 next_update.get()) != nullptr);
  REQUIRE(OCSP_basic_sign(basic.get(), signer.native(), const_cast<EVP_PKEY*>(signer_key),
                          EVP_sha256(), nullptr, OCSP_RESPID_KEY) == 1);
  sc::crypto::OcspResponsePtr response(
      OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  REQUIRE(response != nullptr);
  const int length = i2d_OCSP_RESPONSE(response.get(), nullptr);
  REQUIRE(length > 0);
  sc::Bytes der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  REQUIRE(i2d_OCSP_RESPONSE(response.get(), &cursor) == length);
  return der;
}

struct StapleScene {
  TempFolder folder;
  CertificateAuthority ca =
      CertificateAuthority::open_or_create(folder / "ca", fast_ca_options("Staple Root"));
  PrivateKey key = PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
  Certificate alice = issue("alice", {Role::Customer, 30, {}});
  Certificate bob = issue("bob", {Role::Customer, 30, {}});
  Certificate bank = issue("bank.example", {Role::Bank, 30, {"bank.example"}});
  std::map<SerialNumber, RevocationStatus> statuses = {{alice.serial(), RevocationStatus::good()},
                                                       {bob.serial(), RevocationStatus::good()},
                                                       {bank.serial(), RevocationStatus::good()}};

  Certificate issue(const std::string& name, const IssuanceProfile& profile) const {
    return ca.issue(make_csr(name, key), profile, ca.random_serial());
  }
  // What a peer staples: the CA's answer to a request without nonce.
  sc::Bytes staple(const Certificate& leaf, seconds next_update_after = hours(1)) const {
    const RevocationLookup lookup = [this](const SerialNumber& serial) {
      const auto found = statuses.find(serial);
      return found == statuses.end() ? RevocationStatus::unknown() : found->second;
    };
    return ca.make_ocsp_response(make_ocsp_request(leaf, ca.root(), false), lookup,
                                 next_update_after);
  }
  sc::Bytes odd(const Certificate& leaf, const OddResponse& response) const {
    const PrivateKey root_key = root_key_of(ca);
    return odd_staple(leaf, ca.root(), ca.root(), root_key.native(), response);
  }
  std::vector<sc::Bytes> chain(const Certificate& leaf) const {
    return {leaf.to_der(), ca.root().to_der()};
  }
  ChainVerifier verifier(StaplePolicy policy) const {
    ChainVerifier verifier({ca.root()});
    verifier.set_staple_policy(policy);
    return verifier;
  }
  // The customer alice, checked by a bank that demands a staple.
  sc::tls::CertificateCheck check_alice(const sc::Bytes& staple) const {
    return verifier(StaplePolicy::require).verify(chain(alice), PeerRole::Client, "", staple);
  }
};

}  // namespace

TEST_CASE("a good staple is accepted and says so", "[pki][ocsp][staple]") {
  StapleScene scene;
  const sc::Bytes staple = scene.staple(scene.alice);
  CHECK(verify_stapled_ocsp_response(staple, scene.alice, scene.ca.root()).is_good());

  for (const StaplePolicy policy : {StaplePolicy::verify_if_present, StaplePolicy::require}) {
    int lookups = 0;
    ChainVerifier verifier = scene.verifier(policy);
    verifier.set_revocation_check([&](const Certificate&, const Certificate&) {
      ++lookups;
      return RevocationStatus::good();
    });
    const auto check = verifier.verify(scene.chain(scene.alice), PeerRole::Client, "", staple);
    INFO(check.reason);
    CHECK(check.accepted);
    CHECK(check.revocation == RevocationEvidence::stapled_good);
    REQUIRE(check.leaf_key != nullptr);
    CHECK(lookups == 0);  // the staple decided; no lookup on the hot path
  }
  // A bank server's staple, checked by a customer who expects a bank.
  ChainVerifier customer_side = scene.verifier(StaplePolicy::require);
  customer_side.expect_role(Role::Bank);
  const auto check = customer_side.verify(scene.chain(scene.bank), PeerRole::Server, "bank.example",
                                          scene.staple(scene.bank));
  INFO(check.reason);
  CHECK(check.accepted);
  CHECK(check.revocation == RevocationEvidence::stapled_good);
}

TEST_CASE("a staple that says revoked is certificate_revoked", "[pki][ocsp][staple]") {
  StapleScene scene;
  scene.statuses[scene.alice.serial()] =
      RevocationStatus::revoked(november_20_2026(), RevocationReason::keyCompromise);
  const sc::Bytes staple = scene.staple(scene.alice);
  const RevocationStatus status =
      verify_stapled_ocsp_response(staple, scene.alice, scene.ca.root());
  CHECK(status.is_revoked());
  CHECK(status.reason == RevocationReason::keyCompromise);

  const auto check = scene.check_alice(staple);
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::certificate_revoked);
  CHECK(check.reason == "certificate for CN=alice is revoked (serial " + scene.alice.serial_hex() +
                            ", 2026-11-20, keyCompromise)");
  CHECK(check.leaf_key == nullptr);
  // verify_if_present decides the same way.
  CHECK(scene.verifier(StaplePolicy::verify_if_present)
            .verify(scene.chain(scene.alice), PeerRole::Client, "", staple)
            .alert == AlertDescription::certificate_revoked);
}

TEST_CASE("a staple that says unknown is bad_certificate_status_response", "[pki][ocsp][staple]") {
  StapleScene scene;
  scene.statuses.erase(scene.alice.serial());
  const sc::Bytes staple = scene.staple(scene.alice);
  CHECK(verify_stapled_ocsp_response(staple, scene.alice, scene.ca.root()).state ==
        RevocationStatus::State::Unknown);
  const auto check = scene.check_alice(staple);
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(check.reason == "the OCSP response stapled to the certificate for CN=alice (serial " +
                            scene.alice.serial_hex() +
                            ") says its status is unknown to the responder");
}

TEST_CASE("a staple whose nextUpdate has passed is refused", "[pki][ocsp][staple]") {
  StapleScene scene;
  const sc::Bytes staple = scene.staple(scene.alice, hours(1));
  const TimePoint later = now() + hours(2);
  CHECK_THROWS_WITH(verify_stapled_ocsp_response(staple, scene.alice, scene.ca.root(), later),
                    Catch::Contains("stale") && Catch::Contains("has passed"));

  ChainVerifier verifier = scene.verifier(StaplePolicy::require);
  verifier.set_verification_time(later);
  const auto check = verifier.verify(scene.chain(scene.alice), PeerRole::Client, "", staple);
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(contains(check.reason,
                 "the OCSP response stapled to the certificate for CN=alice cannot "
                 "be trusted"));
  CHECK(contains(check.reason, "nextUpdate"));
  // The same staple, verified now, is fine: only time made it stale.
  CHECK(scene.check_alice(staple).accepted);
}

TEST_CASE("a staple without nextUpdate is refused", "[pki][ocsp][staple]") {
  StapleScene scene;
  OddResponse forever;
  forever.next_update.reset();
  const sc::Bytes staple = scene.odd(scene.alice, forever);
  CHECK_THROWS_WITH(verify_stapled_ocsp_response(staple, scene.alice, scene.ca.root()),
                    Catch::Contains("has no nextUpdate"));
  // A direct answer to our own request may omit it (RFC 6960 allows that); a staple may not.
  CHECK(verify_ocsp_response(staple, scene.alice, scene.ca.root()).is_good());
  const auto check = scene.check_alice(staple);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(contains(check.reason, "has no nextUpdate"));
}

TEST_CASE("a staple from the future is refused, beyond five minutes of skew",
          "[pki][ocsp][staple]") {
  StapleScene scene;
  OddResponse future;
  future.this_update = now() + hours(1);
  future.next_update = now() + hours(2);
  const auto check = scene.check_alice(scene.odd(scene.alice, future));
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(contains(check.reason, "in the future"));

  OddResponse slightly_ahead;
  slightly_ahead.this_update = now() + minutes(2);
  const auto skewed = scene.check_alice(scene.odd(scene.alice, slightly_ahead));
  INFO(skewed.reason);
  CHECK(skewed.accepted);
}

TEST_CASE("a staple signed by another CA is refused", "[pki][ocsp][staple]") {
  StapleScene scene;
  const CertificateAuthority other =
      CertificateAuthority::open_or_create(scene.folder / "other", fast_ca_options("Other Root"));
  const PrivateKey other_key = root_key_of(other);
  // The right CertID, the right status, the wrong signer.
  const sc::Bytes forged =
      odd_staple(scene.alice, scene.ca.root(), other.root(), other_key.native(), OddResponse{});
  CHECK_THROWS_WITH(verify_stapled_ocsp_response(forged, scene.alice, scene.ca.root()),
                    Catch::Contains("not signed by"));
  auto check = scene.check_alice(forged);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(contains(check.reason, "not signed by"));

  // The other CA's own responder, asked about alice.
  const sc::Bytes foreign =
      other.make_ocsp_response(make_ocsp_request(scene.alice, scene.ca.root(), false),
                               [](const SerialNumber&) { return RevocationStatus::good(); });
  check = scene.check_alice(foreign);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
}

TEST_CASE("a staple delegated by the issuer to an OCSP signer is accepted", "[pki][ocsp][staple]") {
  StapleScene scene;
  const auto responder_key = generate_ec_key("P-256");
  ForgedCertificate request;
  request.common_name = "OCSP Responder";
  request.key = responder_key.get();
  request.extended_key_usage = "OCSPSigning";
  const Certificate responder = forge_certificate(request, scene.ca);
  // OCSP_basic_sign puts the responder's certificate into the response, where the verifier
  // finds it and checks the delegation (RFC 6960 section 4.2.2.2).
  const sc::Bytes staple =
      odd_staple(scene.alice, scene.ca.root(), responder, responder_key.get(), OddResponse{});
  const auto check = scene.check_alice(staple);
  INFO(check.reason);
  CHECK(check.accepted);
  CHECK(check.revocation == RevocationEvidence::stapled_good);

  // A certificate of the same CA without id-kp-OCSPSigning may not answer for it.
  request.common_name = "Not A Responder";
  request.extended_key_usage = "clientAuth";
  const Certificate impostor = forge_certificate(request, scene.ca);
  const sc::Bytes impostor_staple =
      odd_staple(scene.alice, scene.ca.root(), impostor, responder_key.get(), OddResponse{});
  CHECK(scene.check_alice(impostor_staple).alert ==
        AlertDescription::bad_certificate_status_response);
}

TEST_CASE("a staple for another certificate is refused", "[pki][ocsp][staple]") {
  StapleScene scene;
  const sc::Bytes bobs = scene.staple(scene.bob);
  CHECK_THROWS_WITH(verify_stapled_ocsp_response(bobs, scene.alice, scene.ca.root()),
                    Catch::Contains("says nothing about serial " + scene.alice.serial_hex()));
  const auto check = scene.check_alice(bobs);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(contains(check.reason, "says nothing about serial " + scene.alice.serial_hex()));
}

TEST_CASE("a damaged or unsuccessful staple is refused", "[pki][ocsp][staple]") {
  StapleScene scene;
  // One bit of the signed data changed (inside alice's serial in the CertID). The bytes after
  // the signature are the responder's certificate, which the verifier does not need (it knows
  // the issuer), so damage there would rightly go unnoticed.
  sc::Bytes damaged = scene.staple(scene.alice);
  const sc::Bytes serial = scene.alice.serial().bytes();
  const auto at = std::search(damaged.begin(), damaged.end(), serial.begin(), serial.end());
  REQUIRE(at != damaged.end());
  *(at + static_cast<std::ptrdiff_t>(serial.size()) - 1) ^= 0x01;
  const auto damaged_check = scene.check_alice(damaged);
  CHECK_FALSE(damaged_check.accepted);
  CHECK(damaged_check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(contains(damaged_check.reason, "not signed by"));
  CHECK(scene.check_alice(sc::Bytes{0x30, 0x03, 0x0a, 0x01, 0x00}).alert ==
        AlertDescription::bad_certificate_status_response);
  const sc::Bytes malformed = scene.ca.make_ocsp_response(
      sc::Bytes{0x01, 0x02}, [](const SerialNumber&) { return RevocationStatus::good(); });
  const auto check = scene.check_alice(malformed);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(contains(check.reason, "malformedrequest"));
}

TEST_CASE("a missing staple under StaplePolicy::require is refused, worded with the role",
          "[pki][ocsp][staple]") {
  StapleScene scene;
  ChainVerifier bank_side = scene.verifier(StaplePolicy::require);
  bank_side.expect_role(Role::Customer);
  auto check = bank_side.verify(scene.chain(scene.alice), PeerRole::Client, "");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(check.reason == "the customer stapled no OCSP response to its certificate (" +
                            scene.alice.subject_line() + ", serial " + scene.alice.serial_hex() +
                            "), and this peer requires one");

  // Without expect_role the leaf's own role names it.
  check = scene.verifier(StaplePolicy::require)
              .verify(scene.chain(scene.bank), PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::bad_certificate_status_response);
  CHECK(check.reason.rfind("the bank stapled no OCSP response", 0) == 0);

  // A synchronous check does not stand in for a required staple.
  ChainVerifier with_lookup = scene.verifier(StaplePolicy::require);
  with_lookup.set_revocation_check(
      [](const Certificate&, const Certificate&) { return RevocationStatus::good(); });
  CHECK(with_lookup.verify(scene.chain(scene.alice), PeerRole::Client, "").alert ==
        AlertDescription::bad_certificate_status_response);

  // The pinned-root verifier passes the policy on.
  PinnedRootVerifier pinned(scene.ca.root().sha256_fingerprint());
  pinned.set_staple_policy(StaplePolicy::require);
  CHECK(pinned.verify(scene.chain(scene.bank), PeerRole::Server, "bank.example").alert ==
        AlertDescription::bad_certificate_status_response);
  const auto stapled = pinned.verify(scene.chain(scene.bank), PeerRole::Server, "bank.example",
                                     scene.staple(scene.bank));
  INFO(stapled.reason);
  CHECK(stapled.accepted);
  CHECK(stapled.revocation == RevocationEvidence::stapled_good);
}

TEST_CASE("a missing staple under verify_if_present falls back to the revocation check",
          "[pki][ocsp][staple]") {
  StapleScene scene;
  ChainVerifier verifier = scene.verifier(StaplePolicy::verify_if_present);
  auto check = verifier.verify(scene.chain(scene.alice), PeerRole::Client, "");
  INFO(check.reason);
  CHECK(check.accepted);
  CHECK(check.revocation == RevocationEvidence::not_checked);

  int lookups = 0;
  verifier.set_revocation_check([&](const Certificate&, const Certificate&) {
    ++lookups;
    return RevocationStatus::good();
  });
  check = verifier.verify(scene.chain(scene.alice), PeerRole::Client, "");
  CHECK(check.accepted);
  CHECK(check.revocation == RevocationEvidence::looked_up_good);
  CHECK(lookups == 1);
}

TEST_CASE("StaplePolicy::ignore (the default) never looks at a staple", "[pki][ocsp][staple]") {
  StapleScene scene;
  scene.statuses[scene.alice.serial()] =
      RevocationStatus::revoked(november_20_2026(), RevocationReason::keyCompromise);
  const sc::Bytes revoked = scene.staple(scene.alice);
  const ChainVerifier verifier({scene.ca.root()});
  for (const sc::Bytes& staple : {revoked, sc::Bytes{0x01}}) {
    const auto check = verifier.verify(scene.chain(scene.alice), PeerRole::Client, "", staple);
    CHECK(check.accepted);
    CHECK(check.revocation == RevocationEvidence::not_checked);
  }
}

TEST_CASE("ocsp_response_times reads thisUpdate and nextUpdate", "[pki][ocsp][staple]") {
  StapleScene scene;
  const TimePoint before = now();
  const OcspResponseTimes times = ocsp_response_times(scene.staple(scene.alice, hours(1)));
  const TimePoint after = now();
  CHECK(times.this_update >= before - seconds(1));
  CHECK(times.this_update <= after);
  REQUIRE(times.next_update.has_value());
  CHECK(*times.next_update - times.this_update == hours(1));

  OddResponse forever;
  forever.next_update.reset();
  CHECK_FALSE(ocsp_response_times(scene.odd(scene.alice, forever)).next_update.has_value());

  CHECK_THROWS_AS(ocsp_response_times(sc::Bytes{}), PkiError);
  CHECK_THROWS_AS(ocsp_response_times(sc::Bytes{0x30, 0x00}), PkiError);
  const sc::Bytes malformed = scene.ca.make_ocsp_response(
      sc::Bytes{0x01}, [](const SerialNumber&) { return RevocationStatus::good(); });
  CHECK_THROWS_AS(ocsp_response_times(malformed), PkiError);

  // A successful response with no SingleResponse at all.
  sc::crypto::OcspBasicResponsePtr empty(OCSP_BASICRESP_new());
  const PrivateKey root_key = root_key_of(scene.ca);
  REQUIRE(OCSP_basic_sign(empty.get(), scene.ca.root().native(), root_key.native(), EVP_sha256(),
                          nullptr, OCSP_RESPID_KEY) == 1);
  sc::crypto::OcspResponsePtr response(
      OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, empty.get()));
  const int length = i2d_OCSP_RESPONSE(response.get(), nullptr);
  sc::Bytes der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  REQUIRE(i2d_OCSP_RESPONSE(response.get(), &out) == length);
  CHECK_THROWS_WITH(ocsp_response_times(der), Catch::Contains("no SingleResponse"));
}
