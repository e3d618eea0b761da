// Several bank instances on one store: two TransactionStore objects are two connections, as two
// bank_server processes on one SQLite file or one PostgreSQL database would hold. The rules must
// hold across them: a code is accepted once, wrong codes add up to one count per customer, a
// pending transfer outlives the instance that started it (SIGKILL), and on PostgreSQL a store
// whose server goes away refuses work with StoreError(unavailable) and recovers by itself.
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "common/otp/bank_session.hpp"
#include "common/otp/transaction_store.hpp"
#include "tests/support/test_data.hpp"
#include "tests/unit/otp/fake_clock.hpp"
#include "tests/unit/otp/store_fixture.hpp"

using namespace sc;
using namespace sc::otp;
using namespace sc::otp::test;
using namespace std::chrono_literals;

namespace {

// Two bank instances on one store, sharing a clock.
struct TwoBanks {
  explicit TwoBanks(TransactionRules rules = {})
      : first(folder.database(), folder.key(), rules, time.clock()),
        second(folder.database(), folder.key(), rules, time.clock()) {}
  TransactionStore& instance(std::size_t i) { return i % 2 == 0 ? first : second; }

  StoreFolder folder;
  FakeClock time;
  TransactionStore first;
  TransactionStore second;
};

// Outcomes counted across threads, with the first exception's sentence.
struct Tally {
  std::mutex mutex;
  std::map<std::string, int> outcomes;
  void add(const std::string& outcome) {
    std::lock_guard lock(mutex);
    ++outcomes[outcome];
  }
  int operator[](const std::string& outcome) {
    std::lock_guard lock(mutex);
    return outcomes[outcome];
  }
};

template <typename Body>
void run_threads(std::size_t count, Body body) {
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < count; ++i) threads.emplace_back(body, i);
  for (auto& thread : threads) thread.join();
}

std::string describe(const Tally& tally) {
  std::string text;
  for (const auto& [outcome, count] : tally.outcomes) {
    text += outcome + "=" + std::to_string(count) + " ";
  }
  return text;
}

}  // namespace

TEST_CASE("twenty confirmations of one code over two instances: exactly one is accepted",
          "[txn][instances]") {
  TwoBanks banks;
  for (int round = 0; round < 3; ++round) {
    const StartedTransfer started = banks.first.start(sample_transaction(), kAlice);
    Tally tally;
    run_threads(20, [&](std::size_t i) {
      try {
        tally.add(confirm_outcome_name(
            banks.instance(i).confirm(started.transaction_id, started.code, kAlice).outcome));
      } catch (const std::exception& error) {
        tally.add(std::string("exception: ") + error.what());
      }
    });
    INFO("round " << round << ": " << describe(tally));
    CHECK(tally["accepted"] == 1);
    CHECK(tally["already-used"] == 19);
    CHECK(tally.outcomes.size() == 2);
  }
  // Each success reset the count; nothing was charged.
  CHECK(banks.second.standing(kAlice).consecutive_failures == 0);
}

TEST_CASE("six wrong codes alternating between two instances: one count, blocked at the fifth",
          "[txn][instances]") {
  TwoBanks banks;
  std::vector<StartedTransfer> transfers;
  for (std::size_t i = 0; i < 3; ++i) {
    transfers.push_back(banks.instance(i).start(sample_transaction(), kAlice));
  }
  const TimePoint blocked_at = *banks.time.now;
  for (std::size_t attempt = 0; attempt < 6; ++attempt) {
    CAPTURE(attempt);
    // Two wrong codes per transfer (none of them locks), on alternate instances.
    const StartedTransfer& transfer = transfers[attempt / 2];
    const ConfirmResult result =
        banks.instance(attempt).confirm(transfer.transaction_id, wrong_code(transfer.code), kAlice);
    if (attempt < 4) {
      CHECK(result.outcome == ConfirmOutcome::WrongCode);
      CHECK(result.customer_attempts_left == 4 - attempt);
      CHECK(result.warn_last_attempt == (attempt == 3));
      CHECK_FALSE(result.blocked_until);
    } else if (attempt == 4) {
      CHECK(result.outcome == ConfirmOutcome::WrongCode);
      REQUIRE(result.blocked_until);
      CHECK(*result.blocked_until == blocked_at + 15min);
    } else {
      CHECK(result.outcome == ConfirmOutcome::Blocked);
    }
  }
  for (TransactionStore* store : {&banks.first, &banks.second}) {
    CHECK(store->standing(kAlice).blocked());
    CHECK_THROWS_AS(store->start(sample_transaction(), kAlice), CustomerBlocked);
    CHECK(store->confirm(transfers[2].transaction_id, transfers[2].code, kAlice).outcome ==
          ConfirmOutcome::Blocked);
  }
}

