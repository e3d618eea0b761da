// ChainVerifier and PinnedRootVerifier: accepted chains, and each refusal with its alert and
// sentence.
#include <catch2/catch.hpp>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pki_error.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::tls::AlertDescription;
using sc::tls::PeerRole;

TEST_CASE("a good chain is accepted for its role and names", "[pki][verifier]") {
  TrustScene scene;
  const ChainVerifier verifier({scene.ca.root()});
  const Certificate bank =
      scene.issue("bank.example", {Role::Bank, 30, {"bank.example", "127.0.0.1"}});

  auto check = verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example");
  INFO(check.reason);
  CHECK(check.accepted);
  CHECK(check.subject == "C=DE, O=Example Bank AG, CN=bank.example");
  // The accepted leaf's key comes with the answer, so the engine need not parse it again.
  REQUIRE(check.leaf_key != nullptr);
  CHECK(check.leaf_key->to_der() == bank.public_key().to_der());
  CHECK(check.leaf_key->to_der() == scene.key.public_key().to_der());
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "127.0.0.1").accepted);
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "").accepted);
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Client, "").accepted);
  // The leaf alone is enough: the root is in the store.
  CHECK(verifier.verify({bank.to_der()}, PeerRole::Server, "bank.example").accepted);

  const Certificate customer = scene.issue("client-7", {Role::Customer, 30, {}});
  CHECK(verifier.verify(scene.chain(customer), PeerRole::Client, "").accepted);
}

TEST_CASE("a chain from another CA is unknown_ca", "[pki][verifier]") {
  TrustScene scene;
  const CertificateAuthority other =
      CertificateAuthority::open_or_create(scene.folder / "other", fast_ca_options("Rogue Root"));
  const Certificate rogue = scene.issue("bank.example", {Role::Bank, 30, {"bank.example"}}, &other);
  const ChainVerifier verifier({scene.ca.root()});

  auto check =
      verifier.verify({rogue.to_der(), other.root().to_der()}, PeerRole::Server, "bank.example");
  CHECK_FALSE(check.accepted);
  CHECK(check.leaf_key == nullptr);
  CHECK(check.alert == AlertDescription::unknown_ca);
  CHECK(check.reason.find("not a trusted certificate authority") != std::string::npos);
  CHECK(check.reason.find("Rogue Root") != std::string::npos);

  check = verifier.verify({rogue.to_der()}, PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::unknown_ca);
  // A self-signed root presented alone is not trusted either.
  check = verifier.verify({other.root().to_der()}, PeerRole::Server, "");
  CHECK(check.alert == AlertDescription::unknown_ca);
}

TEST_CASE("expired and not-yet-valid certificates are certificate_expired", "[pki][verifier]") {
  TrustScene scene;
  const ChainVerifier verifier({scene.ca.root()});
  const auto now = std::chrono::system_clock::now();

  IssuanceProfile past{Role::Bank, 30, {"bank.example"}, now - std::chrono::hours(24 * 400)};
  const Certificate expired = scene.issue("bank.example", past);
  auto check = verifier.verify(scene.chain(expired), PeerRole::Server, "bank.example");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::certificate_expired);
  CHECK(check.reason.find("certificate for CN=bank.example expired on " +
                          format_time(expired.not_after())) != std::string::npos);

  IssuanceProfile future{Role::Bank, 30, {"bank.example"}, now + std::chrono::hours(24 * 10)};
  const Certificate early = scene.issue("bank.example", future);
  check = verifier.verify(scene.chain(early), PeerRole::Server, "bank.example");
  CHECK(check.alert == AlertDescription::certificate_expired);
  CHECK(check.reason.find("is not valid before") != std::string::npos);

  // Verified as of a later time, a current certificate has expired too.
  const Certificate current = scene.issue("bank.example", {Role::Bank, 30, {"bank.example"}});
  ChainVerifier later({scene.ca.root()});
  later.set_verification_time(now + std::chrono::hours(24 * 31));
  CHECK(later.verify(scene.chain(current), PeerRole::Server, "bank.example").alert ==
        AlertDescription::certificate_expired);
  CHECK(verifier.verify(scene.chain(current), PeerRole::Server, "bank.example").accepted);
}

