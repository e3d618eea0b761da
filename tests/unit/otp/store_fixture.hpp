#pragma once
// A private place for one test's transaction store, with its folder for the store key and the
// audit log, removed with it. One suite, two backends (tests/support/test_databases.hpp): the
// store is a SQLite file in the folder, or, when the test runs on PostgreSQL
// (SC_STORE_BACKEND=postgresql), a fresh schema of its own in a database made once per test
// process with sc::test::fresh_store_location (a schema costs milliseconds where a database
// costs a checkpoint: the model-based test opens hundreds of stores).
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/crypto/random.hpp"
#include "common/otp/key_file.hpp"
#include "common/otp/transaction_store.hpp"
#include "common/store/database.hpp"
#include "tests/support/test_databases.hpp"
#include "tests/unit/otp/fake_clock.hpp"
#include "tests/unit/temporary_folder.hpp"

namespace sc::otp::test {

inline bool on_postgres() {
  return sc::test::test_backend() == store::Backend::postgresql;
}

// The PostgreSQL database this test process puts its stores in.
inline const store::StoreLocation& postgres_test_database() {
  static const store::StoreLocation database =
      sc::test::fresh_store_location(std::filesystem::temp_directory_path(), "bank_store");
  return database;
}

enum class Durability { full, relaxed };

// The same database seen through `schema` (the connection's search_path). Relaxed: commits do
// not wait for the server's WAL flush (synchronous_commit=off), the PostgreSQL counterpart of a
// SQLite file in /dev/shm.
inline store::StoreLocation in_schema(const store::StoreLocation& database,
                                      const std::string& schema, Durability durability) {
  store::StoreLocation location = database;
  location.conninfo += (location.conninfo.find('?') == std::string::npos ? "?" : "&");
  location.conninfo += "options=-csearch_path%3D" + schema;
  if (durability == Durability::relaxed) location.conninfo += "%20-csynchronous_commit%3Doff";
  return location;
}

struct StoreFolder {
  // /dev/shm when there is one (PostgreSQL: synchronous_commit=off): fsync costs nothing there,
  // which keeps long tests fast on a loaded machine. The durability of the files is not what
  // these tests measure.
  static std::filesystem::path base(bool memory_backed) {
    std::error_code ignored;
    if (memory_backed && std::filesystem::is_directory("/dev/shm", ignored) &&
        ::access("/dev/shm", W_OK) == 0) {
      return "/dev/shm";
    }
    return std::filesystem::temp_directory_path();
  }

  explicit StoreFolder(bool memory_backed = false)
      : files("sc-txn-test", base(memory_backed)),
        path(files.path()),
        durability(memory_backed ? Durability::relaxed : Durability::full) {
    location = fresh_location("bank");
  }
  ~StoreFolder() {
    for (const std::string& schema : schemas) {
      try {
        store::open_database(postgres_test_database())
            ->execute_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      } catch (const std::exception&) {
        // The cluster went away with the test; nothing to clean.
      }
    }
  }
  StoreFolder(const StoreFolder&) = delete;
  StoreFolder& operator=(const StoreFolder&) = delete;

  // Another empty store place (a second file or schema), `name` lower-case letters and digits.
  store::StoreLocation fresh_location(const std::string& name) {
    if (!on_postgres()) return sc::test::fresh_store_location(path, name);
    const std::string schema = name + "_" + to_hex(crypto::random_bytes(6));
    store::open_database(postgres_test_database())->execute_script("CREATE SCHEMA " + schema);
    schemas.push_back(schema);
    return in_schema(postgres_test_database(), schema, durability);
  }

  const store::StoreLocation& database() const { return location; }
  std::filesystem::path key_file() const { return path / "store.key"; }
  std::filesystem::path audit_file() const { return path / "audit.log"; }
  SecretBytes key() const { return load_or_create_store_key(key_file()); }

  sc::test::TemporaryFolder files;  // removed after the schemas are dropped
  std::filesystem::path path;
  Durability durability;
  std::vector<std::string> schemas;  // PostgreSQL: dropped with the folder
  store::StoreLocation location;
};

}  // namespace sc::otp::test
