// The TTP's protocol handler, driven in memory exactly as the network layer drives it:
// enrollment with every refusal of the issue, status (OCSP) and CRL, checked by openssl.
#include <catch2/catch.hpp>

#include <thread>

#include "common/crypto/base64.hpp"
#include "common/pki/revocation.hpp"
#include "tests/support/test_databases.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/registry.hpp"
#include "ttp/ttp_service.hpp"

using namespace sc;
using namespace sc::ttp;

namespace {

struct Reply {
  std::string status_line;
  std::string body;  // lines between the status line and END, each ending in '\n'
};

Reply parse_reply(const std::string& text) {
  REQUIRE(text.size() >= 4);
  REQUIRE(text.substr(text.size() - 4) == "END\n");
  const auto first_end = text.find('\n');
  Reply reply;
  reply.status_line = text.substr(0, first_end);
  reply.body = text.substr(first_end + 1, text.size() - 4 - (first_end + 1));
  return reply;
}

std::string first_certificate(const std::string& body) {
  const std::string end = "-----END CERTIFICATE-----\n";
  const auto begin = body.find("-----BEGIN CERTIFICATE-----");
  const auto stop = body.find(end, begin);
  REQUIRE(begin != std::string::npos);
  REQUIRE(stop != std::string::npos);
  return body.substr(begin, stop + end.size() - begin);
}

std::string status_field(const std::string& status_line, const std::string& key) {
  const auto at = status_line.find(key + "=");
  if (at == std::string::npos) return "";
  const auto start = at + key.size() + 1;
  return status_line.substr(start, status_line.find(' ', start) - start);
}

// Feeds bytes as one read and collects every answer, one at a time, as the network does.
std::string converse(TtpConnection& connection, const std::string& bytes) {
  connection.receive(as_bytes(bytes));
  std::string answers;
  while (auto answer = connection.next_answer()) answers += *answer;
  return answers;
}

struct TtpUnderTest {
  explicit TtpUnderTest(bool rsa_root = false, ServiceLimits limits = {})
      : authority(test::test_authority(folder / "ca", rsa_root)),
        registry(test::fresh_store_location(folder / "ca", "registry")),
        crl(authority, registry, folder / "ca" / "crl.pem"),
        service(authority, registry, crl, {}, std::move(limits)) {}

  std::string ask(const std::string& request) {
    TtpConnection connection(service, "127.0.0.1:40000");
    return converse(connection, request);
  }
  std::string token(pki::Role role, const std::string& name) {
    return registry.create_token(role, name, std::chrono::hours(1)).token;
  }
  std::string enroll(const std::string& role, const std::string& token, const std::string& pem) {
    return ask("ENROLL " + role + " " + token + "\n" + pem);
  }
  // The error code, after checking nothing was issued and the refusal was recorded.
  std::string refusal_code(const std::string& reply_text) {
    const Reply reply = parse_reply(reply_text);
    INFO(reply.status_line);
    REQUIRE(reply.status_line.rfind("ERROR ", 0) == 0);
    CHECK(reply.body.empty());
    CHECK(registry.certificate_count() == issued_before);
    std::istringstream words(reply.status_line);
    std::string keyword, code, sentence;
    words >> keyword >> code;
    std::getline(words >> std::ws, sentence);
    CHECK(sentence.size() > 10);  // a sentence, not just a code
    return code;
  }
  std::filesystem::path save(const std::string& name, const std::string& contents) {
    const auto path = folder / name;
    test::write_file(path, contents);
    return path;
  }

  test::TempFolder folder;
  pki::CertificateAuthority authority;
  Registry registry;
  CrlPublisher crl;
  TtpService service;
  std::int64_t issued_before = 0;
};

}  // namespace