TEST_CASE("the wrong extended key usage is unsupported_certificate", "[pki][verifier]") {
  TrustScene scene;
  const ChainVerifier verifier({scene.ca.root()});
  const Certificate customer = scene.issue("client-7", {Role::Customer, 30, {"client.example"}});
  auto check = verifier.verify(scene.chain(customer), PeerRole::Server, "client.example");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason.find("serverAuth") != std::string::npos);

  const Certificate service = scene.issue("ttp", {Role::TtpService, 30, {"localhost"}});
  check = verifier.verify(scene.chain(service), PeerRole::Client, "");
  CHECK(check.alert == AlertDescription::unsupported_certificate);
  CHECK(check.reason.find("clientAuth") != std::string::npos);
}

TEST_CASE("a host or IP the certificate does not name is bad_certificate", "[pki][verifier]") {
  TrustScene scene;
  const ChainVerifier verifier({scene.ca.root()});
  const Certificate bank =
      scene.issue("bank.example", {Role::Bank, 30, {"bank.example", "127.0.0.1"}});
  auto check = verifier.verify(scene.chain(bank), PeerRole::Server, "evil.example");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason ==
        "certificate for CN=bank.example does not name \"evil.example\" (names: bank.example, "
        "127.0.0.1)");
  check = verifier.verify(scene.chain(bank), PeerRole::Server, "10.0.0.1");
  CHECK(check.alert == AlertDescription::bad_certificate);
  // The common name alone does not count as a host name.
  const Certificate no_san = scene.issue("bank.example", {Role::Bank, 30, {}});
  CHECK(verifier.verify(scene.chain(no_san), PeerRole::Server, "bank.example").alert ==
        AlertDescription::bad_certificate);
}

TEST_CASE("the revocation callback can refuse a leaf", "[pki][verifier][revocation]") {
  TrustScene scene;
  const Certificate customer = scene.issue("client-7", {Role::Customer, 30, {}});
  std::tm day{};
  day.tm_year = 2026 - 1900;
  day.tm_mon = 10;
  day.tm_mday = 20;
  day.tm_hour = 9;
  const TimePoint when = std::chrono::system_clock::from_time_t(timegm(&day));

  Certificate seen_issuer = customer;
  ChainVerifier verifier({scene.ca.root()},
                         [&](const Certificate& leaf, const Certificate& issuer) {
                           seen_issuer = issuer;
                           CHECK(leaf == customer);
                           return RevocationStatus::revoked(when, RevocationReason::keyCompromise);
                         });
  auto check = verifier.verify(scene.chain(customer), PeerRole::Client, "");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::certificate_revoked);
  CHECK(check.reason == "certificate for CN=client-7 is revoked (serial " + customer.serial_hex() +
                            ", 2026-11-20, keyCompromise)");
  CHECK(seen_issuer == scene.ca.root());

  verifier.set_revocation_check(
      [](const Certificate&, const Certificate&) { return RevocationStatus::unknown(); });
  CHECK(verifier.verify(scene.chain(customer), PeerRole::Client, "").accepted);
  verifier.require_known_status(true);
  check = verifier.verify(scene.chain(customer), PeerRole::Client, "");
  CHECK(check.alert == AlertDescription::certificate_unknown);

  verifier.set_revocation_check([](const Certificate&, const Certificate&) -> RevocationStatus {
    throw PkiError("the TTP is unreachable");
  });
  check = verifier.verify(scene.chain(customer), PeerRole::Client, "");
  CHECK(check.alert == AlertDescription::certificate_unknown);
  CHECK(check.reason.find("the TTP is unreachable") != std::string::npos);

  verifier.set_revocation_check(
      [](const Certificate&, const Certificate&) { return RevocationStatus::good(); });
  CHECK(verifier.verify(scene.chain(customer), PeerRole::Client, "").accepted);
}

TEST_CASE("malformed chains are bad_certificate", "[pki][verifier]") {
  TrustScene scene;
  const ChainVerifier verifier({scene.ca.root()});
  CHECK(verifier.verify({}, PeerRole::Server, "").alert == AlertDescription::bad_certificate);
  CHECK(verifier.verify({sc::Bytes{0x30, 0x03, 0x01, 0x01, 0xff}}, PeerRole::Server, "").alert ==
        AlertDescription::bad_certificate);
  sc::Bytes damaged = scene.issue("bank.example", {Role::Bank, 30, {"bank.example"}}).to_der();
  damaged[damaged.size() - 3] ^= 0x40;  // inside the signature
  const auto check = verifier.verify({damaged}, PeerRole::Server, "bank.example");
  CHECK_FALSE(check.accepted);
  CHECK(check.alert == AlertDescription::bad_certificate);
  CHECK(check.reason.find("signature") != std::string::npos);
  std::vector<sc::Bytes> too_long(11, scene.ca.root().to_der());
  CHECK(verifier.verify(too_long, PeerRole::Server, "").alert == AlertDescription::bad_certificate);
  // A CA certificate is not accepted as a peer's leaf.
  CHECK_FALSE(verifier.verify({scene.ca.root().to_der()}, PeerRole::Server, "").accepted);
}

