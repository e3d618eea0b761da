// The durable transaction store: the rules of PSD2 RTS art. 4/5 and RFC 4226 section 7 with an
// injected clock, durability across a close and reopen, the file's guards, and the key files.
// Runs on SQLite (test_transaction_store) and on PostgreSQL (test_transaction_store_postgresql);
// the concurrency tests are in test_transaction_store_instances.cpp.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "common/crypto/hash.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/key_file.hpp"
#include "common/otp/transaction_store.hpp"
#include "tests/unit/otp/fake_clock.hpp"
#include "tests/unit/otp/store_fixture.hpp"

using namespace sc;
using namespace sc::otp;
using namespace sc::otp::test;
using namespace std::chrono_literals;

namespace {

const std::string kBob(64, 'c');

struct Bank {
  StoreFolder folder;
  FakeClock time;
  std::unique_ptr<TransactionStore> store = open();

  std::unique_ptr<TransactionStore> open(TransactionRules rules = {}) {
    return std::make_unique<TransactionStore>(folder.database(), folder.key(), rules, time.clock());
  }
  void restart() {
    store.reset();
    store = open();
  }
  ConfirmResult wrong(const StartedTransfer& transfer, const std::string& customer = kAlice) {
    return store->confirm(transfer.transaction_id, wrong_code(transfer.code), customer);
  }
  ConfirmResult right(const StartedTransfer& transfer, const std::string& customer = kAlice) {
    return store->confirm(transfer.transaction_id, transfer.code, customer);
  }
};

unsigned file_mode(const std::filesystem::path& path) {
  struct stat status {};
  REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 0777;
}

}  // namespace

TEST_CASE("a started transfer is confirmed once, with its code, by its customer", "[txn]") {
  Bank bank;
  const StartedTransfer started = bank.store->start(sample_transaction(), kAlice);
  CHECK(started.code.size() == 6);
  CHECK(started.code.find_first_not_of("0123456789") == std::string::npos);
  CHECK(started.transaction_id.size() == 21);
  CHECK(started.transaction_id[0] == 'T');
  CHECK(started.lifetime == 120s);
  CHECK(started.expires_at == *bank.time.now + 120s);

  const auto pending = bank.store->pending_for(kAlice);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].transaction_id == started.transaction_id);
  CHECK(pending[0].details.payee == sample_transaction().payee);
  CHECK(pending[0].details.amount_minor == 25000);
  CHECK(pending[0].expires_at == started.expires_at);
  CHECK(pending[0].attempts_left == 3);
  CHECK(bank.store->pending_for(kMallory).empty());

  bank.time.advance(119s);
  const ConfirmResult accepted = bank.right(started);
  CHECK(accepted.outcome == ConfirmOutcome::Accepted);
  CHECK(accepted.customer_attempts_left == 5);
  CHECK_FALSE(accepted.blocked_until);
  CHECK(bank.store->pending_for(kAlice).empty());

  const ConfirmResult replay = bank.right(started);
  CHECK(replay.outcome == ConfirmOutcome::AlreadyUsed);
  CHECK(bank.store->standing(kAlice).consecutive_failures == 0);  // a replay does not count
}

TEST_CASE("a code expires with its lifetime and the late attempt does not count", "[txn]") {
  Bank bank;
  const StartedTransfer started = bank.store->start(sample_transaction(), kAlice);
  bank.time.advance(120s);
  CHECK(bank.store->pending_for(kAlice).empty());
  CHECK(bank.right(started).outcome == ConfirmOutcome::Expired);
  CHECK(bank.wrong(started).outcome == ConfirmOutcome::Expired);
  CHECK(bank.store->standing(kAlice).attempts_left == 5);
}

TEST_CASE("three wrong codes lock the transaction, even against the right code", "[txn]") {
  Bank bank;
  const StartedTransfer started = bank.store->start(sample_transaction(), kAlice);
  for (unsigned left : {2u, 1u, 0u}) {
    const ConfirmResult result = bank.wrong(started);
    CHECK(result.outcome == ConfirmOutcome::WrongCode);
    CHECK(result.transaction_attempts_left == left);
  }
  const ConfirmResult locked = bank.right(started);
  CHECK(locked.outcome == ConfirmOutcome::Locked);
  CHECK(locked.customer_attempts_left == 2);  // the refusal did not count
  CHECK(bank.store->pending_for(kAlice).empty());
}