TEST_CASE("a customer enrolls with a valid token and gets leaf + CA", "[ttp][service]") {
  TtpUnderTest ttp;
  const auto csr = test::in_process_csr("alice");
  const Reply reply =
      parse_reply(ttp.enroll("customer", ttp.token(pki::Role::Customer, "alice"), csr.to_pem()));
  INFO(reply.status_line);
  REQUIRE(reply.status_line.rfind("OK ENROLLED serial=", 0) == 0);
  const auto chain = pki::Certificate::chain_from_pem(reply.body);
  REQUIRE(chain.size() == 2);
  const auto& leaf = chain[0];
  CHECK(chain[1] == ttp.authority.root());
  CHECK(status_field(reply.status_line, "serial") == leaf.serial_hex());
  CHECK(status_field(reply.status_line, "not_after") == iso8601(leaf.not_after()));
  CHECK(leaf.common_name() == "alice");
  CHECK(leaf.has_extended_key_usage(pki::ExtendedKeyUsage::ClientAuth));
  CHECK_FALSE(leaf.has_extended_key_usage(pki::ExtendedKeyUsage::ServerAuth));
  CHECK(leaf.dns_names().empty());
  const auto days =
      std::chrono::duration_cast<std::chrono::hours>(leaf.not_after() - leaf.not_before()).count() /
      24;
  CHECK(days == 90);
  CHECK(leaf.signature_verified_by(ttp.authority.root()));
  // Committed before it was returned.
  const auto record = ttp.registry.find_certificate(leaf.serial());
  REQUIRE(record);
  CHECK(record->pem == leaf.to_pem());
}

TEST_CASE("the bank gets serverAuth + clientAuth and its host name; openssl agrees",
          "[ttp][service][openssl]") {
  TtpUnderTest ttp(/*rsa_root=*/true);  // the product's default root: RSA 3072
  const auto token =
      ttp.registry.create_token(pki::Role::Bank, "bank", std::chrono::hours(1), "bank.example")
          .token;
  const std::string csr = test::openssl_csr(ttp.folder, "/C=DE/O=Example Bank/CN=bank");
  const Reply reply = parse_reply(ttp.enroll("bank", token, csr));
  INFO(reply.status_line);
  REQUIRE(reply.status_line.rfind("OK ENROLLED", 0) == 0);
  const auto leaf = pki::Certificate::from_pem(first_certificate(reply.body));
  CHECK(leaf.has_extended_key_usage(pki::ExtendedKeyUsage::ServerAuth));
  CHECK(leaf.has_extended_key_usage(pki::ExtendedKeyUsage::ClientAuth));
  CHECK(leaf.dns_names() == std::vector<std::string>{"bank.example"});

  const auto leaf_file = ttp.save("bank.pem", leaf.to_pem());
  const auto ca_file = ttp.folder / "ca" / "ca.pem";
  const auto verify = test::run_command(
      "openssl verify -CAfile " + ca_file.string() + " " + leaf_file.string(), ttp.folder);
  INFO(verify.output << verify.errors);
  CHECK(verify.exit_code == 0);
  const auto text =
      test::run_command("openssl x509 -noout -text -in " + leaf_file.string(), ttp.folder);
  CHECK_THAT(text.output, Catch::Contains("TLS Web Server Authentication") &&
                              Catch::Contains("TLS Web Client Authentication") &&
                              Catch::Contains("DNS:bank.example") &&
                              Catch::Contains("Digital Signature") &&
                              Catch::Contains("X509v3 Authority Key Identifier") &&
                              Catch::Contains("X509v3 Subject Key Identifier"));
}

TEST_CASE("a CSR from openssl req (RSA and ECDSA) is accepted for a customer",
          "[ttp][service][openssl]") {
  TtpUnderTest ttp;
  for (const char* key : {"rsa:2048", "ec -pkeyopt ec_paramgen_curve:P-256"}) {
    const std::string csr = test::openssl_csr(ttp.folder, "/C=FR/O=Example/CN=carol", key);
    const Reply reply =
        parse_reply(ttp.enroll("customer", ttp.token(pki::Role::Customer, "carol"), csr));
    INFO(key << ": " << reply.status_line);
    CHECK(reply.status_line.rfind("OK ENROLLED", 0) == 0);
  }
  CHECK(ttp.registry.certificate_count() == 2);
}

