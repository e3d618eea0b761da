// Issue 13, the TTP's work bounded per request and per source: token buckets (injected clock),
// one request at a time per connection with a bounded queue of parsed requests, OCSP responses
// signed once and reused while the registry's status holds, rate-limited answers that cost no
// signature and no disk write, and refusals written in batches.
#include <catch2/catch.hpp>

#include <thread>

#include "common/crypto/base64.hpp"
#include "common/pki/revocation.hpp"
#include "tests/support/test_databases.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/ocsp_response_cache.hpp"
#include "ttp/rate_limiter.hpp"
#include "ttp/refusal_journal.hpp"
#include "ttp/registry.hpp"
#include "ttp/ttp_service.hpp"

using namespace sc;
using namespace sc::ttp;
using namespace std::chrono_literals;

namespace {

// A clock the test steps by hand.
struct ManualClock {
  SteadyTime now = SteadyTime(std::chrono::hours(1000));
  void advance(std::chrono::milliseconds step) { now += step; }
  SteadyTimeSource source() {
    return [this] { return now; };
  }
};

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string status_line_of(const std::string& answer) {
  return answer.substr(0, answer.find('\n'));
}

// The base64 line after the status line, decoded.
Bytes ocsp_der_of(const std::string& answer) {
  const auto start = answer.find('\n') + 1;
  const auto der = crypto::base64_decode(answer.substr(start, answer.find('\n', start) - start));
  REQUIRE(der);
  return *der;
}

ServiceLimits generous_limits(ManualClock& clock) {
  ServiceLimits limits;
  limits.status_rate = RateLimit{1e6, 1e6};
  limits.enroll_rate = RateLimit{1e6, 1e6};
  limits.refusal_journal.flush_interval = 0ms;  // the test flushes by hand
  limits.clock = clock.source();
  return limits;
}

struct BoundedTtp {
  explicit BoundedTtp(ServiceLimits limits)
      : authority(test::test_authority(folder / "ca")),
        registry(test::fresh_store_location(folder / "ca", "registry")),
        crl(authority, registry, folder / "ca" / "crl.pem"),
        service(authority, registry, crl, {}, std::move(limits)) {}

  std::string ask(const std::string& request, const std::string& peer = "127.0.0.1:40000") {
    TtpConnection connection(service, peer);
    connection.receive(as_bytes(request));
    std::string answers;
    while (auto answer = connection.next_answer()) answers += *answer;
    return answers;
  }
  pki::Certificate enroll(const std::string& name) {
    const auto token = registry.create_token(pki::Role::Customer, name, 1h).token;
    const std::string answer =
        ask("ENROLL customer " + token + "\n" + test::in_process_csr(name).to_pem());
    REQUIRE(answer.rfind("OK ENROLLED", 0) == 0);
    const auto begin = answer.find("-----BEGIN CERTIFICATE-----");
    return pki::Certificate::from_pem(answer.substr(begin));
  }

  test::TempFolder folder;
  pki::CertificateAuthority authority;
  Registry registry;
  CrlPublisher crl;
  TtpService service;
};

}  // namespace

TEST_CASE("a token bucket admits its burst, then its rate as the clock advances", "[ttp][limits]") {
  ManualClock clock;
  RateLimiter limiter(RateLimit{5, 10}, 16, clock.source());
  for (int i = 0; i < 10; ++i) CHECK(limiter.admit("192.0.2.1") == Admission::Admitted);
  CHECK(limiter.admit("192.0.2.1") == Admission::StartsLimit);
  CHECK(limiter.admit("192.0.2.1") == Admission::Limited);
  // Another address has its own bucket.
  CHECK(limiter.admit("192.0.2.2") == Admission::Admitted);

  clock.advance(200ms);  // 5 per second: one token
  CHECK(limiter.admit("192.0.2.1") == Admission::Admitted);
  CHECK(limiter.admit("192.0.2.1") == Admission::StartsLimit);

  clock.advance(60s);  // refills to the burst, not beyond
  int admitted = 0;
  while (limiter.admit("192.0.2.1") == Admission::Admitted && admitted < 100) ++admitted;
  CHECK(admitted == 10);
}

TEST_CASE("the rate limits count per address, not per port", "[ttp][limits]") {
  CHECK(RequestSource::from_peer_label("192.0.2.1:40112").address == "192.0.2.1");
  CHECK(RequestSource::from_peer_label("::1:40112").address == "::1");
  CHECK(RequestSource::from_peer_label("[2001:db8::7]:443").address == "2001:db8::7");
  CHECK(RequestSource::from_peer_label("test").address == "test");
  CHECK(RequestSource::from_peer_label("192.0.2.1:40112").peer == "192.0.2.1:40112");
}

