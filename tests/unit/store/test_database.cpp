// The storage seam's contract, on whichever backend the fixture selects (test_databases.hpp):
// parameters and NULLs round-trip, a transaction that throws leaves nothing, constraint
// violations are told apart, migrations are versioned and refuse what is not theirs, and
// concurrent writers on separate connections serialize on the rows they lock.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/store/database.hpp"
#include "common/store/postgres_database.hpp"
#include "tests/support/test_databases.hpp"
#include "tests/unit/temporary_folder.hpp"

using namespace sc::store;
using sc::test::fresh_store_location;

namespace {

// A fresh folder per test case for the SQLite files.
struct Folder : sc::test::TemporaryFolder {
  Folder() : sc::test::TemporaryFolder("sc-store-test") {}
};

const MigrationPlan& counter_plan() {
  static const MigrationPlan plan{
      "test-counter",
      {{1, "counters",
        "CREATE TABLE counters (name TEXT PRIMARY KEY NOT NULL, value BIGINT NOT NULL)", ""},
       {2, "notes", "CREATE TABLE notes (id TEXT PRIMARY KEY NOT NULL, note TEXT)", ""}},
      {"counters", "notes"}};
  return plan;
}

}  // namespace

TEST_CASE("Store locations parse and never show a password", "[store]") {
  CHECK(StoreLocation::parse("certs/bank/transactions.db").backend == Backend::sqlite);
  CHECK(StoreLocation::parse("sqlite:/var/lib/x.db").sqlite_path == "/var/lib/x.db");
  const StoreLocation pg =
      StoreLocation::parse("postgresql://bank:s3cret@db.example:5433/bank?sslmode=require");
  CHECK(pg.backend == Backend::postgresql);
  CHECK(pg.display() == "postgresql://bank@db.example:5433/bank");
  CHECK(pg.display().find("s3cret") == std::string::npos);
  CHECK_THROWS_AS(StoreLocation::parse("mysql://x"), std::invalid_argument);
  CHECK_THROWS_AS(StoreLocation::parse(""), std::invalid_argument);
  CHECK(postgres_parameters("SELECT '?1', ?1, \"?2\" FROM t WHERE a = ?12") ==
        "SELECT '?1', $1, \"?2\" FROM t WHERE a = $12");
}

TEST_CASE("Values, NULLs and affected rows round-trip", "[store]") {
  Folder folder;
  auto database = open_database(fresh_store_location(folder.path(), "values"));
  migrate(*database, counter_plan());
  CHECK(database->run("INSERT INTO counters (name, value) VALUES (?1, ?2)",
                      {std::string("a"), std::int64_t{-9'000'000'000'000}}) == 1);
  CHECK(database->run("INSERT INTO notes (id, note) VALUES (?1, ?2)",
                      {std::string("n1"), sql_null()}) == 1);
  const auto counter =
      database->query_one("SELECT value FROM counters WHERE name = ?1", {std::string("a")});
  REQUIRE(counter);
  CHECK(counter->integer(0) == -9'000'000'000'000);
  const auto note =
      database->query_one("SELECT note FROM notes WHERE id = ?1", {std::string("n1")});
  REQUIRE(note);
  CHECK(note->is_null(0));
  CHECK_FALSE(note->optional_text(0));
  CHECK_FALSE(
      database->query_one("SELECT value FROM counters WHERE name = ?1", {std::string("b")}));
  CHECK(database->run("UPDATE counters SET value = value + 1 WHERE name IN (?1, ?2)",
                      {std::string("a"), std::string("b")}) == 1);
  // Text with quotes and question marks is a value, never SQL.
  const std::string tricky = "it's ?1 \"quoted\" ; DROP TABLE notes";
  database->run("INSERT INTO notes (id, note) VALUES (?1, ?2)", {std::string("n2"), tricky});
  CHECK(database->query_one("SELECT note FROM notes WHERE id = ?1", {std::string("n2")})->text(0) ==
        tricky);
}

TEST_CASE("A transaction that throws leaves nothing behind", "[store]") {
  Folder folder;
  auto database = open_database(fresh_store_location(folder.path(), "rollback"));
  migrate(*database, counter_plan());
  CHECK_THROWS_AS(
      with_write_transaction(*database,
                             [&] {
                               database->run("INSERT INTO counters (name, value) VALUES ('x', 1)");
                               throw std::runtime_error("the work failed");
                             }),
      std::runtime_error);
  CHECK_FALSE(database->query_one("SELECT value FROM counters WHERE name = 'x'"));
  // The connection is usable afterwards, and a committed transaction counts.
  const auto before = database->commits();
  with_write_transaction(
      *database, [&] { database->run("INSERT INTO counters (name, value) VALUES ('x', 2)"); });
  CHECK(database->commits() == before + 1);
  CHECK(database->query_one("SELECT value FROM counters WHERE name = 'x'")->integer(0) == 2);
}