TEST_CASE("refused enrollments issue nothing and say why", "[ttp][service][refusal]") {
  TtpUnderTest ttp;
  const std::string good_csr = test::in_process_csr("dave").to_pem();

  SECTION("a CSR whose signature does not verify") {
    Bytes der = pki::CertificateSigningRequest::from_pem(good_csr).to_der();
    der.back() ^= 0x01;  // inside the signature BIT STRING
    const auto tampered = pki::CertificateSigningRequest::from_der(der).to_pem();
    CHECK(ttp.refusal_code(ttp.enroll("customer", ttp.token(pki::Role::Customer, "dave"),
                                      tampered)) == "bad-csr");
  }
  SECTION("a 1024-bit RSA key (CSR from openssl req)") {
    const auto csr = test::openssl_csr(ttp.folder, "/C=DE/CN=dave", "rsa:1024");
    const auto reply = ttp.enroll("customer", ttp.token(pki::Role::Customer, "dave"), csr);
    CHECK(ttp.refusal_code(reply) == "weak-key");
    CHECK_THAT(reply, Catch::Contains("1024"));
  }
  SECTION("a subject without a common name") {
    const auto csr = test::openssl_csr(ttp.folder, "/C=DE/O=Example", "rsa:2048");
    CHECK(ttp.refusal_code(ttp.enroll("customer", ttp.token(pki::Role::Customer, "dave"), csr)) ==
          "bad-subject");
  }
  SECTION("a country code that is not ISO 3166-1") {
    const auto csr = test::openssl_csr(ttp.folder, "/C=XX/CN=dave", "rsa:2048");
    const auto reply = ttp.enroll("customer", ttp.token(pki::Role::Customer, "dave"), csr);
    CHECK(ttp.refusal_code(reply) == "bad-subject");
    CHECK_THAT(reply, Catch::Contains("XX"));
  }
  SECTION("a CSR that is not a CSR") {
    const std::string junk =
        "-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----\n";
    CHECK(ttp.refusal_code(ttp.enroll("customer", ttp.token(pki::Role::Customer, "dave"), junk)) ==
          "bad-csr");
  }
  SECTION("no token") {
    CHECK(ttp.refusal_code(ttp.ask("ENROLL customer\n" + good_csr)) == "bad-token");
  }
  SECTION("a wrong token") {
    ttp.token(pki::Role::Customer, "dave");
    CHECK(ttp.refusal_code(ttp.enroll("customer", std::string(64, 'f'), good_csr)) == "bad-token");
  }
  SECTION("an expired token") {
    const auto expired =
        ttp.registry.create_token(pki::Role::Customer, "dave", std::chrono::hours(1), "",
                                  Clock::now() - std::chrono::hours(2));
    const auto reply = ttp.enroll("customer", expired.token, good_csr);
    CHECK(ttp.refusal_code(reply) == "token-expired");
  }
  SECTION("an already used token") {
    const auto token = ttp.token(pki::Role::Customer, "dave");
    REQUIRE(ttp.enroll("customer", token, good_csr).rfind("OK ENROLLED", 0) == 0);
    ttp.issued_before = 1;
    CHECK(ttp.refusal_code(ttp.enroll("customer", token, good_csr)) == "token-used");
  }
  SECTION("a token for another role") {
    CHECK(ttp.refusal_code(ttp.enroll("customer", ttp.token(pki::Role::Bank, "dave"), good_csr)) ==
          "role-mismatch");
  }
  SECTION("a token for another common name") {
    CHECK(ttp.refusal_code(ttp.enroll("customer", ttp.token(pki::Role::Customer, "erin"),
                                      good_csr)) == "cn-mismatch");
  }
  SECTION("an unknown role") {
    CHECK(ttp.refusal_code(ttp.enroll("admin", ttp.token(pki::Role::Customer, "dave"), good_csr)) ==
          "malformed");
  }
  SECTION("too many words") {
    CHECK(ttp.refusal_code(ttp.ask("ENROLL customer a b\n" + good_csr)) == "malformed");
  }
  ttp.service.flush_refusals();
  CHECK(ttp.registry.refused_request_count() >= 1);
}