TEST_CASE("rate limits refuse a nonsensical rate or burst", "[ttp][limits]") {
  CHECK(RateLimit{0, 10}.problem());
  CHECK(RateLimit{5, 0.5}.problem());
  CHECK_FALSE(RateLimit{5, 10}.problem());
  CHECK_THROWS_AS(RateLimiter(RateLimit{-1, 10}), std::invalid_argument);
}

TEST_CASE("the tracked addresses are bounded; refilled buckets go first, then the oldest",
          "[ttp][limits]") {
  ManualClock clock;
  RateLimiter limiter(RateLimit{1, 10}, 3, clock.source());
  CHECK(limiter.admit("a") == Admission::Admitted);  // refilled after 1 s
  for (int i = 0; i < 10; ++i) limiter.admit("b");   // empty, refilled after 10 s
  CHECK(limiter.admit("c") == Admission::Admitted);  // refilled after 1 s
  clock.advance(2s);
  CHECK(limiter.admit("d") == Admission::Admitted);  // a and c are forgotten, b is kept
  CHECK(limiter.tracked_addresses() == 2);
  // b's bucket survived: 2 tokens after 2 s, not a fresh burst of 10.
  CHECK(limiter.admit("b") == Admission::Admitted);
  CHECK(limiter.admit("b") == Admission::Admitted);
  CHECK(limiter.admit("b") == Admission::StartsLimit);

  for (int i = 0; i < 100; ++i) limiter.admit("source-" + std::to_string(i));
  CHECK(limiter.tracked_addresses() <= 3);
}

TEST_CASE("a connection answers one request at a time with at most 32 parsed and waiting",
          "[ttp][connection]") {
  ManualClock clock;
  BoundedTtp ttp(generous_limits(clock));
  std::string flood;
  std::size_t lines = 0;
  while (flood.size() < 15 * 1024) {
    flood += "STATUS 0123456789ABCDEF\n";
    ++lines;
  }
  TtpConnection connection(ttp.service, "127.0.0.1:40100");
  CHECK(connection.wants_input());
  connection.receive(as_bytes(flood));
  CHECK_FALSE(connection.wants_input());
  CHECK(connection.waiting_requests() == 0);  // nothing is parsed before an answer is asked for
  CHECK(connection.unparsed_bytes() == flood.size());

  std::size_t answers = 0;
  std::size_t most_waiting = 0;
  while (auto answer = connection.next_answer()) {
    ++answers;
    most_waiting = std::max(most_waiting, connection.waiting_requests());
    CHECK(connection.waiting_requests() <= TtpConnection::max_waiting_requests);
    // One answer per call, never a concatenation.
    REQUIRE(count_of(*answer, "END\n") == 1);
    CHECK(status_line_of(*answer) == "OK STATUS unknown");
    if (answers == 1) {
      CHECK(connection.waiting_requests() == TtpConnection::max_waiting_requests - 1);
      CHECK(connection.unparsed_bytes() < flood.size());
    }
    if (answers < lines) CHECK_FALSE(connection.wants_input());
  }
  CHECK(answers == lines);
  CHECK(most_waiting == TtpConnection::max_waiting_requests - 1);
  CHECK(connection.wants_input());
  CHECK(connection.unparsed_bytes() == 0);
  // One signature for the whole flood about one serial.
  CHECK(ttp.service.signature_count() == 1);
}

TEST_CASE("requests before a framing failure are answered, then one ERROR, then nothing",
          "[ttp][connection]") {
  ManualClock clock;
  BoundedTtp ttp(generous_limits(clock));
  TtpConnection connection(ttp.service, "127.0.0.1:40101");
  connection.receive(as_bytes("CA\nCA\n" + std::string(5000, 'A')));
  auto first = connection.next_answer();
  auto second = connection.next_answer();
  auto failure = connection.next_answer();
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(failure);
  CHECK(first->rfind("OK CA", 0) == 0);
  CHECK(second->rfind("OK CA", 0) == 0);
  CHECK(failure->rfind("ERROR too-large", 0) == 0);
  CHECK(connection.should_close());
  CHECK_FALSE(connection.next_answer());
  connection.receive(as_bytes("CA\n"));
  CHECK_FALSE(connection.next_answer());
}