TEST_CASE("five wrong codes in a row over three transactions block the customer", "[txn]") {
  Bank bank;
  const StartedTransfer first = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer second = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer third = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer bobs = bank.store->start(sample_transaction(), kBob);

  CHECK(bank.wrong(first).customer_attempts_left == 4);
  CHECK(bank.wrong(first).customer_attempts_left == 3);
  const ConfirmResult third_failure = bank.wrong(second);
  CHECK(third_failure.customer_attempts_left == 2);
  CHECK_FALSE(third_failure.warn_last_attempt);
  const ConfirmResult fourth_failure = bank.wrong(second);
  CHECK(fourth_failure.outcome == ConfirmOutcome::WrongCode);
  CHECK(fourth_failure.customer_attempts_left == 1);
  CHECK(fourth_failure.warn_last_attempt);
  CHECK(fourth_failure.transaction_attempts_left == 1);

  const auto blocked_at = *bank.time.now;
  const ConfirmResult fifth_failure = bank.wrong(third);
  CHECK(fifth_failure.outcome == ConfirmOutcome::WrongCode);
  CHECK(fifth_failure.customer_attempts_left == 0);
  CHECK_FALSE(fifth_failure.warn_last_attempt);
  REQUIRE(fifth_failure.blocked_until);
  CHECK(*fifth_failure.blocked_until == blocked_at + 15min);

  // Blocked: even the right code, and new transfers, are refused; other customers are not.
  const ConfirmResult refused = bank.right(third);
  CHECK(refused.outcome == ConfirmOutcome::Blocked);
  CHECK(refused.blocked_until == fifth_failure.blocked_until);
  CHECK(bank.store->confirm("Tnothing", "123456", kAlice).outcome == ConfirmOutcome::Blocked);
  CHECK_THROWS_AS(bank.store->start(sample_transaction(), kAlice), CustomerBlocked);
  try {
    bank.store->start(sample_transaction(), kAlice);
  } catch (const CustomerBlocked& error) {
    CHECK(error.blocked_until == blocked_at + 15min);
    CHECK_THAT(error.what(), Catch::Contains("refused until"));
  }
  CHECK(bank.store->standing(kAlice).blocked());
  CHECK(bank.right(bobs, kBob).accepted());

  SECTION("the block survives a restart") {
    bank.restart();
    CHECK(bank.store->standing(kAlice).blocked());
    CHECK(bank.right(third).outcome == ConfirmOutcome::Blocked);
  }
  SECTION("the block ends after its time and the count starts from zero") {
    bank.time.advance(15min - 1s);
    CHECK(bank.store->standing(kAlice).blocked());
    bank.time.advance(1s);
    const CustomerStanding standing = bank.store->standing(kAlice);
    CHECK_FALSE(standing.blocked());
    CHECK(standing.consecutive_failures == 0);
    CHECK(standing.attempts_left == 5);
    const StartedTransfer after = bank.store->start(sample_transaction(), kAlice);
    const ConfirmResult failure = bank.wrong(after);
    CHECK(failure.outcome == ConfirmOutcome::WrongCode);
    CHECK(failure.customer_attempts_left == 4);
    CHECK(bank.right(after).accepted());
  }
}

TEST_CASE("a success resets the customer's count of wrong codes", "[txn]") {
  Bank bank;
  const StartedTransfer first = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer second = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer third = bank.store->start(sample_transaction(), kAlice);
  bank.wrong(first);
  bank.wrong(first);
  bank.wrong(second);
  CHECK(bank.wrong(second).warn_last_attempt);
  CHECK(bank.right(second).accepted());
  CHECK(bank.store->standing(kAlice).attempts_left == 5);
  // Four more in a row do not block: the count started again.
  const StartedTransfer fourth = bank.store->start(sample_transaction(), kAlice);
  bank.wrong(third);
  bank.wrong(third);
  bank.wrong(fourth);
  const ConfirmResult last = bank.wrong(fourth);
  CHECK(last.customer_attempts_left == 1);
  CHECK_FALSE(last.blocked_until);
  CHECK(bank.right(fourth).accepted());
}