TEST_CASE("a refused enrollment leaves the token usable", "[ttp][service][refusal]") {
  TtpUnderTest ttp;
  const auto token = ttp.token(pki::Role::Customer, "frank");
  const auto weak = test::openssl_csr(ttp.folder, "/C=DE/CN=frank", "rsa:1024");
  CHECK(ttp.refusal_code(ttp.enroll("customer", token, weak)) == "weak-key");
  const auto good = test::in_process_csr("frank").to_pem();
  CHECK(ttp.enroll("customer", token, good).rfind("OK ENROLLED", 0) == 0);
}

TEST_CASE("malformed requests get an ERROR and END; framing errors close the connection",
          "[ttp][service][framing]") {
  TtpUnderTest ttp;
  CHECK(parse_reply(ttp.ask("HELLO\n")).status_line.rfind("ERROR unknown-command", 0) == 0);
  CHECK(parse_reply(ttp.ask("STATUS not-hex\n")).status_line.rfind("ERROR malformed", 0) == 0);
  CHECK(parse_reply(ttp.ask("STATUS\n")).status_line.rfind("ERROR malformed", 0) == 0);
  CHECK(parse_reply(ttp.ask("OCSP ***\n")).status_line.rfind("ERROR malformed", 0) == 0);
  CHECK(parse_reply(ttp.ask("CA please\n")).status_line.rfind("ERROR malformed", 0) == 0);

  TtpConnection connection(ttp.service, "127.0.0.1:40001");
  const std::string reply = converse(connection, std::string(5000, 'A'));
  CHECK(parse_reply(reply).status_line.rfind("ERROR too-large", 0) == 0);
  CHECK(connection.should_close());
  CHECK(converse(connection, "CA\n").empty());
}

TEST_CASE("CA answers with the root and its SHA-256 fingerprint", "[ttp][service]") {
  TtpUnderTest ttp;
  const Reply reply = parse_reply(ttp.ask("CA\n"));
  CHECK(reply.status_line == "OK CA fingerprint=" + ttp.authority.root().sha256_fingerprint());
  CHECK(pki::Certificate::from_pem(reply.body) == ttp.authority.root());
  CHECK(status_field(reply.status_line, "fingerprint").size() == 32 * 3 - 1);
}

TEST_CASE("two requests in one read get two answers in order", "[ttp][service]") {
  TtpUnderTest ttp;
  const std::string replies = ttp.ask("CA\nSTATUS 01\n");
  const auto second = replies.find("END\n") + 4;
  CHECK(replies.rfind("OK CA ", 0) == 0);
  CHECK(replies.substr(second).rfind("OK STATUS unknown", 0) == 0);
}

TEST_CASE("STATUS is good, then revoked after an admin revocation; OCSP verifies",
          "[ttp][service][revocation][openssl]") {
  TtpUnderTest ttp;
  const Reply enrolled = parse_reply(ttp.enroll("customer", ttp.token(pki::Role::Customer, "grace"),
                                                test::in_process_csr("grace").to_pem()));
  const auto leaf = pki::Certificate::from_pem(first_certificate(enrolled.body));

  auto status_of = [&](const std::string& serial) {
    const Reply reply = parse_reply(ttp.ask("STATUS " + serial + "\n"));
    const auto der =
        crypto::base64_decode(reply.body.substr(0, reply.body.size() - 1));  // one line of base64
    REQUIRE(der);
    return std::make_pair(reply.status_line, *der);
  };

  const auto [good_line, good_der] = status_of(leaf.serial_hex());
  CHECK(good_line == "OK STATUS good");
  CHECK(pki::verify_ocsp_response(good_der, leaf, ttp.authority.root()).is_good());

  // The admin command opens its own connection to the registry file.
  Registry admin(ttp.registry.location());
  REQUIRE(admin.revoke(leaf.serial(), pki::RevocationReason::keyCompromise) ==
          RevokeOutcome::Revoked);

  const auto [revoked_line, revoked_der] = status_of(leaf.serial_hex());
  CHECK(revoked_line == "OK STATUS revoked");
  const auto status = pki::verify_ocsp_response(revoked_der, leaf, ttp.authority.root());
  CHECK(status.is_revoked());
  CHECK(status.reason == pki::RevocationReason::keyCompromise);

  // openssl ocsp, an independent implementation, checks the signed answer.
  const auto response_file = ttp.folder / "response.der";
  test::write_file(response_file, std::string(revoked_der.begin(), revoked_der.end()));
  const auto leaf_file = ttp.save("grace.pem", leaf.to_pem());
  const auto ca_file = ttp.folder / "ca" / "ca.pem";
  const auto ocsp = test::run_command(
      "openssl ocsp -respin " + response_file.string() + " -CAfile " + ca_file.string() +
          " -issuer " + ca_file.string() + " -cert " + leaf_file.string() + " -no_nonce",
      ttp.folder);
  INFO(ocsp.output << ocsp.errors);
  CHECK(ocsp.exit_code == 0);
  CHECK_THAT(ocsp.errors + ocsp.output, Catch::Contains("Response verify OK"));
  CHECK_THAT(ocsp.output, Catch::Contains("revoked"));

  const auto [unknown_line, unknown_der] = status_of("0123456789ABCDEF");
  CHECK(unknown_line == "OK STATUS unknown");
}

