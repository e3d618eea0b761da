// CRLs and OCSP, checked by the openssl CLI (verify -crl_check, crl -text, ocsp -respin) and
// by our own requester-side verify_ocsp_response.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/pem_file.hpp"
#include "common/pki/pki_error.hpp"
#include "common/pki/revocation.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::crypto::PrivateKey;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void write_bytes(const std::filesystem::path& path, const sc::Bytes& bytes) {
  write_file(path, std::string(bytes.begin(), bytes.end()));
}

sc::Bytes read_bytes(const std::filesystem::path& path) {
  const std::string text = read_file(path);
  return sc::Bytes(text.begin(), text.end());
}

struct RevocationScene {
  TempFolder folder;
  CertificateAuthority ca = CertificateAuthority::open_or_create(folder.path(), fast_ca_options());
  Certificate good = issue("client-good");
  Certificate revoked = issue("client-7");
  TimePoint revoked_at = std::chrono::system_clock::now() - std::chrono::hours(30);
  std::map<SerialNumber, RevocationStatus> statuses = {
      {good.serial(), RevocationStatus::good()},
      {revoked.serial(), RevocationStatus::revoked(revoked_at, RevocationReason::keyCompromise)}};

  RevocationScene() {
    write_certificate_file(folder / "good.pem", good);
    write_certificate_file(folder / "revoked.pem", revoked);
  }
  Certificate issue(const std::string& name) {
    const PrivateKey key = PrivateKey::generate_ecdsa(sc::crypto::EcCurve::P256);
    return ca.issue(make_csr(name, key), {Role::Customer, 30, {}}, ca.random_serial());
  }
  RevocationLookup lookup() const {
    return [this](const SerialNumber& serial) {
      const auto found = statuses.find(serial);
      return found == statuses.end() ? RevocationStatus::unknown() : found->second;
    };
  }
};

}  // namespace

TEST_CASE("a CRL marks a revoked certificate for openssl verify -crl_check", "[pki][crl]") {
  RevocationScene scene;
  const auto now = std::chrono::system_clock::now();
  const std::string crl = scene.ca.make_crl(
      {{scene.revoked.serial(), scene.revoked_at, RevocationReason::keyCompromise}},
      now - std::chrono::minutes(1), now + std::chrono::hours(24), 7);
  write_file(scene.folder / "crl.pem", crl);

  const std::string check = "openssl verify -crl_check -CRLfile " +
                            quoted(scene.folder / "crl.pem") + " -CAfile " +
                            quoted(scene.folder / "ca.pem") + " ";
  const CommandResult revoked = run(check + quoted(scene.folder / "revoked.pem"));
  INFO(revoked.output);
  CHECK(revoked.exit_code != 0);
  CHECK(contains(revoked.output, "certificate revoked"));
  const CommandResult good = run(check + quoted(scene.folder / "good.pem"));
  INFO(good.output);
  CHECK(good.exit_code == 0);

  const CommandResult text =
      run("openssl crl -noout -text -in " + quoted(scene.folder / "crl.pem"));
  INFO(text.output);
  CHECK(contains(text.output, "Version 2 (0x1)"));
  CHECK(contains(text.output, "X509v3 CRL Number:"));
  CHECK(contains(text.output, "X509v3 Authority Key Identifier"));
  CHECK(contains(text.output, "Key Compromise"));
  CHECK(contains(text.output, "Serial Number: " + scene.revoked.serial_hex()));
  CHECK_FALSE(contains(text.output, scene.good.serial_hex()));
  const CommandResult number =
      run("openssl crl -noout -crlnumber -in " + quoted(scene.folder / "crl.pem"));
  CHECK(contains(number.output, "crlNumber=0x07"));
  // The CRL's signature verifies with the root.
  const CommandResult signature =
      run("openssl crl -noout -CAfile " + quoted(scene.folder / "ca.pem") + " -in " +
          quoted(scene.folder / "crl.pem"));
  CHECK(contains(signature.output, "verify OK"));
}

