#include "common/store/postgres_database.hpp"

#include "common/store/store_metrics.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace sc::store {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kLongestBackoff{5000};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// SQLSTATE classes (PostgreSQL appendix A).
StoreErrorKind kind_of_sqlstate(std::string_view state) {
  if (state.starts_with("23")) return StoreErrorKind::constraint;
  if (state == "40001" || state == "40P01") return StoreErrorKind::conflict;
  if (state.starts_with("08") || state.starts_with("57P") || state.starts_with("53") ||
      state.starts_with("58")) {
    return StoreErrorKind::unavailable;
  }
  return StoreErrorKind::other;
}

void log_notice(void* /*unused*/, const char* message) {
  spdlog::debug("postgresql: {}", trimmed(message));
}

bool is_identifier(std::string_view name) {
  return !name.empty() && name.size() < 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::string postgres_display(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = libpq().conninfo_parse(conninfo.c_str(), &error);
  if (options == nullptr) {
    libpq().freemem(error);
    return "postgresql://(unparsable connection string)";
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "user") user = option->val;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") dbname = option->val;
  }
  libpq().conninfo_free(options);
  std::string shown = "postgresql://";
  if (!user.empty()) shown += user + "@";
  shown += host.empty() ? "localhost" : host;
  if (!port.empty()) shown += ":" + port;
  if (!dbname.empty()) shown += "/" + dbname;
  return shown;
}

PgConnPtr connect_postgres(const std::string& conninfo, const std::string& application_name) {
  // Earlier keywords are defaults: what the connection string says overrides them.
  const char* keywords[] = {
      "application_name",    "connect_timeout",  "keepalives", "keepalives_idle",
      "keepalives_interval", "keepalives_count", "dbname",     nullptr};
  const char* values[] = {application_name.c_str(), "5",    "1", "10", "5", "3",
                          conninfo.c_str(),         nullptr};
  PgConnPtr connection(libpq().connectdb_params(keywords, values, 1));
  if (!connection) {
    throw StoreError(StoreErrorKind::unavailable, "out of memory connecting to PostgreSQL");
  }
  if (libpq().status(connection.get()) != CONNECTION_OK) {
    throw StoreError(StoreErrorKind::unavailable,
                     "cannot reach the database " + postgres_display(conninfo) + ": " +
                         trimmed(libpq().error_message(connection.get())));
  }
  libpq().set_notice_processor(connection.get(), &log_notice, nullptr);
  return connection;
}

PostgresConnection::PostgresConnection(StoreLocation location, const DatabaseOptions& options)
    : location_(std::move(location)), options_(options) {
  reconnect();
}

PostgresConnection::~PostgresConnection() = default;

void PostgresConnection::reconnect() {
  const auto now = std::chrono::steady_clock::now();
  try {
    connection_ = connect_postgres(location_.conninfo, options_.application_name);
  } catch (const StoreError&) {
    next_attempt_ = now + backoff_;
    backoff_ = std::min(backoff_ * 2, kLongestBackoff);
    throw;
  }
  prepared_.clear();
  in_transaction_ = false;
  const bool was_retrying = backoff_ != kFirstBackoff;
  backoff_ = kFirstBackoff;
  // A writer waits this long for a row another instance holds, then gives up with an error.
  const std::string settings =
      "SET lock_timeout = " + std::to_string(options_.lock_wait.count()) +
      "; SET statement_timeout = " + std::to_string(options_.lock_wait.count() * 2);
  execute_script(settings);
  if (was_retrying) spdlog::info("reconnected to the database {}", location_.display());
}

PGconn* PostgresConnection::usable() {
  if (connection_ && libpq().status(connection_.get()) == CONNECTION_OK) return connection_.get();
  connection_.reset();
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now).count();
    throw StoreError(StoreErrorKind::unavailable,
                     "the database " + location_.display() +
                         " is unreachable; the next connection attempt is in " +
                         std::to_string(wait) + " ms");
  }
  reconnect();
  return connection_.get();
}