TEST_CASE("1,000 STATUS for one serial make one signature", "[ttp][ocsp-cache]") {
  ManualClock clock;
  BoundedTtp ttp(generous_limits(clock));
  const auto leaf = ttp.enroll("judy");
  const auto signed_before = ttp.service.signature_count();

  Bytes first;
  for (int i = 0; i < 1000; ++i) {
    const std::string answer = ttp.ask("STATUS " + leaf.serial_hex() + "\n");
    REQUIRE(status_line_of(answer) == "OK STATUS good");
    const Bytes der = ocsp_der_of(answer);
    if (i == 0) {
      first = der;
      CHECK(pki::verify_ocsp_response(der, leaf, ttp.authority.root()).is_good());
    } else {
      REQUIRE(der == first);
    }
  }
  CHECK(ttp.service.signature_count() - signed_before == 1);
  CHECK(ttp.service.ocsp_cache_hits() == 999);
}

TEST_CASE("a revocation in the registry makes the next answer revoked, signed anew",
          "[ttp][ocsp-cache][revocation]") {
  ManualClock clock;
  BoundedTtp ttp(generous_limits(clock));
  const auto leaf = ttp.enroll("kim");
  const std::string status = "STATUS " + leaf.serial_hex() + "\n";
  REQUIRE(status_line_of(ttp.ask(status)) == "OK STATUS good");
  REQUIRE(status_line_of(ttp.ask(status)) == "OK STATUS good");
  const auto signed_before = ttp.service.signature_count();

  // The admin command's own connection to the registry file, as `ttp revoke` does.
  Registry admin(ttp.registry.location());
  REQUIRE(admin.revoke(leaf.serial(), pki::RevocationReason::keyCompromise) ==
          RevokeOutcome::Revoked);

  const std::string answer = ttp.ask(status);
  CHECK(status_line_of(answer) == "OK STATUS revoked");
  const auto verified = pki::verify_ocsp_response(ocsp_der_of(answer), leaf, ttp.authority.root());
  CHECK(verified.is_revoked());
  CHECK(verified.reason == pki::RevocationReason::keyCompromise);
  CHECK(ttp.service.signature_count() == signed_before + 1);
  // The revoked answer is reused in turn.
  CHECK(status_line_of(ttp.ask(status)) == "OK STATUS revoked");
  CHECK(ttp.service.signature_count() == signed_before + 1);
}

TEST_CASE("a response older than the refresh fraction of its validity is signed anew",
          "[ttp][ocsp-cache]") {
  ManualClock clock;
  ServiceLimits limits = generous_limits(clock);
  limits.ocsp.validity = 3600s;
  limits.ocsp.refresh_fraction = 0.5;
  BoundedTtp ttp(limits);
  const auto leaf = ttp.enroll("lena");
  const std::string status = "STATUS " + leaf.serial_hex() + "\n";
  const Bytes first = ocsp_der_of(ttp.ask(status));
  const auto signed_first = ttp.service.signature_count();

  clock.advance(1799s);
  CHECK(ocsp_der_of(ttp.ask(status)) == first);
  CHECK(ttp.service.signature_count() == signed_first);

  clock.advance(1s);  // 1800 s = 0.5 x 3600 s
  const Bytes renewed = ocsp_der_of(ttp.ask(status));
  CHECK(ttp.service.signature_count() == signed_first + 1);
  CHECK(pki::verify_ocsp_response(renewed, leaf, ttp.authority.root()).is_good());
  CHECK(ocsp_der_of(ttp.ask(status)) == renewed);
}

TEST_CASE("OCSP without a nonce shares the cache with STATUS; with a nonce it is signed fresh",
          "[ttp][ocsp-cache]") {
  ManualClock clock;
  BoundedTtp ttp(generous_limits(clock));
  const auto leaf = ttp.enroll("mona");
  const auto signed_before = ttp.service.signature_count();

  const Bytes plain = pki::make_ocsp_request(leaf, ttp.authority.root(), /*with_nonce=*/false);
  for (int i = 0; i < 3; ++i) {
    const std::string answer = ttp.ask("OCSP " + crypto::base64_encode(plain) + "\n");
    REQUIRE(status_line_of(answer) == "OK OCSP");
    CHECK(pki::verify_ocsp_response(ocsp_der_of(answer), leaf, ttp.authority.root(), plain)
              .is_good());
  }
  CHECK(status_line_of(ttp.ask("STATUS " + leaf.serial_hex() + "\n")) == "OK STATUS good");
  CHECK(ttp.service.signature_count() == signed_before + 1);

  for (int i = 0; i < 3; ++i) {
    const Bytes with_nonce = pki::make_ocsp_request(leaf, ttp.authority.root(), true);
    const std::string answer = ttp.ask("OCSP " + crypto::base64_encode(with_nonce) + "\n");
    REQUIRE(status_line_of(answer) == "OK OCSP");
    // verify_ocsp_response checks that the nonce is echoed.
    CHECK(pki::verify_ocsp_response(ocsp_der_of(answer), leaf, ttp.authority.root(), with_nonce)
              .is_good());
  }
  CHECK(ttp.service.signature_count() == signed_before + 4);
}

