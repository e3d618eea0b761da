#pragma once
// The PostgreSQL backend of the storage seam (database.hpp), over libpq: several daemon instances
// share one database. Statements are prepared once per connection (named by their text) and run
// with text parameters; transactions are READ COMMITTED and lock the rows they update
// (SELECT ... FOR UPDATE), so concurrent instances serialize per row, not per database.
//
// When the server goes away, the call that notices throws StoreError(unavailable) with a
// sentence; later calls reconnect by themselves, no more often than an exponential backoff
// (100 ms doubling to 5 s) allows, so a daemon refuses work while the database is down and
// resumes when it returns. A transaction the connection lost is never replayed: the caller gets
// the error, and only a COMMIT that returned counts. Not thread-safe: a store guards it.
#include <libpq-fe.h>

#include "common/store/libpq_library.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/store/database.hpp"

namespace sc::store {

struct PgConnDeleter {
  void operator()(PGconn* connection) const { libpq().finish(connection); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { libpq().clear(result); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// The connection URI without its password, for logs ("postgresql://bank@127.0.0.1:5433/bank").
std::string postgres_display(const std::string& conninfo);

// Connects with the daemon's settings: connect timeout, TCP keepalives, application name; the
// password comes from the URI, PGPASSWORD, PGPASSFILE or ~/.pgpass, as libpq reads them.
// Throws StoreError(unavailable) with the server's sentence.
PgConnPtr connect_postgres(const std::string& conninfo, const std::string& application_name);

class PostgresConnection final : public Database {
 public:
  PostgresConnection(StoreLocation location, const DatabaseOptions& options);
  ~PostgresConnection() override;

  Backend backend() const override { return Backend::postgresql; }
  const StoreLocation& location() const override { return location_; }
  void execute_script(std::string_view sql) override;
  std::vector<SqlRow> query(std::string_view sql, const SqlParameters& parameters) override;
  std::int64_t run(std::string_view sql, const SqlParameters& parameters) override;
  void begin(TransactionMode mode) override;
  void commit() override;
  void rollback() noexcept override;
  std::int64_t commits() const override { return commits_; }
  std::string_view lock_rows() const override { return " FOR UPDATE"; }

 private:
  PGconn* usable();  // reconnects when the backoff allows; throws StoreError(unavailable)
  void reconnect();
  PgResultPtr execute(std::string_view sql, const SqlParameters& parameters);
  [[noreturn]] void fail(std::string_view what, const PGresult* result);
  const std::string& statement_name(std::string_view sql);

  StoreLocation location_;
  DatabaseOptions options_;
  PgConnPtr connection_;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
  bool in_transaction_ = false;
  std::int64_t commits_ = 0;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{100};
};

// LISTEN on a dedicated connection: the bank's push bus. The owner waits for socket() to become
// readable (Asio, poll) and then calls receive(), which returns the notifications that arrived.
// After a lost connection, reconnect() listens again; notifications sent meanwhile are lost (the
// bus carries hints; the store holds the truth).
struct PostgresNotification {
  std::string channel;
  std::string payload;
};

class PostgresListener {
 public:
  // Connects and LISTENs on `channel` (an SQL identifier: letters, digits, underscores).
  PostgresListener(StoreLocation location, std::string channel,
                   std::string application_name = "sc-listener");
  int socket() const;  // -1 when disconnected
  // Reads what the server sent; throws StoreError(unavailable) when the connection is lost.
  std::vector<PostgresNotification> receive();
  void reconnect();  // throws StoreError(unavailable)
  bool connected() const;

 private:
  StoreLocation location_;
  std::string channel_;
  std::string application_name_;
  PgConnPtr connection_;
};

}  // namespace sc::store