void PostgresConnection::fail(std::string_view what, const PGresult* result) {
  const char* state =
      result != nullptr ? libpq().result_error_field(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message =
      result != nullptr ? trimmed(libpq().result_error_message(result)) : std::string();
  if (message.empty() && connection_) message = trimmed(libpq().error_message(connection_.get()));
  StoreErrorKind kind = state != nullptr ? kind_of_sqlstate(state) : StoreErrorKind::other;
  if (!connection_ || libpq().status(connection_.get()) != CONNECTION_OK) {
    kind = StoreErrorKind::unavailable;
  }
  if (kind == StoreErrorKind::unavailable) {
    // The transaction, if any, died with the connection; the next call reconnects.
    spdlog::warn("lost the database {} while {}: {}", location_.display(), what, message);
    connection_.reset();
    prepared_.clear();
    in_transaction_ = false;
    next_attempt_ = std::chrono::steady_clock::now();
  }
  throw StoreError(kind, location_.display() + ": " + std::string(what) + ": " + message);
}

const std::string& PostgresConnection::statement_name(std::string_view sql) {
  auto found = prepared_.find(sql);
  if (found != prepared_.end()) return found->second;
  const std::string name = "sc" + std::to_string(prepared_.size() + 1);
  const std::string text = postgres_parameters(sql);
  PgResultPtr result(libpq().prepare(connection_.get(), name.c_str(), text.c_str(), 0, nullptr));
  if (!result || libpq().result_status(result.get()) != PGRES_COMMAND_OK) {
    fail("preparing \"" + std::string(sql.substr(0, 60)) + "\"", result.get());
  }
  return prepared_.emplace(std::string(sql), name).first->second;
}

PgResultPtr PostgresConnection::execute(std::string_view sql, const SqlParameters& parameters) {
  PGconn* connection = usable();
  const std::string& name = statement_name(sql);
  std::vector<std::string> texts(parameters.size());
  std::vector<const char*> values(parameters.size(), nullptr);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (const auto* integer = std::get_if<std::int64_t>(&parameters[i])) {
      texts[i] = std::to_string(*integer);
      values[i] = texts[i].c_str();
    } else if (const auto* text = std::get_if<std::string>(&parameters[i])) {
      values[i] = text->c_str();
    }
  }
  PgResultPtr result(libpq().exec_prepared(connection, name.c_str(),
                                           static_cast<int>(values.size()), values.data(), nullptr,
                                           nullptr, 0));
  const ExecStatusType status = result ? libpq().result_status(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail("running \"" + std::string(sql.substr(0, 60)) + "\"", result.get());
  }
  return result;
}

void PostgresConnection::execute_script(std::string_view sql) {
  PGconn* connection = usable();
  const std::string text(sql);
  PgResultPtr result(libpq().exec(connection, text.c_str()));
  const ExecStatusType status = result ? libpq().result_status(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail("running \"" + text.substr(0, 60) + "\"", result.get());
  }
}

std::vector<SqlRow> PostgresConnection::query(std::string_view sql,
                                              const SqlParameters& parameters) {
  const LatencySample sample(store_latency(Backend::postgresql, StoreOperation::query));
  PgResultPtr result = execute(sql, parameters);
  const int row_count = libpq().ntuples(result.get());
  const int column_count = libpq().nfields(result.get());
  std::vector<SqlRow> rows;
  rows.reserve(static_cast<std::size_t>(row_count));
  for (int row = 0; row < row_count; ++row) {
    std::vector<std::optional<std::string>> columns;
    columns.reserve(static_cast<std::size_t>(column_count));
    for (int column = 0; column < column_count; ++column) {
      if (libpq().getisnull(result.get(), row, column)) {
        columns.emplace_back(std::nullopt);
      } else {
        columns.emplace_back(
            std::string(libpq().getvalue(result.get(), row, column),
                        static_cast<std::size_t>(libpq().getlength(result.get(), row, column))));
      }
    }
    rows.emplace_back(std::move(columns));
  }
  return rows;
}