TEST_CASE("over the STATUS/OCSP limit the answer is rate-limited and costs no signature",
          "[ttp][limits]") {
  ManualClock clock;
  ServiceLimits limits = generous_limits(clock);
  limits.status_rate = RateLimit{1, 3};
  BoundedTtp ttp(limits);
  const auto leaf = ttp.enroll("nina");
  const auto ocsp_request = [&] {
    return "OCSP " +
           crypto::base64_encode(pki::make_ocsp_request(leaf, ttp.authority.root(), true)) + "\n";
  };
  for (int i = 0; i < 3; ++i) REQUIRE(status_line_of(ttp.ask(ocsp_request())) == "OK OCSP");
  const auto signed_before = ttp.service.signature_count();

  const std::string refused = ttp.ask(ocsp_request());
  CHECK(refused.rfind("ERROR rate-limited ", 0) == 0);
  CHECK_THAT(refused, Catch::Contains("127.0.0.1") && Catch::Contains("per second"));
  CHECK(refused.substr(refused.size() - 4) == "END\n");
  CHECK(ttp.ask("STATUS " + leaf.serial_hex() + "\n").rfind("ERROR rate-limited", 0) == 0);
  CHECK(ttp.service.signature_count() == signed_before);

  // Another source address has its own bucket; CA is not limited.
  CHECK(status_line_of(ttp.ask(ocsp_request(), "192.0.2.7:5000")) == "OK OCSP");
  CHECK(ttp.ask("CA\n").rfind("OK CA", 0) == 0);
  clock.advance(1s);
  CHECK(status_line_of(ttp.ask(ocsp_request())) == "OK OCSP");
}

TEST_CASE("over the ENROLL limit: rate-limited, nothing recorded, the token still works",
          "[ttp][limits]") {
  ManualClock clock;
  ServiceLimits limits = generous_limits(clock);
  limits.enroll_rate = RateLimit{1, 2};
  BoundedTtp ttp(limits);
  const std::string csr = test::in_process_csr("olga").to_pem();
  for (int i = 0; i < 2; ++i) {
    CHECK(ttp.ask("ENROLL customer " + std::string(64, 'f') + "\n" + csr)
              .rfind("ERROR bad-token", 0) == 0);
  }
  const auto token = ttp.registry.create_token(pki::Role::Customer, "olga", 1h).token;
  const std::string refused = ttp.ask("ENROLL customer " + token + "\n" + csr);
  CHECK(refused.rfind("ERROR rate-limited ", 0) == 0);
  CHECK_THAT(refused, Catch::Contains("enrollment"));

  ttp.service.flush_refusals();
  CHECK(ttp.registry.refused_request_count() == 2);  // the rate-limited one wrote nothing
  CHECK(ttp.registry.certificate_count() == 0);
  CHECK_FALSE(ttp.registry.tokens().front().used_at);

  clock.advance(1s);
  CHECK(ttp.ask("ENROLL customer " + token + "\n" + csr).rfind("OK ENROLLED", 0) == 0);
}

TEST_CASE("refusals are queued in memory and written in one transaction by flush",
          "[ttp][journal]") {
  test::TempFolder folder;
  const auto path = test::fresh_store_location(folder.path(), "registry");
  Registry registry(path);
  RefusalJournal journal(path, RefusalJournalOptions{1000, 0ms});
  for (int i = 0; i < 250; ++i) {
    journal.record(RefusalRecord{"192.0.2.9:" + std::to_string(i), pki::Role::Customer, "eve",
                                 std::nullopt, "bad-token",
                                 "the enrollment token is not known to this TTP"});
  }
  CHECK(journal.queued() == 250);
  CHECK(registry.refused_request_count() == 0);  // not one write yet
  CHECK(journal.batches_written() == 0);

  CHECK(journal.flush() == 250);
  CHECK(registry.refused_request_count() == 250);
  CHECK(journal.batches_written() == 1);
  CHECK(journal.queued() == 0);
  CHECK(journal.flush() == 0);
  CHECK(journal.batches_written() == 1);  // an empty batch writes nothing
}

