#pragma once
// Which database the store tests run on. One suite, two fixtures: the same test cases run on
// SQLite (the default, label unit) and, when CTest's `postgres` fixture started a throwaway
// cluster (scripts/postgres.sh) and set SC_STORE_BACKEND=postgresql, on PostgreSQL (label scale).
#include <filesystem>
#include <string>
#include <string_view>

#include "common/store/database.hpp"

namespace sc::test {

// SQLite unless the environment says SC_STORE_BACKEND=postgresql.
store::Backend test_backend();

// The admin URI of the test cluster (database "sc"), from $SC_TEST_POSTGRES_DIR/conninfo.
// Throws std::runtime_error with a sentence when the cluster is not there.
std::string postgres_cluster_uri();

// A fresh, empty place for one store: a file `name`.db in `folder` (SQLite), or a new database
// whose name starts with `name` (PostgreSQL; `name` lower-case letters, digits, _).
store::StoreLocation fresh_store_location(const std::filesystem::path& folder,
                                          std::string_view name);

// The same cluster's URI for another database name.
std::string postgres_uri_for_database(const std::string& uri, const std::string& database);

}  // namespace sc::test
