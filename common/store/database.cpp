#include "common/store/database.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

#include "common/store/postgres_database.hpp"
#include "common/store/sqlite_database.hpp"
#include "common/store/store_metrics.hpp"

namespace sc::store {

const char* backend_name(Backend backend) {
  return backend == Backend::sqlite ? "sqlite" : "postgresql";
}

metrics::Histogram& store_latency(Backend backend, StoreOperation operation) {
  // Registered once (a thread-safe static); afterwards only atomics are touched.
  struct Table {
    metrics::Histogram* histograms[2][3] = {};
    Table() {
      const Backend backends[] = {Backend::sqlite, Backend::postgresql};
      const char* const operations[] = {"query", "write", "commit"};
      for (std::size_t b = 0; b < 2; ++b) {
        for (std::size_t o = 0; o < 3; ++o) {
          histograms[b][o] = &metrics::global().histogram(
              "sc_store_operation_seconds", "time a store statement or commit took",
              metrics::latency_buckets(),
              {{"backend", backend_name(backends[b])}, {"operation", operations[o]}});
        }
      }
    }
  };
  static const Table table;
  return *table.histograms[backend == Backend::sqlite ? 0 : 1][static_cast<std::size_t>(operation)];
}

StoreLocation StoreLocation::sqlite(std::filesystem::path path) {
  StoreLocation location;
  location.backend = Backend::sqlite;
  location.sqlite_path = std::move(path);
  return location;
}

StoreLocation StoreLocation::parse(std::string_view text) {
  constexpr std::string_view sqlite_prefix = "sqlite:";
  if (text.starts_with("postgresql://") || text.starts_with("postgres://")) {
    StoreLocation location;
    location.backend = Backend::postgresql;
    location.conninfo = std::string(text);
    return location;
  }
  if (text.starts_with(sqlite_prefix)) text.remove_prefix(sqlite_prefix.size());
  if (text.empty() || text.find("://") != std::string_view::npos) {
    throw std::invalid_argument(
        "--store expects sqlite:PATH (the default, one file) or postgresql://[user@]host[:port]/"
        "database (a libpq connection URI; put the password in ~/.pgpass or PGPASSWORD, not "
        "here), not \"" +
        std::string(text.substr(0, 80)) + "\"");
  }
  return sqlite(std::filesystem::path(std::string(text)));
}

std::string StoreLocation::display() const {
  if (backend == Backend::sqlite) return "sqlite:" + sqlite_path.string();
  return postgres_display(conninfo);
}

bool SqlRow::is_null(std::size_t column) const {
  return !at(column).has_value();
}

const std::optional<std::string>& SqlRow::at(std::size_t column) const {
  if (column >= columns_.size()) {
    throw StoreError(StoreErrorKind::other,
                     "a query result has " + std::to_string(columns_.size()) + " columns; column " +
                         std::to_string(column) + " was asked for");
  }
  return columns_[column];
}

std::int64_t SqlRow::integer(std::size_t column) const {
  const std::optional<std::string>& value = at(column);
  if (!value) return 0;
  std::int64_t result = 0;
  const char* end = value->data() + value->size();
  const auto [stop, error] = std::from_chars(value->data(), end, result);
  if (error != std::errc() || stop != end) {
    throw StoreError(StoreErrorKind::other, "column " + std::to_string(column) + " holds \"" +
                                                value->substr(0, 40) +
                                                "\" where an integer was expected");
  }
  return result;
}

std::string SqlRow::text(std::size_t column) const {
  return at(column).value_or("");
}

std::optional<std::string> SqlRow::optional_text(std::size_t column) const {
  return at(column);
}

std::optional<std::int64_t> SqlRow::optional_integer(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

std::optional<SqlRow> Database::query_one(std::string_view sql, const SqlParameters& parameters) {
  std::vector<SqlRow> rows = query(sql, parameters);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

Transaction::Transaction(Database& database, TransactionMode mode) : database_(database) {
  database_.begin(mode);
}

Transaction::~Transaction() {
  if (open_) database_.rollback();
}

void Transaction::commit() {
  open_ = false;  // a failed COMMIT leaves no transaction open either
  database_.commit();
}

std::unique_ptr<Database> open_database(const StoreLocation& location,
                                        const DatabaseOptions& options) {
  if (location.backend == Backend::sqlite) {
    return std::make_unique<SqliteConnection>(location, options);
  }
  return std::make_unique<PostgresConnection>(location, options);
}

std::string postgres_parameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;  // inside '...' or "..."
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      out.push_back(c);
    } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      out.push_back('$');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

// One advisory lock for every component's migrations: two instances starting at once take turns.
constexpr std::int64_t kMigrationLock = 7168163863117524350;

int current_version(Database& database, const MigrationPlan& plan) {
  if (database.backend() == Backend::sqlite) {
    return static_cast<int>(database.query_one("PRAGMA user_version")->integer(0));
  }
  database.query("SELECT pg_advisory_xact_lock(?1)", {kMigrationLock});
  database.execute_script(
      "CREATE TABLE IF NOT EXISTS sc_schema_versions ("
      " component TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL)");
  const auto row = database.query_one("SELECT version FROM sc_schema_versions WHERE component = ?1",
                                      {plan.component});
  return row ? static_cast<int>(row->integer(0)) : 0;
}

void record_version(Database& database, const MigrationPlan& plan, int version) {
  if (database.backend() == Backend::sqlite) {
    database.execute_script("PRAGMA user_version=" + std::to_string(version));
    return;
  }
  database.run(
      "INSERT INTO sc_schema_versions (component, version) VALUES (?1, ?2) "
      "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
      {plan.component, std::int64_t{version}});
}

bool has_foreign_tables(Database& database, const MigrationPlan& plan) {
  if (database.backend() == Backend::sqlite) {
    // A file without a version must be empty: anything else belongs to another program.
    return database.query_one("SELECT COUNT(*) FROM sqlite_master")->integer(0) != 0;
  }
  for (const std::string& table : plan.own_tables) {
    if (!database.query_one("SELECT to_regclass(?1)", {table})->is_null(0)) return true;
  }
  return false;
}

}  // namespace

int migrate(Database& database, const MigrationPlan& plan,
            const std::function<void(Database&)>& after_create) {
  if (plan.migrations.empty()) throw std::logic_error("a migration plan needs migrations");
  const int latest = plan.migrations.back().version;
  Transaction transaction(database, TransactionMode::write);
  const int found = current_version(database, plan);
  const std::string where = plan.component + " at " + database.location().display();
  if (found > latest) {
    throw StoreError(StoreErrorKind::schema,
                     "the " + where + " has schema version " + std::to_string(found) +
                         ", newer than the " + std::to_string(latest) +
                         " this program understands; run a newer version of it");
  }
  if (found == latest) return found;  // nothing to do; rolls back the empty transaction
  if (found == 0 && has_foreign_tables(database, plan)) {
    throw StoreError(StoreErrorKind::schema,
                     "the " + where +
                         " already holds tables but no schema version of ours: it belongs to "
                         "another program or store; choose another one");
  }
  for (const Migration& migration : plan.migrations) {
    if (migration.version <= found) continue;
    const bool own_text =
        database.backend() == Backend::postgresql && !migration.postgres_sql.empty();
    database.execute_script(own_text ? migration.postgres_sql : migration.sql);
    spdlog::info("{}: schema migrated to version {} ({})", where, migration.version,
                 migration.description);
  }
  record_version(database, plan, latest);
  if (found == 0 && after_create) after_create(database);
  transaction.commit();
  return found;
}

}  // namespace sc::store
