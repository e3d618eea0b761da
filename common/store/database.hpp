#pragma once
// The storage seam shared by the TTP's registry and the bank's transaction store: one SQL
// connection interface with two backends, the embedded SQLite file (the zero-setup default) and a
// PostgreSQL server over libpq (several daemon instances on one database).
//
// The stores write their SQL once, in the dialect both backends accept: `?1, ?2 ...` parameters
// (rewritten to `$1, $2 ...` for PostgreSQL), BIGINT times, INSERT ... ON CONFLICT, RETURNING.
// What differs is named by the seam: row locks (`lock_rows()` is " FOR UPDATE" on PostgreSQL; an
// SQLite write transaction already holds the database's single write lock), and migrations may
// carry a PostgreSQL text where the types differ.
//
// Errors: StoreError, whose kind tells a constraint violation (the caller may retry with another
// key), a conflict between concurrent transactions (deadlock or serialization failure: retry the
// whole transaction, see with_write_transaction), and the database being unreachable (refuse the
// work with a clear sentence; the connection reconnects with backoff on later calls).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sc::store {

enum class Backend { sqlite, postgresql };
const char* backend_name(Backend backend);  // "sqlite", "postgresql"

// Where a store lives, as given on the command line: `sqlite:PATH`, a bare path (SQLite), or a
// libpq connection URI `postgresql://...` / `postgres://...`.
struct StoreLocation {
  Backend backend = Backend::sqlite;
  std::filesystem::path sqlite_path;  // sqlite only
  std::string conninfo;               // postgresql only; may hold a password: never log it

  static StoreLocation sqlite(std::filesystem::path path);
  // Throws std::invalid_argument with a sentence ("--store expects sqlite:PATH or ...").
  static StoreLocation parse(std::string_view text);
  // For logs and errors: the path, or the URI without its password ("postgresql://bank@db:5432/
  // bank"); the password is never shown, whether it came in the URI or elsewhere.
  std::string display() const;
};

enum class StoreErrorKind {
  constraint,   // UNIQUE / CHECK / NOT NULL violated
  conflict,     // deadlock or serialization failure: the transaction may be retried
  unavailable,  // the database cannot be reached (connection refused, lost, server shut down)
  schema,       // newer schema, foreign database, wrong key
  other
};

class StoreError : public std::runtime_error {
 public:
  StoreError(StoreErrorKind kind, const std::string& what)
      : std::runtime_error(what), kind_(kind) {}
  StoreErrorKind kind() const { return kind_; }
  bool is_constraint_violation() const { return kind_ == StoreErrorKind::constraint; }
  bool is_unavailable() const { return kind_ == StoreErrorKind::unavailable; }

 private:
  StoreErrorKind kind_;
};

// One SQL parameter: NULL, an integer or a text.
using SqlValue = std::variant<std::monostate, std::int64_t, std::string>;
using SqlParameters = std::vector<SqlValue>;
inline SqlValue sql_null() {
  return std::monostate{};
}
inline SqlValue sql_optional(const std::optional<std::string>& text) {
  return text ? SqlValue(*text) : sql_null();
}
inline SqlValue sql_optional(const std::optional<std::int64_t>& value) {
  return value ? SqlValue(*value) : sql_null();
}

// One result row, columns 0-based; values are read in the type the caller asks for.
class SqlRow {
 public:
  explicit SqlRow(std::vector<std::optional<std::string>> columns) : columns_(std::move(columns)) {}
  std::size_t size() const { return columns_.size(); }
  bool is_null(std::size_t column) const;
  std::int64_t integer(std::size_t column) const;  // throws StoreError on a non-integer
  std::string text(std::size_t column) const;      // "" for NULL
  std::optional<std::string> optional_text(std::size_t column) const;
  std::optional<std::int64_t> optional_integer(std::size_t column) const;

 private:
  const std::optional<std::string>& at(std::size_t column) const;
  std::vector<std::optional<std::string>> columns_;
};

// What a write transaction asks of the database. SQLite takes its write lock at BEGIN
// (BEGIN IMMEDIATE); PostgreSQL starts READ COMMITTED and the statements lock the rows they use.
enum class TransactionMode { write, read };