TEST_CASE("another customer's transaction answers exactly like an unknown one", "[txn]") {
  Bank bank;
  const StartedTransfer alices = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer mallorys = bank.store->start(sample_transaction(), kMallory);
  bank.wrong(mallorys, kMallory);  // Mallory's own standing shows in both answers

  const ConfirmResult foreign = bank.right(alices, kMallory);
  const ConfirmResult foreign_wrong = bank.wrong(alices, kMallory);
  const ConfirmResult unknown = bank.store->confirm("T" + std::string(20, '0'), "123456", kMallory);
  CHECK(foreign.outcome == ConfirmOutcome::UnknownTransaction);
  CHECK(foreign == unknown);
  CHECK(foreign_wrong == unknown);
  CHECK(unknown.customer_attempts_left == 4);
  // Neither the owner nor the prober was charged.
  CHECK(bank.store->standing(kMallory).consecutive_failures == 1);
  CHECK(bank.store->standing(kAlice).consecutive_failures == 0);
  CHECK(bank.store->pending_for(kAlice).at(0).attempts_left == 3);
  CHECK(bank.right(alices).accepted());
  // Once used, it still looks unknown to Mallory (not "already used").
  CHECK(bank.right(alices, kMallory) == unknown);
}

TEST_CASE("a code is bound to its transaction and its customer", "[txn]") {
  Bank bank;
  TransactionDetails other = sample_transaction();
  other.amount_minor = 25001;
  const StartedTransfer first = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer second = bank.store->start(other, kAlice);
  // The first code presented for the second transaction is a wrong code (unless both codes
  // happen to be equal, one chance in a million).
  if (first.code != second.code) {
    const ConfirmResult result = bank.store->confirm(second.transaction_id, first.code, kAlice);
    CHECK(result.outcome == ConfirmOutcome::WrongCode);
    CHECK(result.transaction_attempts_left == 2);
  }
  CHECK(bank.right(first).accepted());
  CHECK(bank.right(second).accepted());
}

TEST_CASE("at most eight pending transfers per customer; expired ones make room", "[txn]") {
  Bank bank;
  for (int i = 0; i < 8; ++i) bank.store->start(sample_transaction(), kAlice);
  CHECK_THROWS_AS(bank.store->start(sample_transaction(), kAlice), TooManyPendingTransfers);
  CHECK_THROWS_WITH(bank.store->start(sample_transaction(), kAlice),
                    Catch::Contains("8 unconfirmed transfers"));
  bank.store->start(sample_transaction(), kBob);  // other customers are not affected
  bank.time.advance(120s);
  CHECK_NOTHROW(bank.store->start(sample_transaction(), kAlice));
}

TEST_CASE("codes are uniform over their digits", "[txn]") {
  StoreFolder folder(true);
  FakeClock time;
  TransactionRules rules;
  rules.digits = 8;
  rules.max_pending_per_customer = 1000;
  TransactionStore store(folder.database(), folder.key(), rules, time.clock());
  std::array<int, 10> first_digit{};
  std::set<std::string> codes;
  for (int i = 0; i < 400; ++i) {
    const StartedTransfer started = store.start(sample_transaction(), kAlice);
    REQUIRE(started.code.size() == 8);
    ++first_digit[static_cast<std::size_t>(started.code[0] - '0')];
    codes.insert(started.code);
  }
  // A leading zero is as likely as any digit (no code is shorter than 8 digits); bounds far from
  // the mean of 40 so that the test fails only for a broken generator.
  for (int count : first_digit) CHECK(count > 10);
  CHECK(codes.size() > 390);
}