TEST_CASE("the journal holds at most its capacity and counts what it dropped", "[ttp][journal]") {
  test::TempFolder folder;
  const auto path = test::fresh_store_location(folder.path(), "registry");
  Registry registry(path);
  {
    RefusalJournal journal(path, RefusalJournalOptions{10, 0ms});
    for (int i = 0; i < 15; ++i) {
      journal.record(RefusalRecord{"peer", std::nullopt, "", std::nullopt, "malformed", "x"});
    }
    CHECK(journal.queued() == 10);
    CHECK(journal.dropped() == 5);
    CHECK(journal.flush() == 10);
    journal.record(RefusalRecord{"peer", std::nullopt, "", std::nullopt, "malformed", "y"});
  }  // the destructor writes what is left
  CHECK(registry.refused_request_count() == 11);
}

TEST_CASE("the journal's own thread writes the batch within its interval", "[ttp][journal]") {
  test::TempFolder folder;
  const auto path = test::fresh_store_location(folder.path(), "registry");
  Registry registry(path);
  RefusalJournal journal(path, RefusalJournalOptions{1000, 50ms});
  for (int i = 0; i < 3; ++i) {
    journal.record(RefusalRecord{"peer", std::nullopt, "", std::nullopt, "malformed", "z"});
  }
  // Bounded poll for the event; no assertion on how long it took.
  for (int i = 0; i < 2000 && registry.refused_request_count() < 3; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(registry.refused_request_count() == 3);
}

TEST_CASE("the service's refused enrollments reach the registry at the flush, in one batch",
          "[ttp][journal][refusal]") {
  ManualClock clock;
  BoundedTtp ttp(generous_limits(clock));
  const std::string csr = test::in_process_csr("pete").to_pem();
  for (int i = 0; i < 5; ++i) {
    CHECK(ttp.ask("ENROLL customer " + std::string(64, 'e') + "\n" + csr)
              .rfind("ERROR bad-token", 0) == 0);
  }
  CHECK(ttp.registry.refused_request_count() == 0);
  CHECK(ttp.service.flush_refusals() == 5);
  CHECK(ttp.registry.refused_request_count() == 5);
  CHECK(ttp.service.refusal_journal().batches_written() == 1);
}

TEST_CASE("a token's fixed subject fields must match the CSR; free fields stay free",
          "[ttp][token][service]") {
  ManualClock clock;
  BoundedTtp ttp(generous_limits(clock));
  TokenRequest request;
  request.role = pki::Role::Customer;
  request.common_name = "quinn";
  request.time_to_live = 1h;
  request.fixed.organisation = "Example Bank";
  request.fixed.country = "DE";
  const auto token = ttp.registry.create_token(request).token;
  const auto key = crypto::PrivateKey::generate_ecdsa(crypto::EcCurve::P256);
  const auto csr_with = [&](const std::string& organisation, const std::string& locality) {
    pki::SubjectDetails subject;
    subject.country = "DE";
    subject.organisation = organisation;
    subject.locality = locality;
    subject.common_name = "quinn";
    return pki::CertificateSigningRequest::create(subject, key).to_pem();
  };

  const std::string refused =
      ttp.ask("ENROLL customer " + token + "\n" + csr_with("Evil Bank", ""));
  CHECK(refused ==
        "ERROR subject-mismatch the token fixes O=\"Example Bank\"; the request asks for "
        "O=\"Evil Bank\"\nEND\n");
  const std::string missing = ttp.ask("ENROLL customer " + token + "\n" + csr_with("", ""));
  CHECK(missing.rfind(
            "ERROR subject-mismatch the token fixes O=\"Example Bank\"; the request has no O", 0) ==
        0);
  CHECK(ttp.registry.certificate_count() == 0);

  // L is not fixed by the token: any locality is accepted.
  const std::string accepted =
      ttp.ask("ENROLL customer " + token + "\n" + csr_with("Example Bank", "Berlin"));
  CHECK(accepted.rfind("OK ENROLLED", 0) == 0);
  ttp.service.flush_refusals();
  CHECK(ttp.registry.refused_request_count() == 2);
}