class Database {
 public:
  virtual ~Database() = default;
  virtual Backend backend() const = 0;
  virtual const StoreLocation& location() const = 0;

  // Statements that return no rows and take no parameters (schema, several allowed).
  virtual void execute_script(std::string_view sql) = 0;
  // One statement with ?N parameters; every row of its result.
  virtual std::vector<SqlRow> query(std::string_view sql, const SqlParameters& parameters = {}) = 0;
  // One statement; the rows it inserted, updated or deleted.
  virtual std::int64_t run(std::string_view sql, const SqlParameters& parameters = {}) = 0;

  virtual void begin(TransactionMode mode) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // Transactions committed on this connection (tests check that a batch is one transaction).
  virtual std::int64_t commits() const = 0;

  // Appended to a SELECT that reads rows the transaction will update.
  virtual std::string_view lock_rows() const = 0;

  // Convenience: the first row, if any.
  std::optional<SqlRow> query_one(std::string_view sql, const SqlParameters& parameters = {});
};

// RAII: begins at construction, rolls back unless commit() was called.
class Transaction {
 public:
  Transaction(Database& database, TransactionMode mode);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Database& database_;
  bool open_ = true;
};

// Runs `work` inside a write transaction and commits; when PostgreSQL aborts it for a conflict
// with a concurrent transaction (deadlock, serialization failure), runs it again, a few times.
// `work` must therefore only touch the database and its own locals before it returns.
template <typename Work>
auto with_write_transaction(Database& database, Work&& work) -> decltype(work()) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    try {
      Transaction transaction(database, TransactionMode::write);
      if constexpr (std::is_void_v<decltype(work())>) {
        work();
        transaction.commit();
        return;
      } else {
        auto result = work();
        transaction.commit();
        return result;
      }
    } catch (const StoreError& error) {
      if (error.kind() != StoreErrorKind::conflict || attempt == kAttempts) throw;
    }
  }
}

// How a SQLite file is opened (the PostgreSQL server has its own durability settings).
enum class SqliteSync { full, off };
struct DatabaseOptions {
  SqliteSync sqlite_sync = SqliteSync::full;
  // How long a writer waits for another (SQLite busy timeout; PostgreSQL lock_timeout).
  std::chrono::milliseconds lock_wait{15000};
  std::string application_name = "sc";  // PostgreSQL's pg_stat_activity shows it
};

// Opens the store's database. SQLite: creates the file with mode 0600 (refusing a symbolic link
// or a file others can read), WAL mode. PostgreSQL: connects (throws StoreError unavailable when
// the server cannot be reached; later calls reconnect by themselves, with backoff).
std::unique_ptr<Database> open_database(const StoreLocation& location,
                                        const DatabaseOptions& options = {});

// Versioned schema migrations, run at start inside one transaction (PostgreSQL: under an advisory
// lock, so that two instances starting at once do not both migrate). The version lives in
// `PRAGMA user_version` for SQLite (as the stores have always kept it) and in the table
// `sc_schema_versions (component, version)` for PostgreSQL.
struct Migration {
  int version = 0;
  std::string_view description;
  std::string_view sql;           // both backends
  std::string_view postgres_sql;  // when PostgreSQL needs another text ("" = same as sql)
};

struct MigrationPlan {
  std::string component;              // "bank-store", "ttp-registry"
  std::vector<Migration> migrations;  // ascending versions, starting at 1
  // Tables that must be absent in a database without a version (guards against a foreign file).
  std::vector<std::string> own_tables;
};

// Brings the schema to the last migration's version; returns the version found before.
// `after_create` runs in the same transaction when the schema was created from nothing (the bank
// store records its key check there). Throws StoreError(schema) for a newer version or foreign
// tables.
int migrate(Database& database, const MigrationPlan& plan,
            const std::function<void(Database&)>& after_create = {});

// `?1` -> `$1` outside quoted literals (PostgreSQL's parameter syntax).
std::string postgres_parameters(std::string_view sql);

}  // namespace sc::store