TEST_CASE("the store survives a restart: pending codes, used codes and counts", "[txn]") {
  Bank bank;
  const StartedTransfer pending = bank.store->start(sample_transaction(), kAlice);
  const StartedTransfer used = bank.store->start(sample_transaction(), kAlice);
  REQUIRE(bank.right(used).accepted());
  const StartedTransfer tried = bank.store->start(sample_transaction(), kBob);
  bank.wrong(tried, kBob);
  bank.wrong(tried, kBob);

  bank.restart();
  CHECK(bank.right(used).outcome == ConfirmOutcome::AlreadyUsed);
  CHECK(bank.store->pending_for(kAlice).size() == 1);
  CHECK(bank.right(pending).accepted());
  CHECK(bank.store->standing(kBob).consecutive_failures == 2);
  const ConfirmResult third = bank.wrong(tried, kBob);
  CHECK(third.transaction_attempts_left == 0);
  CHECK(third.customer_attempts_left == 2);
  bank.restart();
  CHECK(bank.right(tried, kBob).outcome == ConfirmOutcome::Locked);
}

TEST_CASE("a store written under another key is refused, so its codes never pass", "[txn]") {
  Bank bank;
  const StartedTransfer pending = bank.store->start(sample_transaction(), kAlice);
  bank.store.reset();
  CHECK_THROWS_AS(TransactionStore(bank.folder.database(), SecretBytes(kSecretKeyBytes, 0x42)),
                  TransactionStoreError);
  CHECK_THROWS_WITH(TransactionStore(bank.folder.database(), SecretBytes(kSecretKeyBytes, 0x42)),
                    Catch::Contains("another store key"));
  CHECK_THROWS_AS(TransactionStore(bank.folder.database(), SecretBytes(16, 0x42)),
                  std::invalid_argument);
  // The right key still opens it, nothing was charged.
  bank.store = bank.open();
  CHECK(bank.right(pending).accepted());
}

TEST_CASE("the store is versioned and refuses what it cannot trust", "[txn]") {
  StoreFolder folder;
  { TransactionStore store(folder.database(), folder.key()); }
  SECTION("a newer schema is refused with a sentence") {
    auto database = store::open_database(folder.database());
    if (database->backend() == store::Backend::sqlite) {
      database->execute_script("PRAGMA user_version=2");
    } else {
      database->run("UPDATE sc_schema_versions SET version = 2 WHERE component = 'bank-store'");
    }
    database.reset();
    CHECK_THROWS_AS(TransactionStore(folder.database(), folder.key()), TransactionStoreError);
    CHECK_THROWS_WITH(TransactionStore(folder.database(), folder.key()),
                      Catch::Contains("schema version 2, newer than the 1"));
  }
  SECTION("another program's tables are refused") {
    const store::StoreLocation other = folder.fresh_location("other");
    store::open_database(other)->execute_script("CREATE TABLE transactions (id BIGINT)");
    CHECK_THROWS_AS(TransactionStore(other, folder.key()), TransactionStoreError);
    CHECK_THROWS_WITH(TransactionStore(other, folder.key()),
                      Catch::Contains("belongs to another program"));
  }
  SECTION("reopening an existing store creates nothing and keeps its version") {
    TransactionStore again(folder.database(), folder.key());
    CHECK(again.location().display() == folder.database().display());
    CHECK_NOTHROW(again.start(sample_transaction(), kAlice));
  }
}

TEST_CASE("the SQLite store file is mode 0600 and never a link", "[txn][sqlite]") {
  if (on_postgres()) return;  // about files; the PostgreSQL server guards its own
  StoreFolder folder;
  {
    TransactionStore store(folder.database(), folder.key());
    // SQLite gives the write-ahead log the mode of the database.
    CHECK(file_mode(folder.path / "bank.db-wal") == 0600);
  }
  CHECK(file_mode(folder.database().sqlite_path) == 0600);
  CHECK(file_mode(folder.key_file()) == 0600);
  SECTION("a store others can read is refused") {
    REQUIRE(::chmod(folder.database().sqlite_path.c_str(), 0644) == 0);
    CHECK_THROWS_AS(TransactionStore(folder.database(), folder.key()), TransactionStoreError);
    CHECK_THROWS_WITH(TransactionStore(folder.database(), folder.key()), Catch::Contains("0600"));
  }
  SECTION("a symbolic link is refused") {
    const auto link = folder.path / "link.db";
    REQUIRE(::symlink(folder.database().sqlite_path.c_str(), link.c_str()) == 0);
    CHECK_THROWS_WITH(TransactionStore(link, folder.key()), Catch::Contains("symbolic link"));
  }
}

