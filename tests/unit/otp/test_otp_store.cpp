// The OTP rules: single use, expiry, three wrong attempts, binding to the customer, limits, and
// a uniform code distribution.
#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <thread>

#include "common/otp/otp_store.hpp"
#include "tests/unit/otp/fake_clock.hpp"

using namespace sc;
using namespace sc::otp;
using namespace sc::otp::test;
using namespace std::chrono_literals;

TEST_CASE("an issued OTP is confirmed once by the customer who asked", "[otp_store]") {
  FakeClock time;
  OtpStore store({}, time.clock());
  const IssuedOtp issued = store.issue(sample_transaction(), kAlice);
  CHECK(issued.code.size() == 6);
  CHECK(issued.code.find_first_not_of("0123456789") == std::string::npos);
  CHECK(issued.transaction_id.size() == 21);
  CHECK(issued.transaction_id[0] == 'T');
  CHECK(issued.lifetime == 120s);
  CHECK(issued.expires_at == *time.now + 120s);
  CHECK(store.pending_count() == 1);

  time.advance(119s);
  const Confirmation result = store.confirm(issued.transaction_id, issued.code, kAlice);
  CHECK(result.accepted);
  CHECK(store.pending_count() == 0);

  SECTION("a replay is refused as already used") {
    const Confirmation replay = store.confirm(issued.transaction_id, issued.code, kAlice);
    CHECK_FALSE(replay.accepted);
    CHECK(replay.reason == RejectReason::AlreadyUsed);
  }
  SECTION("after the retention the transaction is forgotten") {
    time.advance(store.policy().lifetime + store.policy().retention);
    store.purge_expired();
    const Confirmation replay = store.confirm(issued.transaction_id, issued.code, kAlice);
    CHECK_FALSE(replay.accepted);
    CHECK(replay.reason == RejectReason::UnknownTransaction);
  }
}

TEST_CASE("three wrong codes lock the transaction, even against the right code", "[otp_store]") {
  FakeClock time;
  OtpStore store({}, time.clock());
  const IssuedOtp issued = store.issue(sample_transaction(), kAlice);
  const std::string wrong = wrong_code(issued.code);
  for (unsigned left : {2u, 1u, 0u}) {
    const Confirmation result = store.confirm(issued.transaction_id, wrong, kAlice);
    CHECK_FALSE(result.accepted);
    CHECK(result.reason == RejectReason::WrongCode);
    CHECK(result.attempts_left == left);
  }
  const Confirmation fourth = store.confirm(issued.transaction_id, issued.code, kAlice);
  CHECK_FALSE(fourth.accepted);
  CHECK(fourth.reason == RejectReason::Locked);
  CHECK(store.pending_count() == 0);
}

TEST_CASE("two wrong codes then the right one is accepted", "[otp_store]") {
  FakeClock time;
  OtpStore store({}, time.clock());
  const IssuedOtp issued = store.issue(sample_transaction(), kAlice);
  CHECK(store.confirm(issued.transaction_id, wrong_code(issued.code), kAlice).attempts_left == 2);
  CHECK(store.confirm(issued.transaction_id, "", kAlice).attempts_left == 1);
  CHECK(store.confirm(issued.transaction_id, issued.code, kAlice).accepted);
}

TEST_CASE("an expired OTP is refused, even with the right code", "[otp_store]") {
  FakeClock time;
  OtpStore store({}, time.clock());
  const IssuedOtp issued = store.issue(sample_transaction(), kAlice);
  time.advance(120s);  // expires_at itself is already too late
  const Confirmation result = store.confirm(issued.transaction_id, issued.code, kAlice);
  CHECK_FALSE(result.accepted);
  CHECK(result.reason == RejectReason::Expired);
  CHECK(store.confirm(issued.transaction_id, issued.code, kAlice).reason == RejectReason::Expired);
}

TEST_CASE("a shorter lifetime from the policy applies", "[otp_store]") {
  FakeClock time;
  OtpPolicy policy;
  policy.lifetime = 30s;
  policy.digits = 8;
  OtpStore store(policy, time.clock());
  const IssuedOtp issued = store.issue(sample_transaction(), kAlice);
  CHECK(issued.code.size() == 8);
  time.advance(31s);
  CHECK(store.confirm(issued.transaction_id, issued.code, kAlice).reason == RejectReason::Expired);
}

TEST_CASE("another customer cannot confirm, and cannot lock the owner out", "[otp_store]") {
  FakeClock time;
  OtpStore store({}, time.clock());
  const IssuedOtp issued = store.issue(sample_transaction(), kAlice);
  for (int i = 0; i < 5; ++i) {
    // Even with the right code.
    const Confirmation result = store.confirm(issued.transaction_id, issued.code, kMallory);
    CHECK_FALSE(result.accepted);
    CHECK(result.reason == RejectReason::WrongCustomer);
  }
  CHECK(store.confirm(issued.transaction_id, issued.code, kAlice).accepted);
}

TEST_CASE("an unknown transaction id is refused", "[otp_store]") {
  OtpStore store;
  const Confirmation result = store.confirm("T0000", "123456", kAlice);
  CHECK_FALSE(result.accepted);
  CHECK(result.reason == RejectReason::UnknownTransaction);
}