TEST_CASE("A duplicate key is a constraint violation, and ON CONFLICT avoids it", "[store]") {
  Folder folder;
  auto database = open_database(fresh_store_location(folder.path(), "constraint"));
  migrate(*database, counter_plan());
  database->run("INSERT INTO counters (name, value) VALUES ('k', 1)");
  try {
    database->run("INSERT INTO counters (name, value) VALUES ('k', 2)");
    FAIL("a duplicate primary key was accepted");
  } catch (const StoreError& error) {
    CHECK(error.is_constraint_violation());
  }
  CHECK(database->run(
            "INSERT INTO counters (name, value) VALUES ('k', 3) ON CONFLICT DO NOTHING") == 0);
}

TEST_CASE("Migrations are versioned, idempotent and refuse what is not theirs", "[store]") {
  Folder folder;
  const StoreLocation location = fresh_store_location(folder.path(), "migrations");
  {
    auto database = open_database(location);
    MigrationPlan first = counter_plan();
    first.migrations.pop_back();  // only version 1
    bool created = false;
    CHECK(migrate(*database, first, [&](Database&) { created = true; }) == 0);
    CHECK(created);
    CHECK(migrate(*database, counter_plan()) == 1);  // 1 -> 2
    created = false;
    CHECK(migrate(*database, counter_plan(), [&](Database&) { created = true; }) == 2);
    CHECK_FALSE(created);
  }
  {
    auto database = open_database(location);
    MigrationPlan older = counter_plan();
    older.migrations.pop_back();
    try {
      migrate(*database, older);
      FAIL("a newer schema was accepted");
    } catch (const StoreError& error) {
      CHECK(error.kind() == StoreErrorKind::schema);
      CHECK_THAT(error.what(), Catch::Contains("newer"));
    }
    MigrationPlan other{
        "another-component", {{1, "t", "CREATE TABLE notes (id TEXT)", ""}}, {"notes"}};
    try {
      migrate(*database, other);
      FAIL("a database holding someone else's tables was accepted");
    } catch (const StoreError& error) {
      CHECK(error.kind() == StoreErrorKind::schema);
    }
  }
}

TEST_CASE("Concurrent writers on separate connections serialize on locked rows", "[store]") {
  Folder folder;
  const StoreLocation location = fresh_store_location(folder.path(), "concurrency");
  {
    auto database = open_database(location);
    migrate(*database, counter_plan());
    database->run("INSERT INTO counters (name, value) VALUES ('hits', 0)");
  }
  constexpr int kThreads = 8;
  constexpr int kIncrements = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        auto database = open_database(location);
        for (int i = 0; i < kIncrements; ++i) {
          // Read-then-write, made safe by the row lock (PostgreSQL) or the write lock (SQLite).
          with_write_transaction(*database, [&] {
            const std::string select = "SELECT value FROM counters WHERE name = 'hits'" +
                                       std::string(database->lock_rows());
            const std::int64_t value = database->query_one(select)->integer(0);
            database->run("UPDATE counters SET value = ?1 WHERE name = 'hits'", {value + 1});
          });
        }
      } catch (const std::exception& error) {
        UNSCOPED_INFO(error.what());
        ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  auto database = open_database(location);
  CHECK(database->query_one("SELECT value FROM counters WHERE name = 'hits'")->integer(0) ==
        kThreads * kIncrements);
}

TEST_CASE("SQLite store files are private", "[store]") {
  if (sc::test::test_backend() != Backend::sqlite) return;
  Folder folder;
  const auto file = folder.path() / "private.db";
  open_database(StoreLocation::sqlite(file));
  CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::group_all) ==
        std::filesystem::perms::none);
  const auto wide = folder.path() / "wide.db";
  { std::ofstream(wide) << ""; }
  std::filesystem::permissions(wide, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  CHECK_THROWS_AS(open_database(StoreLocation::sqlite(wide)), StoreError);
}

TEST_CASE("PostgreSQL notifications reach a listener", "[store]") {
  if (sc::test::test_backend() != Backend::postgresql) return;
  Folder folder;
  const StoreLocation location = fresh_store_location(folder.path(), "notify");
  PostgresListener listener(location, "sc_test_channel");
  auto database = open_database(location);
  database->query("SELECT pg_notify(?1, ?2)",
                  {std::string("sc_test_channel"), std::string("hello")});
  std::vector<PostgresNotification> received;
  for (int attempt = 0; attempt < 200 && received.empty(); ++attempt) {
    received = listener.receive();
    if (received.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(received.size() == 1);
  CHECK(received[0].channel == "sc_test_channel");
  CHECK(received[0].payload == "hello");
}