TEST_CASE("a bank.db written before the storage seam (schema 1) keeps working", "[txn][sqlite]") {
  if (on_postgres()) return;  // an upgrade of existing SQLite files
  StoreFolder folder;
  FakeClock time;
  {
    // The schema and key check exactly as the SQLite-only store wrote them.
    auto old = store::open_database(folder.database());
    old->execute_script(R"sql(
CREATE TABLE transactions (
  id TEXT PRIMARY KEY NOT NULL, customer_fingerprint TEXT NOT NULL, account TEXT NOT NULL,
  amount_minor INTEGER NOT NULL, currency TEXT NOT NULL, payee TEXT NOT NULL,
  code_mac TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  wrong_attempts INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL CHECK (state IN ('pending', 'used', 'locked', 'expired')));
CREATE INDEX transactions_by_customer ON transactions (customer_fingerprint, state);
CREATE INDEX transactions_by_expiry ON transactions (state, expires_at);
CREATE TABLE customers (fingerprint TEXT PRIMARY KEY NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0, blocked_until INTEGER);
CREATE TABLE store_key (id INTEGER PRIMARY KEY CHECK (id = 1), key_check TEXT NOT NULL);
PRAGMA user_version=1;
)sql");
    old->run("INSERT INTO store_key (id, key_check) VALUES (1, ?1)",
             {to_hex(crypto::hmac(crypto::HashAlgorithm::Sha256, folder.key(),
                                  as_bytes("sc-transaction-store key check v1")))});
    old->run("INSERT INTO customers (fingerprint, consecutive_failures) VALUES (?1, 2)", {kBob});
  }
  TransactionStore store(folder.database(), folder.key(), {}, time.clock());
  CHECK(store.standing(kBob).consecutive_failures == 2);
  const StartedTransfer started = store.start(sample_transaction(), kAlice);
  CHECK(store.confirm(started.transaction_id, started.code, kAlice).accepted());
  CHECK(store::open_database(folder.database())->query_one("PRAGMA user_version")->integer(0) == 1);
}

TEST_CASE("rules outside PSD2's bounds are refused", "[txn]") {
  StoreFolder folder;
  auto open_with = [&](TransactionRules rules) {
    TransactionStore store(folder.database(), folder.key(), rules);
  };
  TransactionRules rules;
  rules.lifetime = 301s;
  CHECK_THROWS_WITH(open_with(rules), Catch::Contains("art. 4(3)(d)"));
  rules = {};
  rules.max_consecutive_failures = 6;
  CHECK_THROWS_WITH(open_with(rules), Catch::Contains("art. 4(3)(b)"));
  rules = {};
  rules.digits = 5;
  CHECK_THROWS_AS(open_with(rules), std::invalid_argument);
  rules = {};
  rules.max_wrong_codes_per_transaction = 0;
  CHECK_THROWS_AS(open_with(rules), std::invalid_argument);
}

TEST_CASE("purge_expired audits expiries and forgets finished transfers after retention", "[txn]") {
  StoreFolder folder;
  FakeClock time;
  AuditLog audit(folder.audit_file(), load_or_create_audit_key(folder.path / "audit.key"));
  TransactionRules rules;
  rules.retention = 600s;
  TransactionStore store(folder.database(), folder.key(), rules, time.clock(), &audit);
  const StartedTransfer late = store.start(sample_transaction(), kAlice);
  const StartedTransfer used = store.start(sample_transaction(), kAlice);
  REQUIRE(store.confirm(used.transaction_id, used.code, kAlice).accepted());
  time.advance(120s);
  store.purge_expired();
  CHECK(store.confirm(late.transaction_id, late.code, kAlice).outcome == ConfirmOutcome::Expired);
  CHECK(store.confirm(used.transaction_id, used.code, kAlice).outcome ==
        ConfirmOutcome::AlreadyUsed);
  time.advance(600s);
  store.purge_expired();
  CHECK(store.confirm(used.transaction_id, used.code, kAlice).outcome ==
        ConfirmOutcome::UnknownTransaction);

  std::ifstream in(folder.audit_file());
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find(" event=expire txn=" + late.transaction_id) != std::string::npos);
  CHECK(text.find("payee=ACME?\"Ltd\"") != std::string::npos);
}