TEST_CASE("OCSP requests in base64 are answered by the CA", "[ttp][service][revocation]") {
  TtpUnderTest ttp;
  const Reply enrolled = parse_reply(ttp.enroll("customer", ttp.token(pki::Role::Customer, "heidi"),
                                                test::in_process_csr("heidi").to_pem()));
  const auto leaf = pki::Certificate::from_pem(first_certificate(enrolled.body));
  const Bytes request = pki::make_ocsp_request(leaf, ttp.authority.root(), true);
  const Reply reply = parse_reply(ttp.ask("OCSP " + crypto::base64_encode(request) + "\n"));
  REQUIRE(reply.status_line == "OK OCSP");
  const auto der = crypto::base64_decode(reply.body.substr(0, reply.body.size() - 1));
  REQUIRE(der);
  CHECK(pki::verify_ocsp_response(*der, leaf, ttp.authority.root(), request).is_good());
}

TEST_CASE("the CRL lists revoked serials; openssl verify -crl_check refuses them",
          "[ttp][service][crl][openssl]") {
  TtpUnderTest ttp;
  std::vector<pki::Certificate> leaves;
  for (const char* name : {"ivan", "judy"}) {
    const Reply reply = parse_reply(ttp.enroll("customer", ttp.token(pki::Role::Customer, name),
                                               test::in_process_csr(name).to_pem()));
    leaves.push_back(pki::Certificate::from_pem(first_certificate(reply.body)));
  }
  const auto empty = parse_reply(ttp.ask("CRL\n"));
  REQUIRE(empty.status_line == "OK CRL");
  CHECK(std::filesystem::exists(ttp.crl.path()));

  REQUIRE(ttp.registry.revoke(leaves[0].serial(), pki::RevocationReason::superseded) ==
          RevokeOutcome::Revoked);
  // The daemon notices the new revocation at its next CRL answer.
  const Reply reply = parse_reply(ttp.ask("CRL\n"));
  REQUIRE(reply.status_line == "OK CRL");
  CHECK(reply.body != empty.body);
  CHECK(test::read_file(ttp.crl.path()) == reply.body);

  const auto crl_text =
      test::run_command("openssl crl -noout -text -in " + ttp.crl.path().string(), ttp.folder);
  REQUIRE(crl_text.exit_code == 0);
  CHECK_THAT(crl_text.output, Catch::Contains(leaves[0].serial_hex()) &&
                                  Catch::Contains("Superseded") &&
                                  Catch::Contains("X509v3 CRL Number"));
  CHECK_THAT(crl_text.output, !Catch::Contains(leaves[1].serial_hex()));

  const auto ca_file = ttp.folder / "ca" / "ca.pem";
  auto verify = [&](const pki::Certificate& leaf) {
    const auto file = ttp.save(leaf.serial_hex() + ".pem", leaf.to_pem());
    return test::run_command("openssl verify -crl_check -CAfile " + ca_file.string() +
                                 " -CRLfile " + ttp.crl.path().string() + " " + file.string(),
                             ttp.folder);
  };
  const auto revoked = verify(leaves[0]);
  CHECK(revoked.exit_code != 0);
  CHECK_THAT(revoked.output + revoked.errors, Catch::Contains("revoked"));
  const auto good = verify(leaves[1]);
  INFO(good.output << good.errors);
  CHECK(good.exit_code == 0);
}