TEST_CASE("the pinned-root verifier trusts only the root with the pinned fingerprint",
          "[pki][verifier][pinned]") {
  TrustScene scene;
  const ServiceCredentials service = scene.ca.ensure_service_credentials();
  const std::vector<sc::Bytes> chain = {service.chain[0].to_der(), service.chain[1].to_der()};

  const PinnedRootVerifier pinned(scene.ca.root().sha256_fingerprint());
  auto check = pinned.verify(chain, PeerRole::Server, "localhost");
  INFO(check.reason);
  CHECK(check.accepted);
  CHECK(pinned.verify(chain, PeerRole::Server, "127.0.0.1").accepted);
  REQUIRE(pinned.pinned_root_in(chain).has_value());
  CHECK(*pinned.pinned_root_in(chain) == scene.ca.root());
  CHECK(PinnedRootVerifier(scene.ca.root().sha256_fingerprint_raw())
            .verify(chain, PeerRole::Server, "localhost")
            .accepted);

  // Lower case without separators is the same pin.
  std::string plain;
  for (const char c : scene.ca.root().sha256_fingerprint()) {
    if (c != ':') plain += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  CHECK(PinnedRootVerifier(plain).verify(chain, PeerRole::Server, "localhost").accepted);

  // The wrong pin, or a chain without the root, is unknown_ca.
  sc::Bytes wrong = scene.ca.root().sha256_fingerprint_raw();
  wrong[0] ^= 1;
  check = PinnedRootVerifier(wrong).verify(chain, PeerRole::Server, "localhost");
  CHECK(check.alert == AlertDescription::unknown_ca);
  CHECK(check.reason.find("pinned") != std::string::npos);
  CHECK(pinned.verify({chain[0]}, PeerRole::Server, "localhost").alert ==
        AlertDescription::unknown_ca);
  // The pin does not relax the other checks.
  CHECK(pinned.verify(chain, PeerRole::Server, "bank.example").alert ==
        AlertDescription::bad_certificate);
  CHECK(pinned.verify(chain, PeerRole::Client, "").alert ==
        AlertDescription::unsupported_certificate);

  CHECK_THROWS_AS(PinnedRootVerifier("AB:CD"), PkiError);
  CHECK_THROWS_AS(PinnedRootVerifier(std::string(64, 'g')), PkiError);
}

TEST_CASE("an OCSP-backed revocation check refuses a revoked leaf", "[pki][verifier][ocsp]") {
  TrustScene scene;
  const Certificate good = scene.issue("client-1", {Role::Customer, 30, {}});
  const Certificate revoked = scene.issue("client-7", {Role::Customer, 30, {}});
  const auto revoked_at = std::chrono::system_clock::now() - std::chrono::hours(2);
  const RevocationLookup lookup = [&](const SerialNumber& serial) {
    if (serial == revoked.serial()) {
      return RevocationStatus::revoked(revoked_at, RevocationReason::affiliationChanged);
    }
    return serial == good.serial() ? RevocationStatus::good() : RevocationStatus::unknown();
  };
  int requests = 0;
  ChainVerifier verifier({scene.ca.root()}, ocsp_revocation_check([&](const sc::Bytes& request) {
                           ++requests;
                           return scene.ca.make_ocsp_response(request, lookup);
                         }));
  CHECK(verifier.verify(scene.chain(good), PeerRole::Client, "").accepted);
  const auto check = verifier.verify(scene.chain(revoked), PeerRole::Client, "");
  CHECK(check.alert == AlertDescription::certificate_revoked);
  CHECK(check.reason.find("affiliationChanged") != std::string::npos);
  CHECK(requests == 2);

  // A responder that replays an old answer (nonce mismatch) is not believed.
  const sc::Bytes stale =
      scene.ca.make_ocsp_response(make_ocsp_request(revoked, scene.ca.root()), lookup);
  ChainVerifier replayed({scene.ca.root()},
                         ocsp_revocation_check([&](const sc::Bytes&) { return stale; }));
  replayed.require_known_status(true);
  const auto replay = replayed.verify(scene.chain(revoked), PeerRole::Client, "");
  CHECK(replay.alert == AlertDescription::certificate_unknown);
  CHECK(replay.reason.find("nonce") != std::string::npos);
}
