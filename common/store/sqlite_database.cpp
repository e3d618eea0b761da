#include "common/store/sqlite_database.hpp"

#include "common/store/store_metrics.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace sc::store {
namespace {

StoreErrorKind kind_of(const SqliteError& error) {
  switch (error.code() & 0xff) {
    case SQLITE_CONSTRAINT:
      return StoreErrorKind::constraint;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return StoreErrorKind::unavailable;
    default:
      return StoreErrorKind::other;
  }
}

}  // namespace

void prepare_private_database_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw std::system_error(errno, std::generic_category(), "cannot create " + file.string());
  }
  struct stat status {};
  if (::lstat(file.c_str(), &status) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot inspect " + file.string());
  }
  if (S_ISLNK(status.st_mode)) {
    throw StoreError(StoreErrorKind::schema,
                     file.string() + " is a symbolic link; refusing to follow it");
  }
  if (!S_ISREG(status.st_mode)) {
    throw StoreError(StoreErrorKind::schema, file.string() + " is not a regular file");
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw StoreError(StoreErrorKind::schema,
                     file.string() + " is accessible to group or others; make it mode 0600");
  }
}

SqliteConnection::SqliteConnection(StoreLocation location, const DatabaseOptions& options)
    : location_(std::move(location)),
      database_((prepare_private_database_file(location_.sqlite_path), location_.sqlite_path)) {
  translated("opening", [&] {
    const int rc =
        sqlite3_busy_timeout(database_.native(), static_cast<int>(options.lock_wait.count()));
    if (rc != SQLITE_OK) database_.fail("setting the busy timeout", rc);
    const std::string journal = database_.pragma_text("journal_mode=WAL");
    if (journal != "wal") {
      throw StoreError(StoreErrorKind::unavailable,
                       location_.display() + " cannot use write-ahead logging (journal mode is \"" +
                           journal + "\")");
    }
    // FULL: a commit survives a power cut, not only a crash. OFF only for records whose loss is
    // acceptable (the TTP's refusal journal); such a connection leaves checkpoints to others.
    if (options.sqlite_sync == SqliteSync::full) {
      database_.execute("PRAGMA synchronous=FULL");
    } else {
      database_.execute("PRAGMA synchronous=OFF");
      database_.execute("PRAGMA wal_autocheckpoint=0");
      // Not on close either: that checkpoint would copy the WAL without an fsync.
      const int rc =
          sqlite3_db_config(database_.native(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
      if (rc != SQLITE_OK) database_.fail("turning off the checkpoint on close", rc);
    }
  });
}

SqliteConnection::~SqliteConnection() = default;

template <typename Action>
auto SqliteConnection::translated(std::string_view what, Action&& action) -> decltype(action()) {
  try {
    return action();
  } catch (const SqliteError& error) {
    throw StoreError(kind_of(error),
                     location_.display() + ": " + std::string(what) + ": " + error.what());
  }
}

SqliteStatement& SqliteConnection::prepared(std::string_view sql, const SqlParameters& parameters) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    found = statements_.emplace(std::string(sql), std::make_unique<SqliteStatement>(database_, sql))
                .first;
  }
  SqliteStatement& statement = *found->second;
  statement.reset();
  int index = 1;
  for (const SqlValue& value : parameters) {
    if (const auto* integer = std::get_if<std::int64_t>(&value)) {
      statement.bind(index, *integer);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      statement.bind(index, std::string_view(*text));
    } else {
      statement.bind_null(index);
    }
    ++index;
  }
  return statement;
}

void SqliteConnection::execute_script(std::string_view sql) {
  translated("running a script", [&] { database_.execute(sql); });
}

std::vector<SqlRow> SqliteConnection::query(std::string_view sql, const SqlParameters& parameters) {
  const LatencySample sample(store_latency(Backend::sqlite, StoreOperation::query));
  return translated("querying", [&] {
    SqliteStatement& statement = prepared(sql, parameters);
    std::vector<SqlRow> rows;
    while (statement.step()) {
      std::vector<std::optional<std::string>> columns;
      const int count = statement.column_count();
      columns.reserve(static_cast<std::size_t>(count));
      for (int column = 0; column < count; ++column) {
        columns.push_back(statement.optional_text(column));
      }
      rows.emplace_back(std::move(columns));
    }
    statement.reset();
    return rows;
  });
}

std::int64_t SqliteConnection::run(std::string_view sql, const SqlParameters& parameters) {
  const LatencySample sample(store_latency(Backend::sqlite, StoreOperation::write));
  return translated("writing", [&] {
    SqliteStatement& statement = prepared(sql, parameters);
    statement.run();
    statement.reset();
    return database_.changes();
  });
}

void SqliteConnection::begin(TransactionMode mode) {
  // IMMEDIATE: a writer takes the lock at once and queues on the busy timeout instead of
  // deadlocking on a read-to-write upgrade.
  translated("beginning a transaction", [&] {
    database_.execute(mode == TransactionMode::write ? "BEGIN IMMEDIATE" : "BEGIN");
  });
}

void SqliteConnection::commit() {
  const LatencySample sample(store_latency(Backend::sqlite, StoreOperation::commit));
  translated("committing", [&] { database_.execute("COMMIT"); });
}

void SqliteConnection::rollback() noexcept {
  if (sqlite3_get_autocommit(database_.native()) != 0) return;  // nothing open
  try {
    database_.execute("ROLLBACK");
  } catch (const std::exception&) {
    // The connection stays usable; SQLite rolls back by itself when it cannot.
  }
}

}  // namespace sc::store