std::int64_t PostgresConnection::run(std::string_view sql, const SqlParameters& parameters) {
  const LatencySample sample(store_latency(Backend::postgresql, StoreOperation::write));
  PgResultPtr result = execute(sql, parameters);
  const char* affected = libpq().cmd_tuples(result.get());
  return affected != nullptr && *affected != '\0' ? std::stoll(affected) : 0;
}

void PostgresConnection::begin(TransactionMode mode) {
  if (in_transaction_) throw std::logic_error("a PostgreSQL transaction is already open");
  const char* begin = mode == TransactionMode::write ? "BEGIN" : "BEGIN READ ONLY";
  const bool was_connected = connection_ && libpq().status(connection_.get()) == CONNECTION_OK;
  try {
    execute_script(begin);
  } catch (const StoreError& error) {
    // An idle connection whose server restarted looks fine until used: BEGIN is the first to
    // find out. Nothing has run yet, so connecting again once and beginning anew is safe.
    if (!error.is_unavailable() || !was_connected) throw;
    execute_script(begin);
  }
  in_transaction_ = true;
}

void PostgresConnection::commit() {
  if (!in_transaction_ || !connection_) {
    throw StoreError(StoreErrorKind::unavailable,
                     location_.display() + ": the transaction was lost with the connection");
  }
  const LatencySample sample(store_latency(Backend::postgresql, StoreOperation::commit));
  PgResultPtr result(libpq().exec(connection_.get(), "COMMIT"));
  in_transaction_ = false;
  const ExecStatusType status = result ? libpq().result_status(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK) {
    fail("committing (the outcome is unknown if the connection was lost)", result.get());
  }
  // COMMIT of a transaction that failed earlier answers ROLLBACK.
  if (std::string_view(libpq().cmd_status(result.get())) != "COMMIT") {
    throw StoreError(StoreErrorKind::other,
                     location_.display() + ": the transaction was rolled back, not committed");
  }
  ++commits_;
}

void PostgresConnection::rollback() noexcept {
  if (!in_transaction_) return;
  in_transaction_ = false;
  if (!connection_ || libpq().status(connection_.get()) != CONNECTION_OK) return;
  PgResultPtr result(libpq().exec(connection_.get(), "ROLLBACK"));
}

PostgresListener::PostgresListener(StoreLocation location, std::string channel,
                                   std::string application_name)
    : location_(std::move(location)),
      channel_(std::move(channel)),
      application_name_(std::move(application_name)) {
  if (!is_identifier(channel_)) {
    throw std::invalid_argument("a notification channel is a lower-case SQL identifier, not \"" +
                                channel_ + "\"");
  }
  reconnect();
}

void PostgresListener::reconnect() {
  connection_.reset();
  PgConnPtr connection = connect_postgres(location_.conninfo, application_name_);
  const std::string listen = "LISTEN " + channel_;
  PgResultPtr result(libpq().exec(connection.get(), listen.c_str()));
  if (!result || libpq().result_status(result.get()) != PGRES_COMMAND_OK) {
    throw StoreError(StoreErrorKind::unavailable,
                     location_.display() + ": " + listen + ": " +
                         trimmed(libpq().error_message(connection.get())));
  }
  connection_ = std::move(connection);
}

bool PostgresListener::connected() const {
  return connection_ && libpq().status(connection_.get()) == CONNECTION_OK;
}

int PostgresListener::socket() const {
  return connection_ ? libpq().socket(connection_.get()) : -1;
}

std::vector<PostgresNotification> PostgresListener::receive() {
  if (!connected() || libpq().consume_input(connection_.get()) == 0) {
    const std::string message =
        connection_ ? trimmed(libpq().error_message(connection_.get())) : "not connected";
    connection_.reset();
    throw StoreError(StoreErrorKind::unavailable,
                     "lost the notification channel to " + location_.display() + ": " + message);
  }
  std::vector<PostgresNotification> notifications;
  while (PGnotify* notify = libpq().notifies(connection_.get())) {
    notifications.push_back({notify->relname, notify->extra != nullptr ? notify->extra : ""});
    libpq().freemem(notify);
  }
  return notifications;
}

}  // namespace sc::store