TEST_CASE("the audit trail of the store chains, names blocks and never holds a code", "[txn]") {
  StoreFolder folder;
  FakeClock time;
  const SecretBytes audit_key = load_or_create_audit_key(folder.path / "audit.key");
  std::vector<std::string> codes;
  {
    AuditLog audit(folder.audit_file(), audit_key);
    TransactionStore store(folder.database(), folder.key(), {}, time.clock(), &audit);
    for (int i = 0; i < 3; ++i) {
      const StartedTransfer started = store.start(sample_transaction(), kAlice);
      codes.push_back(started.code);
      store.confirm(started.transaction_id, wrong_code(started.code), kAlice);
      store.confirm(started.transaction_id, wrong_code(started.code), kAlice);
    }
    CHECK_THROWS_AS(store.start(sample_transaction(), kAlice), CustomerBlocked);
  }
  const AuditCheck check = verify_audit_log(folder.audit_file(), audit_key);
  CHECK(check.ok);
  std::ifstream in(folder.audit_file());
  std::string text;
  for (std::string line; std::getline(in, line);)
    text += line.substr(0, line.rfind(" mac=")) + "\n";
  CHECK(text.find(" event=block ") != std::string::npos);
  CHECK(text.find(" event=refuse ") != std::string::npos);
  CHECK(text.find("reason=customer-blocked") != std::string::npos);
  for (const auto& code : codes) {
    CAPTURE(code);
    CHECK(text.find("=" + code) == std::string::npos);
    CHECK(text.find(" " + code) == std::string::npos);
  }
}

TEST_CASE("two stores on one database (two bank instances) accept a code exactly once", "[txn]") {
  StoreFolder folder;
  FakeClock time;
  TransactionStore first(folder.database(), folder.key(), {}, time.clock());
  TransactionStore second(folder.database(), folder.key(), {}, time.clock());
  for (int round = 0; round < 20; ++round) {
    const StartedTransfer started = first.start(sample_transaction(), kAlice);
    std::atomic<int> accepted{0};
    auto confirm_on = [&](TransactionStore& store) {
      if (store.confirm(started.transaction_id, started.code, kAlice).accepted()) ++accepted;
    };
    std::thread a(confirm_on, std::ref(first));
    std::thread b(confirm_on, std::ref(second));
    a.join();
    b.join();
    CHECK(accepted == 1);
  }
  // Wrong codes through either instance add up to one count.
  const StartedTransfer one = first.start(sample_transaction(), kBob);
  const StartedTransfer two = second.start(sample_transaction(), kBob);
  first.confirm(one.transaction_id, wrong_code(one.code), kBob);
  second.confirm(two.transaction_id, wrong_code(two.code), kBob);
  CHECK(first.standing(kBob).consecutive_failures == 2);
}

TEST_CASE("key files: created 0600, read back, refused when unsafe", "[txn][key]") {
  StoreFolder folder;
  const auto file = folder.path / "store.key";
  const SecretBytes created = load_or_create_store_key(file);
  CHECK(created.size() == kSecretKeyBytes);
  CHECK(file_mode(file) == 0600);
  CHECK(load_or_create_store_key(file) == created);
  CHECK(load_or_create_store_key(folder.path / "other.key") != created);

  SECTION("readable by others") {
    REQUIRE(::chmod(file.c_str(), 0640) == 0);
    CHECK_THROWS_WITH(load_or_create_store_key(file), Catch::Contains("group or others"));
  }
  SECTION("the wrong size") {
    std::ofstream(file, std::ios::trunc) << "short";
    CHECK_THROWS_WITH(load_or_create_store_key(file), Catch::Contains("not the 32"));
  }
  SECTION("a symbolic link") {
    const auto link = folder.path / "link.key";
    REQUIRE(::symlink(file.c_str(), link.c_str()) == 0);
    CHECK_THROWS_WITH(load_or_create_store_key(link), Catch::Contains("symbolic link"));
  }
  SECTION("no temporary file is left behind") {
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder.path)) {
      ++entries;
    }
    CHECK(entries == 2);
  }
}