TEST_CASE("an empty CRL keeps every certificate valid; bad windows are refused", "[pki][crl]") {
  RevocationScene scene;
  const auto now = std::chrono::system_clock::now();
  write_file(scene.folder / "crl.pem",
             scene.ca.make_crl({}, now - std::chrono::minutes(1), now + std::chrono::hours(1)));
  const CommandResult result =
      run("openssl verify -crl_check -CRLfile " + quoted(scene.folder / "crl.pem") + " -CAfile " +
          quoted(scene.folder / "ca.pem") + " " + quoted(scene.folder / "revoked.pem"));
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK_THROWS_AS(scene.ca.make_crl({}, now, now), PkiError);
}

TEST_CASE("OCSP responses verify with openssl ocsp and report good/revoked/unknown",
          "[pki][ocsp]") {
  RevocationScene scene;
  const auto ocsp_cli = [&](const std::string& cert_file, const sc::Bytes& response) {
    write_bytes(scene.folder / "resp.der", response);
    return run("openssl ocsp -respin " + quoted(scene.folder / "resp.der") + " -CAfile " +
               quoted(scene.folder / "ca.pem") + " -issuer " + quoted(scene.folder / "ca.pem") +
               " -cert " + quoted(scene.folder / cert_file) + " -no_nonce");
  };

  const sc::Bytes good_request = make_ocsp_request(scene.good, scene.ca.root());
  const sc::Bytes good_response = scene.ca.make_ocsp_response(good_request, scene.lookup());
  const CommandResult good = ocsp_cli("good.pem", good_response);
  INFO(good.output);
  CHECK(good.exit_code == 0);
  CHECK(contains(good.output, "Response verify OK"));
  CHECK(contains(good.output, "good.pem: good"));
  CHECK(verify_ocsp_response(good_response, scene.good, scene.ca.root(), good_request).is_good());

  const sc::Bytes revoked_request = make_ocsp_request(scene.revoked, scene.ca.root());
  const sc::Bytes revoked_response = scene.ca.make_ocsp_response(revoked_request, scene.lookup());
  const CommandResult revoked = ocsp_cli("revoked.pem", revoked_response);
  INFO(revoked.output);
  CHECK(contains(revoked.output, "Response verify OK"));
  CHECK(contains(revoked.output, "revoked.pem: revoked"));
  CHECK(contains(revoked.output, "Reason: keyCompromise"));
  const RevocationStatus status =
      verify_ocsp_response(revoked_response, scene.revoked, scene.ca.root(), revoked_request);
  CHECK(status.is_revoked());
  CHECK(status.reason == RevocationReason::keyCompromise);
  CHECK(std::chrono::system_clock::to_time_t(status.revoked_at) ==
        std::chrono::system_clock::to_time_t(scene.revoked_at));

  // A request built from the serial alone names the same CertID.
  const sc::Bytes by_serial = make_ocsp_request(scene.revoked.serial(), scene.ca.root());
  CHECK(verify_ocsp_response(scene.ca.make_ocsp_response(by_serial, scene.lookup()), scene.revoked,
                             scene.ca.root(), by_serial)
            .is_revoked());

  scene.statuses.clear();  // the registry no longer knows either serial
  const sc::Bytes unknown_response = scene.ca.make_ocsp_response(good_request, scene.lookup());
  CHECK(contains(ocsp_cli("good.pem", unknown_response).output, "good.pem: unknown"));
  CHECK(verify_ocsp_response(unknown_response, scene.good, scene.ca.root()).state ==
        RevocationStatus::State::Unknown);
}

TEST_CASE("OCSP: a request made by the openssl CLI is answered, nonce echoed", "[pki][ocsp]") {
  RevocationScene scene;
  const CommandResult request =
      run("openssl ocsp -issuer " + quoted(scene.folder / "ca.pem") + " -cert " +
          quoted(scene.folder / "revoked.pem") + " -reqout " + quoted(scene.folder / "req.der"));
  INFO(request.output);
  REQUIRE(request.exit_code == 0);
  const sc::Bytes response =
      scene.ca.make_ocsp_response(read_bytes(scene.folder / "req.der"), scene.lookup());
  write_bytes(scene.folder / "resp.der", response);
  // With -reqin (and no -cert, which would build a new request) openssl checks the nonce of
  // the request it read against the response.
  const CommandResult checked = run("openssl ocsp -reqin " + quoted(scene.folder / "req.der") +
                                    " -respin " + quoted(scene.folder / "resp.der") + " -CAfile " +
                                    quoted(scene.folder / "ca.pem") + " -resp_text");
  INFO(checked.output);
  CHECK(checked.exit_code == 0);
  CHECK(contains(checked.output, "Response verify OK"));
  CHECK(contains(checked.output, "OCSP Nonce"));
  CHECK_FALSE(contains(checked.output, "WARNING: no nonce"));
  CHECK_FALSE(contains(checked.output, "Nonce Verify error"));
  CHECK(contains(checked.output, "Cert Status: revoked"));
  CHECK(contains(checked.output, "Serial Number: " + scene.revoked.serial_hex()));
}