TEST_CASE("concurrent wrong codes on two instances never lose a count", "[txn][instances]") {
  // Ten wrong codes at once, each on its own transfer: the customer's row serializes them, so
  // exactly five count (the fifth blocks) and five find the customer blocked.
  TransactionRules rules;
  rules.max_pending_per_customer = 16;
  TwoBanks banks(rules);
  std::vector<StartedTransfer> transfers;
  for (std::size_t i = 0; i < 10; ++i) {
    transfers.push_back(banks.instance(i).start(sample_transaction(), kAlice));
  }
  Tally tally;
  run_threads(10, [&](std::size_t i) {
    try {
      const ConfirmResult result = banks.instance(i).confirm(transfers[i].transaction_id,
                                                             wrong_code(transfers[i].code), kAlice);
      tally.add(confirm_outcome_name(result.outcome));
      if (result.outcome == ConfirmOutcome::WrongCode && result.blocked_until) {
        tally.add("wrong-code-that-blocks");
      }
    } catch (const std::exception& error) {
      tally.add(std::string("exception: ") + error.what());
    }
  });
  INFO(describe(tally));
  CHECK(tally["wrong-code"] == 5);
  CHECK(tally["wrong-code-that-blocks"] == 1);
  CHECK(tally["blocked"] == 5);
  CHECK(tally.outcomes.size() == 3);
  CHECK(banks.first.standing(kAlice).blocked());
}

TEST_CASE("concurrent starts on two instances respect the pending limit", "[txn][instances]") {
  // The pending count is read with the customer's row locked: twelve starts at once on two
  // instances leave exactly eight pending transfers.
  TwoBanks banks;
  Tally tally;
  run_threads(12, [&](std::size_t i) {
    try {
      banks.instance(i).start(sample_transaction(), kAlice);
      tally.add("started");
    } catch (const TooManyPendingTransfers&) {
      tally.add("too-many-pending");
    } catch (const std::exception& error) {
      tally.add(std::string("exception: ") + error.what());
    }
  });
  INFO(describe(tally));
  CHECK(tally["started"] == 8);
  CHECK(tally["too-many-pending"] == 4);
  CHECK(banks.second.pending_for(kAlice).size() == 8);
}

TEST_CASE("purging on one instance while the other confirms", "[txn][instances]") {
  // purge_expired's short transactions and the confirms' row locks never deadlock; every
  // expired transfer is marked once.
  TwoBanks banks;
  std::vector<StartedTransfer> late;
  for (std::size_t i = 0; i < 6; ++i)
    late.push_back(banks.first.start(sample_transaction(), kMallory));
  banks.time.advance(121s);
  std::vector<StartedTransfer> fresh;
  for (std::size_t i = 0; i < 6; ++i) {
    fresh.push_back(banks.second.start(sample_transaction(), kAlice));
  }
  Tally tally;
  run_threads(8, [&](std::size_t i) {
    try {
      if (i < 2) {
        banks.instance(i).purge_expired();
        tally.add("purged");
      } else {
        const StartedTransfer& transfer = fresh[i - 2];
        tally.add(confirm_outcome_name(
            banks.instance(i).confirm(transfer.transaction_id, transfer.code, kAlice).outcome));
      }
    } catch (const std::exception& error) {
      tally.add(std::string("exception: ") + error.what());
    }
  });
  INFO(describe(tally));
  CHECK(tally["purged"] == 2);
  CHECK(tally["accepted"] == 6);
  CHECK(banks.first.pending_for(kMallory).empty());
  CHECK(banks.second.confirm(late[0].transaction_id, late[0].code, kMallory).outcome ==
        ConfirmOutcome::Expired);
}