TEST_CASE("the CRL is regenerated when missing, outdated or close to expiry",
          "[ttp][service][crl]") {
  TtpUnderTest ttp;
  CHECK(ttp.crl.refresh_if_needed());        // missing
  CHECK_FALSE(ttp.crl.refresh_if_needed());  // fresh
  const auto next_update = crl_next_update(test::read_file(ttp.crl.path()));
  REQUIRE(next_update);
  CHECK(std::chrono::duration_cast<std::chrono::hours>(*next_update - Clock::now()).count() >=
        7 * 24 - 1);
  // Six days and a bit later it is within a day of nextUpdate.
  CHECK(ttp.crl.refresh_if_needed(Clock::now() + std::chrono::hours(6 * 24 + 1)));
  test::write_file(ttp.crl.path(), "damaged");
  CHECK(ttp.crl.refresh_if_needed());
  CHECK(crl_next_update(test::read_file(ttp.crl.path())));
}

TEST_CASE("a running TTP writes a missing CRL without being asked", "[ttp][crl]") {
  TtpUnderTest ttp;
  REQUIRE_FALSE(std::filesystem::exists(ttp.crl.path()));
  {
    CrlRefresher refresher(ttp.authority, ttp.registry.location(), ttp.crl.path(),
                           std::chrono::milliseconds(20));
    // Wait (bounded) for the refresher's first round; no assertion on how long it took.
    for (int i = 0; i < 1000 && !std::filesystem::exists(ttp.crl.path()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  REQUIRE(std::filesystem::exists(ttp.crl.path()));
  CHECK(crl_next_update(test::read_file(ttp.crl.path())));
  CHECK_FALSE(ttp.registry.crl_outdated());
}

// ---------------------------------------------------------------- renewal (RENEW)
namespace {

struct Holder {
  crypto::PrivateKey key;
  pki::Certificate certificate;
};

pki::SubjectDetails holder_subject(const std::string& name) {
  pki::SubjectDetails subject;
  subject.country = "DE";
  subject.organisation = "Example";
  subject.common_name = name;
  return subject;
}

Holder enrolled_holder(TtpUnderTest& ttp, pki::Role role, const std::string& name) {
  auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
  const auto csr = pki::CertificateSigningRequest::create(holder_subject(name), key);
  const Reply reply =
      parse_reply(ttp.enroll(pki::role_name(role), ttp.token(role, name), csr.to_pem()));
  INFO(reply.status_line);
  REQUIRE(reply.status_line.rfind("OK ENROLLED", 0) == 0);
  return Holder{std::move(key), pki::Certificate::from_pem(first_certificate(reply.body))};
}

// RENEW over a channel that presented `presented` (leaf, then our root).
std::string renew(TtpUnderTest& ttp, const pki::Certificate& presented, const std::string& word,
                  const std::string& csr_pem) {
  RequestSource source{
      "127.0.0.1:40001", "127.0.0.1", {presented.to_der(), ttp.authority.root().to_der()}};
  TtpConnection connection(ttp.service, std::move(source));
  return converse(connection, "RENEW" + (word.empty() ? "" : " " + word) + "\n" + csr_pem);
}

std::string new_key_csr(const std::string& name) {
  const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
  return pki::CertificateSigningRequest::create(holder_subject(name), key).to_pem();
}

}  // namespace

TEST_CASE("RENEW with the channel's certificate and a new key gives a linked certificate",
          "[ttp][service][renewal]") {
  TtpUnderTest ttp;
  const Holder bank = enrolled_holder(ttp, pki::Role::Bank, "bank.example");
  const Reply reply = parse_reply(renew(ttp, bank.certificate, "", new_key_csr("bank.example")));
  INFO(reply.status_line);
  REQUIRE(reply.status_line.rfind("OK RENEWED serial=", 0) == 0);
  CHECK(status_field(reply.status_line, "renewed_from") == bank.certificate.serial_hex());
  const auto chain = pki::Certificate::chain_from_pem(reply.body);
  REQUIRE(chain.size() == 2);
  const pki::Certificate& renewed = chain[0];
  CHECK(chain[1] == ttp.authority.root());
  CHECK(status_field(reply.status_line, "serial") == renewed.serial_hex());
  CHECK(renewed.serial() != bank.certificate.serial());
  CHECK(renewed.subject() == bank.certificate.subject());
  // The role, its usages and the bank's host name come from the old certificate.
  CHECK(renewed.role() == pki::Role::Bank);
  CHECK(renewed.has_extended_key_usage(pki::ExtendedKeyUsage::ServerAuth));
  CHECK(renewed.dns_names() == bank.certificate.dns_names());
  CHECK(renewed.public_key().to_der() != bank.certificate.public_key().to_der());
  const auto days =
      std::chrono::duration_cast<std::chrono::hours>(renewed.not_after() - renewed.not_before())
          .count() /
      24;
  CHECK(days == 365);  // the TTP's policy for banks, not anything the requester asked
  const auto record = ttp.registry.find_certificate(renewed.serial());
  REQUIRE(record);
  CHECK(record->renewed_from == bank.certificate.serial_hex());
  CHECK(record->role == pki::Role::Bank);
  // The old certificate stays valid (and renewable again, e.g. after a lost answer).
  CHECK_FALSE(ttp.registry.find_certificate(bank.certificate.serial())->revocation);
}

TEST_CASE("RENEW same-key keeps the key only when asked", "[ttp][service][renewal]") {
  TtpUnderTest ttp;
  const Holder alice = enrolled_holder(ttp, pki::Role::Customer, "alice");
  const std::string same_key_csr =
      pki::CertificateSigningRequest::create(holder_subject("alice"), alice.key).to_pem();
  ttp.issued_before = ttp.registry.certificate_count();

  SECTION("asked: the same key is certified again") {
    const Reply reply = parse_reply(renew(ttp, alice.certificate, "same-key", same_key_csr));
    INFO(reply.status_line);
    REQUIRE(reply.status_line.rfind("OK RENEWED", 0) == 0);
    const auto renewed = pki::Certificate::from_pem(first_certificate(reply.body));
    CHECK(renewed.public_key().to_der() == alice.certificate.public_key().to_der());
    CHECK(renewed.role() == pki::Role::Customer);
  }
  SECTION("not asked (the default is a new key): refused") {
    CHECK(ttp.refusal_code(renew(ttp, alice.certificate, "", same_key_csr)) == "key-mismatch");
    CHECK(ttp.refusal_code(renew(ttp, alice.certificate, "new-key", same_key_csr)) ==
          "key-mismatch");
  }
  SECTION("asked, but the CSR carries another key: refused") {
    CHECK(ttp.refusal_code(renew(ttp, alice.certificate, "same-key", new_key_csr("alice"))) ==
          "key-mismatch");
  }
}

TEST_CASE("RENEW refusals issue nothing and say why", "[ttp][service][renewal][refusal]") {
  TtpUnderTest ttp;
  const Holder alice = enrolled_holder(ttp, pki::Role::Customer, "alice");
  ttp.issued_before = ttp.registry.certificate_count();

  SECTION("a channel without a client certificate") {
    TtpConnection connection(ttp.service, "127.0.0.1:40002");
    CHECK(ttp.refusal_code(converse(connection, "RENEW\n" + new_key_csr("alice"))) ==
          "no-certificate");
  }
  SECTION("a revoked certificate") {
    REQUIRE(ttp.registry.revoke(alice.certificate.serial(), pki::RevocationReason::keyCompromise) ==
            RevokeOutcome::Revoked);
    const auto reply = renew(ttp, alice.certificate, "", new_key_csr("alice"));
    CHECK(ttp.refusal_code(reply) == "certificate-revoked");
    CHECK_THAT(reply, Catch::Contains("keyCompromise"));
  }
  SECTION("an expired certificate") {
    const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
    const auto csr = pki::CertificateSigningRequest::create(holder_subject("alice"), key);
    pki::IssuanceProfile profile(pki::Role::Customer, 1, {},
                                 std::chrono::system_clock::now() - std::chrono::hours(72));
    const auto expired = ttp.authority.issue(csr, profile, pki::SerialNumber::random());
    CHECK(ttp.refusal_code(renew(ttp, expired, "", new_key_csr("alice"))) == "certificate-expired");
  }
  SECTION("a certificate from another CA") {
    test::TempFolder other_folder;
    const auto other = test::test_authority(other_folder / "ca");
    const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
    const auto csr = pki::CertificateSigningRequest::create(holder_subject("alice"), key);
    const auto foreign = other.issue(csr, pki::IssuanceProfile(pki::Role::Customer, 30),
                                     pki::SerialNumber::random());
    CHECK(ttp.refusal_code(renew(ttp, foreign, "", new_key_csr("alice"))) == "bad-certificate");
  }
  SECTION("a certificate of our CA that the registry does not know") {
    const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
    const auto csr = pki::CertificateSigningRequest::create(holder_subject("alice"), key);
    const auto unknown = ttp.authority.issue(csr, pki::IssuanceProfile(pki::Role::Customer, 30),
                                             pki::SerialNumber::random());
    CHECK(ttp.refusal_code(renew(ttp, unknown, "", new_key_csr("alice"))) == "unknown-certificate");
  }
  SECTION("a CSR for another subject") {
    const auto reply = renew(ttp, alice.certificate, "", new_key_csr("mallory"));
    CHECK(ttp.refusal_code(reply) == "subject-mismatch");
    CHECK_THAT(reply, Catch::Contains("mallory"));
  }
  SECTION("an unknown key word") {
    CHECK(ttp.refusal_code(renew(ttp, alice.certificate, "old-key", new_key_csr("alice"))) ==
          "malformed");
  }
  SECTION("a CSR that cannot be read") {
    CHECK(ttp.refusal_code(renew(ttp, alice.certificate, "",
                                 "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"
                                 "-----END CERTIFICATE REQUEST-----\n")) == "bad-csr");
  }
}

TEST_CASE("RENEW counts against the enrollment rate limit", "[ttp][service][renewal][limits]") {
  ServiceLimits limits;
  limits.enroll_rate = RateLimit{0.001, 1};  // one issuance request, then none for a long time
  TtpUnderTest ttp(false, limits);
  const Holder alice = enrolled_holder(ttp, pki::Role::Customer, "alice");
  ttp.issued_before = ttp.registry.certificate_count();
  CHECK(ttp.refusal_code(renew(ttp, alice.certificate, "", new_key_csr("alice"))) ==
        "rate-limited");
}

TEST_CASE("test lifetimes in minutes replace the days of the policy", "[ttp][service][renewal]") {
  IssuancePolicy policy;
  policy.bank_validity_minutes = std::chrono::minutes(2);
  const pki::IssuanceProfile bank = policy.profile_for(pki::Role::Bank);
  REQUIRE(bank.validity_minutes_for_testing);
  CHECK(*bank.validity_minutes_for_testing == std::chrono::minutes(2));
  CHECK_FALSE(policy.profile_for(pki::Role::Customer).validity_minutes_for_testing);
  CHECK(policy.profile_for(pki::Role::Customer).validity_days == 90);

  test::TempFolder folder;
  const auto authority = test::test_authority(folder / "ca");
  const auto issued =
      authority.issue(test::in_process_csr("bank"), bank, pki::SerialNumber::random());
  const auto lifetime = issued.not_after() - issued.not_before();
  CHECK(lifetime >= std::chrono::minutes(2));
  CHECK(lifetime <= std::chrono::minutes(2) + std::chrono::seconds(10));
}