TEST_CASE("OCSP responses that cannot be trusted are refused", "[pki][ocsp]") {
  RevocationScene scene;
  const sc::Bytes request = make_ocsp_request(scene.good, scene.ca.root());
  const sc::Bytes response = scene.ca.make_ocsp_response(request, scene.lookup());

  SECTION("nonce of another request") {
    const sc::Bytes other_request = make_ocsp_request(scene.good, scene.ca.root());
    CHECK_THROWS_WITH(verify_ocsp_response(response, scene.good, scene.ca.root(), other_request),
                      Catch::Contains("nonce"));
  }
  SECTION("signed by another CA") {
    TempFolder other_folder;
    const CertificateAuthority other =
        CertificateAuthority::open_or_create(other_folder.path(), fast_ca_options("Other Root"));
    const sc::Bytes forged = other.make_ocsp_response(request, scene.lookup());
    // The other CA does not recognise the CertID: its answer is "unknown", and it is not
    // signed by our issuer either way.
    CHECK_THROWS_AS(verify_ocsp_response(forged, scene.good, scene.ca.root()), PkiError);
  }
  SECTION("a changed byte in the signed response data") {
    // The request's last 32 bytes are its nonce, which the response echoes inside
    // tbsResponseData: changing it there must break the responder's signature.
    const sc::Bytes nonce(request.end() - 32, request.end());
    sc::Bytes damaged = response;
    const auto at = std::search(damaged.begin(), damaged.end(), nonce.begin(), nonce.end());
    REQUIRE(at != damaged.end());
    *at ^= 0x01;
    CHECK_THROWS_WITH(verify_ocsp_response(damaged, scene.good, scene.ca.root()),
                      Catch::Contains("is not signed by"));
  }
  SECTION("a failing status lookup gets internalError") {
    const sc::Bytes failed =
        scene.ca.make_ocsp_response(request, [](const SerialNumber&) -> RevocationStatus {
          throw std::runtime_error("database is locked");
        });
    CHECK_THROWS_WITH(verify_ocsp_response(failed, scene.good, scene.ca.root()),
                      Catch::Contains("internalerror"));
  }
  SECTION("response about another certificate") {
    CHECK_THROWS_WITH(verify_ocsp_response(response, scene.revoked, scene.ca.root()),
                      Catch::Contains("says nothing about serial"));
  }
  SECTION("malformed request gets malformedRequest") {
    const sc::Bytes garbage = {0x30, 0x03, 0x02, 0x01, 0x01};
    const sc::Bytes refused = scene.ca.make_ocsp_response(garbage, scene.lookup());
    CHECK_THROWS_WITH(verify_ocsp_response(refused, scene.good, scene.ca.root()),
                      Catch::Contains("malformedrequest"));
    CHECK_THROWS_AS(verify_ocsp_response(sc::Bytes{0x01, 0x02}, scene.good, scene.ca.root()),
                    PkiError);
  }
}

TEST_CASE("revocation reasons have RFC 5280 names and codes", "[pki][revocation]") {
  CHECK(std::string(revocation_reason_name(RevocationReason::keyCompromise)) == "keyCompromise");
  CHECK(revocation_reason_from_name("cessationOfOperation") ==
        RevocationReason::cessationOfOperation);
  CHECK(revocation_reason_from_code(10) == RevocationReason::aACompromise);
  CHECK_FALSE(revocation_reason_from_code(7).has_value());
  CHECK_FALSE(revocation_reason_from_name("stolen").has_value());
}