TEST_CASE("a pending transfer outlives the instance that started it (SIGKILL)",
          "[txn][instances]") {
  StoreFolder folder;
  FakeClock time;
  const SecretBytes key = folder.key();
  // Opened (and its schema created) before the fork, so that the child only starts a transfer.
  { TransactionStore created(folder.database(), key, {}, time.clock()); }
  std::array<int, 2> pipe_ends{};
  REQUIRE(::pipe(pipe_ends.data()) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The first bank instance: starts a transfer, reports it, and waits to be killed.
    ::close(pipe_ends[0]);
    try {
      spdlog::set_level(spdlog::level::off);
      TransactionStore instance(folder.database(), key, {}, time.clock());
      const StartedTransfer started = instance.start(sample_transaction(), kAlice);
      const std::string line = started.transaction_id + " " + started.code + "\n";
      if (::write(pipe_ends[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        ::_exit(2);
      }
      for (;;) ::pause();
    } catch (...) {
      ::_exit(1);
    }
  }
  ::close(pipe_ends[1]);
  std::string line;
  pollfd readable{pipe_ends[0], POLLIN, 0};
  // Bounded: the child opens a store and starts one transfer.
  while (line.find('\n') == std::string::npos && ::poll(&readable, 1, 30000) == 1) {
    std::array<char, 128> buffer{};
    const ssize_t got = ::read(pipe_ends[0], buffer.data(), buffer.size());
    if (got <= 0) break;
    line.append(buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(pipe_ends[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  REQUIRE(line.find('\n') != std::string::npos);
  const std::string transaction_id = line.substr(0, line.find(' '));
  const std::string code = line.substr(line.find(' ') + 1, line.find('\n') - line.find(' ') - 1);

  // The second instance, started after the first died, sees the transfer and accepts its code.
  TransactionStore restarted(folder.database(), key, {}, time.clock());
  const auto pending = restarted.pending_for(kAlice);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].transaction_id == transaction_id);
  CHECK(restarted.confirm(transaction_id, wrong_code(code), kAlice).outcome ==
        ConfirmOutcome::WrongCode);
  CHECK(restarted.confirm(transaction_id, code, kAlice).accepted());
  CHECK(restarted.confirm(transaction_id, code, kAlice).outcome == ConfirmOutcome::AlreadyUsed);
}

namespace {

// A PostgreSQL cluster of this test's own (scripts/postgres.sh), stopped and removed with it.
struct OwnCluster {
  OwnCluster() {
    char pattern[] = "/tmp/sc-bank-store-pg.XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    uri = run("start " + dir);
  }
  ~OwnCluster() { run("stop " + dir); }
  OwnCluster(const OwnCluster&) = delete;
  OwnCluster& operator=(const OwnCluster&) = delete;

  void pause() { run("pause " + dir); }
  void resume() { run("resume " + dir); }

  // Runs scripts/postgres.sh with `arguments`; its first line of output.
  static std::string run(const std::string& arguments) {
    const std::string command =
        (sc::test::source_dir() / "scripts" / "postgres.sh").string() + " " + arguments;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return "";
    std::string output;
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
      output += buffer.data();
    }
    ::pclose(pipe);
    return output.substr(0, output.find('\n'));
  }

  std::string dir;
  std::string uri;
};

// The customer's devices, as far as this test cares: nobody listens.
struct NoDevices final : DeviceLink {
  SubscribeOutcome subscribe_this_channel() override { return {1, 0}; }
  std::size_t push_otp(const std::string&, const std::string&, const std::string&,
                       TimePoint) override {
    return 0;
  }
  std::size_t push(const std::string&, const std::string&) override { return 0; }
  void forget(const std::string&) override {}
};

bool is_unavailable(const std::function<void()>& call) {
  try {
    call();
  } catch (const store::StoreError& error) {
    return error.is_unavailable();
  }
  return false;
}

}  // namespace

TEST_CASE("while PostgreSQL is down the store refuses with unavailable and then recovers",
          "[txn][instances][postgresql]") {
  if (!on_postgres()) return;  // runs in test_transaction_store_postgresql
  OwnCluster cluster;
  REQUIRE(cluster.uri.rfind("postgresql://", 0) == 0);
  StoreFolder folder;
  FakeClock time;
  TransactionStore store(store::StoreLocation::parse(cluster.uri), folder.key(), {}, time.clock());
  NoDevices devices;
  BankSession session(store, devices, CustomerIdentity{kAlice, "CN=alice"});
  const StartedTransfer before = store.start(sample_transaction(), kAlice);
  const std::string transfer_line = format_request(TransferRequest{sample_transaction()});

  cluster.pause();
  CHECK(is_unavailable([&] { store.start(sample_transaction(), kAlice); }));
  CHECK(is_unavailable([&] { store.confirm(before.transaction_id, before.code, kAlice); }));
  CHECK(is_unavailable([&] { store.pending_for(kAlice); }));
  // The customer hears a sentence, the channel stays open and still answers.
  const std::string refused = session.handle_line(transfer_line);
  CHECK_THAT(refused, Catch::StartsWith("ERROR ") && Catch::Contains("transaction store"));
  CHECK_FALSE(session.closed());
  CHECK(session.handle_line("PING") == "PONG");
  CHECK_THAT(
      session.handle_line(format_request(ConfirmRequest{before.transaction_id, before.code})),
      Catch::StartsWith("ERROR "));
  CHECK_FALSE(session.closed());

  cluster.resume();
  // Back by itself: the connection's backoff is at most 5 s; poll, bounded.
  std::optional<ConfirmResult> confirmed;
  for (int attempt = 0; attempt < 300 && !confirmed; ++attempt) {
    try {
      confirmed = store.confirm(before.transaction_id, before.code, kAlice);
    } catch (const store::StoreError& error) {
      REQUIRE(error.is_unavailable());
      std::this_thread::sleep_for(100ms);
    }
  }
  REQUIRE(confirmed);
  // Nothing the refused requests tried was half-done: the code still works once, and the
  // refused transfer was never started.
  CHECK(confirmed->outcome == ConfirmOutcome::Accepted);
  CHECK(store.pending_for(kAlice).empty());
  CHECK_THAT(session.handle_line(transfer_line), Catch::StartsWith("TRANSFER txn=T"));
  CHECK(store.pending_for(kAlice).size() == 1);
}
