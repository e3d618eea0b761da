// CertificateCache (parsed certificates found by their exact DER, least recently used first
// out) and what it must not change in ChainVerifier: a chain seen before is checked in full
// again, and bytes that differ are parsed and judged afresh.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/pki/certificate_authority.hpp"
#include "common/pki/certificate_cache.hpp"
#include "common/pki/chain_verifier.hpp"
#include "tests/unit/pki/pki_fixture.hpp"

using namespace sc::pki;
using namespace sc::pki::test;
using sc::Bytes;
using sc::tls::AlertDescription;
using sc::tls::PeerRole;

TEST_CASE("the certificate cache finds only the exact DER it remembered",
          "[pki][certificate_cache]") {
  TrustScene scene("Cache Root");
  const Certificate a = scene.issue("client-a", {Role::Customer, 30, {}});
  const Certificate b = scene.issue("client-b", {Role::Customer, 30, {}});
  const Certificate c = scene.issue("client-c", {Role::Customer, 30, {}});
  CertificateCache cache(2);
  CHECK(cache.capacity() == 2);
  CHECK_FALSE(cache.find(a.to_der()).has_value());

  cache.remember(a.to_der(), a);
  cache.remember(b.to_der(), b);
  cache.remember(b.to_der(), b);  // remembered twice, kept once
  CHECK(cache.size() == 2);
  const auto found = cache.find(a.to_der());
  REQUIRE(found.has_value());
  CHECK(*found == a);
  CHECK(found->common_name() == "client-a");

  // One byte more, one byte less or one byte changed is another certificate.
  Bytes changed = a.to_der();
  changed[changed.size() / 2] ^= 0x01;
  CHECK_FALSE(cache.find(changed).has_value());
  Bytes longer = a.to_der();
  longer.push_back(0);
  CHECK_FALSE(cache.find(longer).has_value());
  const Bytes a_der = a.to_der();
  const Bytes shorter(a_der.begin(), a_der.end() - 1);
  CHECK_FALSE(cache.find(shorter).has_value());

  // a was used after b, so c pushes b out.
  cache.remember(c.to_der(), c);
  CHECK(cache.size() == 2);
  CHECK_FALSE(cache.find(b.to_der()).has_value());
  CHECK(cache.find(a.to_der()).has_value());
  CHECK(cache.find(c.to_der()).has_value());
}

TEST_CASE("a verifier checks a chain it has seen before in full again",
          "[pki][verifier][certificate_cache]") {
  TrustScene scene("Cache Root");
  ChainVerifier verifier({scene.ca.root()});
  const Certificate bank =
      scene.issue("bank.example", {Role::Bank, 30, {"bank.example", "127.0.0.1"}});

  const auto first = verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example");
  REQUIRE(first.accepted);
  const auto second = verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example");
  CHECK(second.accepted);
  CHECK(second.subject == first.subject);
  REQUIRE(second.leaf_key != nullptr);
  CHECK(second.leaf_key->to_der() == bank.public_key().to_der());

  // Name, role, usage and time are checked again for the remembered certificate.
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "other.example").alert ==
        AlertDescription::bad_certificate);
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Client, "").accepted);
  verifier.expect_role(Role::Customer);
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example").alert ==
        AlertDescription::unsupported_certificate);
  verifier.expect_role(Role::Bank);
  verifier.set_verification_time(std::chrono::system_clock::now() + std::chrono::hours(24 * 31));
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example").alert ==
        AlertDescription::certificate_expired);
  verifier.set_verification_time(std::nullopt);

  // Revocation is asked every time.
  int asked = 0;
  verifier.set_revocation_check([&](const Certificate&, const Certificate&) {
    ++asked;
    return RevocationStatus::revoked(std::chrono::system_clock::now(),
                                     RevocationReason::keyCompromise);
  });
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example").alert ==
        AlertDescription::certificate_revoked);
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example").alert ==
        AlertDescription::certificate_revoked);
  CHECK(asked == 2);
  verifier.set_revocation_check({});

  // The remembered leaf with its signature damaged is parsed afresh and refused.
  Bytes damaged = bank.to_der();
  damaged[damaged.size() - 5] ^= 0x01;
  const auto refused =
      verifier.verify({damaged, scene.ca.root().to_der()}, PeerRole::Server, "bank.example");
  CHECK_FALSE(refused.accepted);
  CHECK(verifier.verify(scene.chain(bank), PeerRole::Server, "bank.example").accepted);
}

TEST_CASE("one verifier serves several threads at once", "[pki][verifier][certificate_cache]") {
  TrustScene scene("Cache Root");
  const ChainVerifier verifier({scene.ca.root()});
  std::vector<Certificate> customers;
  for (int i = 0; i < 3; ++i) {
    customers.push_back(scene.issue("client-" + std::to_string(i), {Role::Customer, 30, {}}));
  }
  std::atomic<int> accepted{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  constexpr int kThreads = 4;
  constexpr int kRounds = 6;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const Certificate& customer = customers[(t + round) % customers.size()];
        const auto check = verifier.verify(scene.chain(customer), PeerRole::Client, "");
        if (check.accepted && check.leaf_key != nullptr &&
            check.leaf_key->to_der() == customer.public_key().to_der()) {
          ++accepted;
        } else {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong == 0);
  CHECK(accepted == kThreads * kRounds);
}
