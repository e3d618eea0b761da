#include "tests/support/test_databases.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace sc::test {

store::Backend test_backend() {
  const char* backend = std::getenv("SC_STORE_BACKEND");
  if (backend != nullptr && std::string_view(backend) == "postgresql") {
    return store::Backend::postgresql;
  }
  return store::Backend::sqlite;
}

std::string postgres_cluster_uri() {
  const char* dir = std::getenv("SC_TEST_POSTGRES_DIR");
  if (dir == nullptr) {
    throw std::runtime_error(
        "SC_TEST_POSTGRES_DIR is not set: run the PostgreSQL tests through CTest (its fixture "
        "starts a cluster with scripts/postgres.sh) or set it to a cluster folder");
  }
  std::ifstream file(std::filesystem::path(dir) / "conninfo");
  std::string uri;
  if (!std::getline(file, uri) || uri.empty()) {
    throw std::runtime_error(std::string("no PostgreSQL cluster in ") + dir +
                             " (scripts/postgres.sh start writes conninfo there)");
  }
  return uri;
}

std::string postgres_uri_for_database(const std::string& uri, const std::string& database) {
  // postgresql://user@host:port/DATABASE?options
  const std::size_t authority = uri.find("://");
  const std::size_t path = uri.find('/', authority + 3);
  const std::size_t query = uri.find('?', authority + 3);
  const std::string head = uri.substr(0, path == std::string::npos ? query : path);
  const std::string tail = query == std::string::npos ? "" : uri.substr(query);
  return head + "/" + database + tail;
}

store::StoreLocation fresh_store_location(const std::filesystem::path& folder,
                                          std::string_view name) {
  if (test_backend() == store::Backend::sqlite) {
    return store::StoreLocation::sqlite(folder / (std::string(name) + ".db"));
  }
  static std::atomic<int> counter{0};
  const std::string database = std::string(name) + "_" + std::to_string(::getpid()) + "_" +
                               std::to_string(counter.fetch_add(1));
  const std::string admin = postgres_cluster_uri();
  auto connection = store::open_database(store::StoreLocation::parse(admin));
  connection->execute_script("DROP DATABASE IF EXISTS " + database);
  connection->execute_script("CREATE DATABASE " + database);
  return store::StoreLocation::parse(postgres_uri_for_database(admin, database));
}

}  // namespace sc::test
