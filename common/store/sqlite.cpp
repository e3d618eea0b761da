#include "common/store/sqlite.hpp"

#include <spdlog/spdlog.h>

namespace sc::store {

SqliteDatabase::SqliteDatabase(const std::filesystem::path& path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &database_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message =
        database_ != nullptr ? sqlite3_errmsg(database_) : sqlite3_errstr(rc);
    sqlite3_close(database_);  // NOLINT: frees the handle even when opening failed
    database_ = nullptr;
    throw SqliteError("cannot open the registry database " + path.string() + ": " + message, rc);
  }
  const int ext = sqlite3_extended_result_codes(database_, 1);
  if (ext != SQLITE_OK) fail("enabling extended result codes", ext);
  sqlite3_commit_hook(database_, &SqliteDatabase::count_commit, this);
}

int SqliteDatabase::count_commit(void* database) {
  ++static_cast<SqliteDatabase*>(database)->commits_;
  return 0;  // 0: let the commit proceed
}

SqliteDatabase::~SqliteDatabase() {
  if (database_ == nullptr) return;
  const int rc = sqlite3_close(database_);
  if (rc != SQLITE_OK) {
    spdlog::error("closing the registry database failed: {}", sqlite3_errmsg(database_));
  }
}

void SqliteDatabase::fail(std::string_view operation, int rc) const {
  const char* message = database_ != nullptr ? sqlite3_errmsg(database_) : sqlite3_errstr(rc);
  throw SqliteError(std::string(operation) + ": " + message,
                    database_ != nullptr ? sqlite3_extended_errcode(database_) : rc);
}

void SqliteDatabase::execute(std::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  const int rc = sqlite3_exec(database_, text.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string message = error != nullptr ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    throw SqliteError("registry statement failed (" + text.substr(0, 60) + "): " + message,
                      sqlite3_extended_errcode(database_));
  }
}

std::string SqliteDatabase::pragma_text(std::string_view pragma) {
  SqliteStatement statement(*this, "PRAGMA " + std::string(pragma));
  if (!statement.step()) return "";
  return statement.text(0);
}

std::int64_t SqliteDatabase::changes() const {
  return sqlite3_changes64(database_);
}

SqliteStatement::SqliteStatement(SqliteDatabase& database, std::string_view sql)
    : database_(database), sql_(sql) {
  const int rc = sqlite3_prepare_v2(database_.native(), sql_.c_str(), static_cast<int>(sql_.size()),
                                    &statement_, nullptr);
  if (rc != SQLITE_OK) database_.fail("preparing \"" + sql_.substr(0, 60) + "\"", rc);
}

SqliteStatement::~SqliteStatement() {
  sqlite3_finalize(statement_);
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(statement_, index, value);
  if (rc != SQLITE_OK) database_.fail("binding an integer", rc);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
  if (rc != SQLITE_OK) database_.fail("binding a text", rc);
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  const int rc = sqlite3_bind_null(statement_, index);
  if (rc != SQLITE_OK) database_.fail("binding NULL", rc);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  database_.fail("running \"" + sql_.substr(0, 60) + "\"", rc);
}

void SqliteStatement::run() {
  while (step()) {
  }
}

void SqliteStatement::reset() {
  sqlite3_reset(statement_);  // returns the last step's error, already reported by step()
  sqlite3_clear_bindings(statement_);
}

int SqliteStatement::column_count() const {
  return sqlite3_column_count(statement_);
}

bool SqliteStatement::is_null(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::int64_t SqliteStatement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string SqliteStatement::text(int column) const {
  const unsigned char* value = sqlite3_column_text(statement_, column);
  if (value == nullptr) return "";
  const int length = sqlite3_column_bytes(statement_, column);
  return std::string(reinterpret_cast<const char*>(value), static_cast<std::size_t>(length));
}

std::optional<std::string> SqliteStatement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<std::int64_t> SqliteStatement::optional_integer(int column) const {
  if (is_null(column)) return std::nullopt;
  return integer(column);
}

SqliteTransaction::SqliteTransaction(SqliteDatabase& database) : database_(database) {
  database_.execute("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  if (!open_) return;
  char* error = nullptr;
  const int rc = sqlite3_exec(database_.native(), "ROLLBACK", nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    spdlog::error("rolling back a registry transaction failed: {}",
                  error != nullptr ? error : sqlite3_errstr(rc));
  }
  sqlite3_free(error);
}

void SqliteTransaction::commit() {
  database_.execute("COMMIT");
  open_ = false;
}

}  // namespace sc::store
