#pragma once
// RAII over the SQLite3 C API (shared by the TTP registry and the bank store): a connection, a
// prepared statement, a write transaction. Every return code is checked; a failure becomes a
// SqliteError carrying sqlite3_errmsg().
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sqlite3.h>

namespace sc::store {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // extended result code (SQLITE_CONSTRAINT_UNIQUE, ...)
  bool is_constraint_violation() const { return (code_ & 0xff) == SQLITE_CONSTRAINT; }

 private:
  int code_;
};

class SqliteDatabase {
 public:
  // Opens (creating when absent) the file read-write, with extended result codes.
  explicit SqliteDatabase(const std::filesystem::path& path);
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  ~SqliteDatabase();

  // Runs one or more statements that return no rows (schema, pragmas, BEGIN/COMMIT).
  void execute(std::string_view sql);
  // Runs a pragma and returns its first column as text ("wal", "ok", ...).
  std::string pragma_text(std::string_view pragma);
  std::int64_t changes() const;
  // Transactions committed on this connection since it was opened.
  std::int64_t commits() const { return commits_.load(); }
  sqlite3* native() const { return database_; }

  // Throws SqliteError("<operation>: <sqlite3_errmsg>") for result code rc.
  [[noreturn]] void fail(std::string_view operation, int rc) const;

 private:
  static int count_commit(void* database);

  sqlite3* database_ = nullptr;
  std::atomic<std::int64_t> commits_{0};
};

class SqliteStatement {
 public:
  SqliteStatement(SqliteDatabase& database, std::string_view sql);
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based, as in SQL's ?1, ?2 ...
  SqliteStatement& bind(int index, std::int64_t value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  SqliteStatement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  SqliteStatement& bind_null(int index);
  SqliteStatement& bind(int index, const std::optional<std::string>& text);

  // Advances: true when a row is available, false when the statement is done.
  bool step();
  // Runs a statement that returns no rows (INSERT/UPDATE/DELETE).
  void run();
  // Back to before the first step, parameters cleared, ready to run again (a cached statement).
  void reset();
  int column_count() const;

  bool is_null(int column) const;
  std::int64_t integer(int column) const;
  std::string text(int column) const;  // "" for NULL
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;

 private:
  SqliteDatabase& database_;
  sqlite3_stmt* statement_ = nullptr;
  std::string sql_;
};

// BEGIN IMMEDIATE: takes the write lock at once, so two writers (the daemon and an admin
// command) queue on busy_timeout instead of deadlocking on a read-to-write upgrade. Rolls back
// unless commit() was called.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDatabase& database);
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();
  void commit();

 private:
  SqliteDatabase& database_;
  bool open_ = true;
};

}  // namespace sc::store