TEST_CASE("transaction ids are distinct and codes never confirm another transaction",
          "[otp_store]") {
  FakeClock time;
  OtpPolicy policy;
  policy.max_pending_per_customer = 1000;
  OtpStore store(policy, time.clock());
  std::set<std::string> ids;
  const IssuedOtp first = store.issue(sample_transaction(), kAlice);
  ids.insert(first.transaction_id);
  for (int i = 0; i < 200; ++i)
    ids.insert(store.issue(sample_transaction(), kAlice).transaction_id);
  CHECK(ids.size() == 201);
  // A second transaction with a different code: the first one's code does not open it (unless
  // the two codes happen to be equal, which the loop skips).
  for (int i = 0; i < 20; ++i) {
    const IssuedOtp other = store.issue(sample_transaction(), kAlice);
    if (other.code == first.code) continue;
    CHECK_FALSE(store.confirm(other.transaction_id, first.code, kAlice).accepted);
    break;
  }
}

TEST_CASE("limits on pending transactions, per customer and overall", "[otp_store]") {
  FakeClock time;
  OtpPolicy policy;
  policy.max_pending_per_customer = 3;
  policy.max_transactions = 5;
  OtpStore store(policy, time.clock());
  std::vector<IssuedOtp> alice;
  for (int i = 0; i < 3; ++i) alice.push_back(store.issue(sample_transaction(), kAlice));
  CHECK_THROWS_AS(store.issue(sample_transaction(), kAlice), OtpLimitReached);

  SECTION("a confirmed transaction frees a place") {
    REQUIRE(store.confirm(alice[0].transaction_id, alice[0].code, kAlice).accepted);
    CHECK_NOTHROW(store.issue(sample_transaction(), kAlice));
  }
  SECTION("expired transactions free their places") {
    time.advance(121s);
    for (int i = 0; i < 3; ++i) CHECK_NOTHROW(store.issue(sample_transaction(), kAlice));
  }
  SECTION("the overall limit counts every customer") {
    store.issue(sample_transaction(), kMallory);
    store.issue(sample_transaction(), kMallory);
    CHECK_THROWS_AS(store.issue(sample_transaction(), std::string(64, 'c')), OtpLimitReached);
    // Finished transactions give way to new ones.
    REQUIRE(store.confirm(alice[1].transaction_id, alice[1].code, kAlice).accepted);
    CHECK_NOTHROW(store.issue(sample_transaction(), std::string(64, 'c')));
    CHECK(store.confirm(alice[1].transaction_id, alice[1].code, kAlice).reason ==
          RejectReason::UnknownTransaction);
  }
}

TEST_CASE("the policy is checked", "[otp_store]") {
  OtpPolicy policy;
  policy.digits = 5;
  CHECK_THROWS_AS(OtpStore(policy), std::invalid_argument);
  policy.digits = 9;
  CHECK_THROWS_AS(OtpStore(policy), std::invalid_argument);
  policy = {};
  policy.max_attempts = 0;
  CHECK_THROWS_AS(OtpStore(policy), std::invalid_argument);
  policy = {};
  policy.lifetime = 0s;
  CHECK_THROWS_AS(OtpStore(policy), std::invalid_argument);
}

TEST_CASE("codes are uniformly distributed over the digits", "[otp_store]") {
  // Chi-square per digit position over 20000 codes, 9 degrees of freedom. A fair source exceeds
  // 45 with probability about 1e-6 per position; a code reduced modulo or drawn from a skewed
  // source (e.g. never a leading zero) fails by far.
  FakeClock time;
  OtpPolicy policy;
  policy.max_pending_per_customer = 20000;
  policy.max_transactions = 20000;
  OtpStore store(policy, time.clock());
  constexpr int kCodes = 20000;
  std::array<std::array<int, 10>, 6> counts{};
  for (int i = 0; i < kCodes; ++i) {
    const std::string code = store.issue(sample_transaction(), kAlice).code;
    REQUIRE(code.size() == 6);
    for (std::size_t position = 0; position < 6; ++position) {
      ++counts[position][static_cast<std::size_t>(code[position] - '0')];
    }
  }
  const double expected = kCodes / 10.0;
  for (std::size_t position = 0; position < 6; ++position) {
    double chi_square = 0;
    for (int count : counts[position]) {
      chi_square += (count - expected) * (count - expected) / expected;
    }
    CAPTURE(position, chi_square);
    CHECK(chi_square < 45.0);
  }
}

TEST_CASE("the store serves several threads at once", "[otp_store]") {
  OtpPolicy policy;
  policy.max_pending_per_customer = 1000;
  OtpStore store(policy);
  std::vector<std::thread> threads;
  std::array<int, 4> accepted{};
  for (std::size_t t = 0; t < accepted.size(); ++t) {
    threads.emplace_back([&, t] {
      const std::string customer(64, static_cast<char>('c' + t));
      for (int i = 0; i < 100; ++i) {
        const IssuedOtp issued = store.issue(sample_transaction(), customer);
        if (store.confirm(issued.transaction_id, issued.code, customer).accepted) ++accepted[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : accepted) CHECK(count == 100);
}
