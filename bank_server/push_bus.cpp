#include "bank_server/push_bus.hpp"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/crypto/random.hpp"

namespace sc::bank {
namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kLongestBackoff{5000};

std::int64_t unix_milliseconds(std::chrono::system_clock::time_point when) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_unix_milliseconds(std::int64_t milliseconds) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(milliseconds));
}

std::string short_id(const std::string& fingerprint) {
  return fingerprint.substr(0, 16);
}

// What identifies the key file's current content without reading it: rotation replaces the
// file (another inode), so a change shows in the inode, size or modification time.
std::string key_file_stamp(const std::filesystem::path& file) {
  struct stat status {};
  if (::stat(file.c_str(), &status) != 0) return {};
  return std::to_string(status.st_ino) + ":" + std::to_string(status.st_size) + ":" +
         std::to_string(status.st_mtim.tv_sec) + "." + std::to_string(status.st_mtim.tv_nsec);
}

// The words of a notification payload: "otp INSTANCE TXN CUSTOMER" or
// "push INSTANCE CUSTOMER LINE...".
std::vector<std::string> split_words(const std::string& text, std::size_t most) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size() && words.size() + 1 < most) {
    const std::size_t space = text.find(' ', start);
    if (space == std::string::npos) break;
    words.push_back(text.substr(start, space - start));
    start = space + 1;
  }
  words.push_back(text.substr(std::min(start, text.size())));
  return words;
}

// Runs work on the outbox connection; when the server had closed that connection (a restart, a
// failover) the first statement notices and the connection reconnects on the next call, so the
// work runs once more. Only idempotent work goes through here (an INSERT ... ON CONFLICT DO
// NOTHING whose COMMIT may have been lost, a notification sent twice, reads, deletes).
template <typename Work>
auto on_live_connection(Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const store::StoreError& error) {
    if (!error.is_unavailable()) throw;
  }
  return work();
}

// An error sentence on one log line (libpq's messages span several).
std::string one_line(const std::exception& error) {
  std::string text = error.what();
  std::string line;
  bool blank = false;
  for (char c : text) {
    const bool space = c == '\n' || c == '\t' || c == '\r' || c == ' ';
    if (space && blank) continue;
    line.push_back(space ? ' ' : c);
    blank = space;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

bool printable_line(const std::string& line) {
  return !line.empty() &&
         std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// On SQLite, PRAGMA user_version belongs to the transaction store that shares the file, so the
// outbox keeps its version in sc_schema_versions, the table every component uses on PostgreSQL.
void migrate_outbox(store::Database& database) {
  const store::MigrationPlan& plan = PushBus::migration_plan();
  if (database.backend() == store::Backend::postgresql) {
    store::migrate(database, plan);
    return;
  }
  const int latest = plan.migrations.back().version;
  store::with_write_transaction(database, [&] {
    database.execute_script(
        "CREATE TABLE IF NOT EXISTS sc_schema_versions ("
        " component TEXT PRIMARY KEY NOT NULL, version BIGINT NOT NULL)");
    const auto row = database.query_one(
        "SELECT version FROM sc_schema_versions WHERE component = ?1", {plan.component});
    const int found = row ? static_cast<int>(row->integer(0)) : 0;
    const std::string where = plan.component + " at " + database.location().display();
    if (found > latest) {
      throw store::StoreError(store::StoreErrorKind::schema,
                              "the " + where + " has schema version " + std::to_string(found) +
                                  ", newer than the " + std::to_string(latest) +
                                  " this program understands; run a newer version of it");
    }
    for (const store::Migration& migration : plan.migrations) {
      if (migration.version <= found) continue;
      database.execute_script(migration.sql);
      spdlog::info("{}: schema migrated to version {} ({})", where, migration.version,
                   migration.description);
    }
    if (found < latest) {
      database.run(
          "INSERT INTO sc_schema_versions (component, version) VALUES (?1, ?2) "
          "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
          {plan.component, std::int64_t{latest}});
    }
  });
}

}  // namespace

// The listening coroutine's waits, on its strand. The socket is libpq's: the descriptor only
// borrows it for one wait and is released before libpq may close it.
struct PushBus::Waits {
  explicit Waits(net::asio::any_io_executor strand)
      : executor(std::move(strand)), backoff(executor) {}
  Waits(const Waits&) = delete;
  Waits& operator=(const Waits&) = delete;
  ~Waits() {
    if (socket) socket->release();
  }
  void cancel() {
    stopped = true;
    if (socket) socket->cancel();
    backoff.cancel();
  }

  net::asio::any_io_executor executor;
  std::optional<net::asio::posix::stream_descriptor> socket;
  net::asio::steady_timer backoff;
  bool stopped = false;
};

const store::MigrationPlan& PushBus::migration_plan() {
  static const store::MigrationPlan plan{
      "bank-pushes",
      {{1, "pending pushes, sealed",
        "CREATE TABLE pending_pushes ("
        " transaction_id TEXT PRIMARY KEY NOT NULL,"
        " customer TEXT NOT NULL,"
        " expires_at_ms BIGINT NOT NULL,"
        " key_id TEXT NOT NULL,"
        " sealed TEXT NOT NULL);"
        "CREATE INDEX pending_pushes_by_customer ON pending_pushes (customer, expires_at_ms)",
        ""}},
      {"pending_pushes"}};
  return plan;
}

PushBus::PushBus(PushBusOptions options, DeviceDirectory& devices)
    : options_(std::move(options)),
      devices_(devices),
      instance_id_(to_hex(crypto::random_bytes(8))),
      database_(store::open_database(
          options_.location,
          store::DatabaseOptions{store::SqliteSync::full, std::chrono::milliseconds(15000),
                                 "sc-bank-pushes"})),
      keys_(otp::load_or_create_sealing_keys(options_.sealing_key_file)),
      key_file_stamp_(key_file_stamp(options_.sealing_key_file)) {
  migrate_outbox(*database_);
  if (backend() == store::Backend::postgresql) {
    listener_ = std::make_unique<store::PostgresListener>(options_.location, options_.channel,
                                                          "sc-bank-push-listener");
    listening_ = true;
  }
  spdlog::info("push bus: sealed outbox in {} ({}), push key {} ({} key(s)); {}; instance {}",
               options_.location.display(), store::backend_name(backend()), keys_.newest().id,
               keys_.keys().size(),
               listener_ ? "listening on channel " + options_.channel + " for the other instances"
                         : std::string("one instance, delivery in process"),
               instance_id_);
}

PushBus::~PushBus() = default;

void PushBus::refresh_keys_locked() {
  const std::string stamp = key_file_stamp(options_.sealing_key_file);
  if (stamp.empty() || stamp == key_file_stamp_) return;
  try {
    keys_ = otp::load_sealing_keys(options_.sealing_key_file);
    key_file_stamp_ = stamp;
    spdlog::info("push bus: reloaded {}: {} key(s), sealing with {}",
                 options_.sealing_key_file.string(), keys_.keys().size(), keys_.newest().id);
  } catch (const std::exception& error) {
    spdlog::error("push bus: keeping the keys loaded before: {}", one_line(error));
  }
}

void PushBus::notify_locked(const std::string& payload) {
  database_->query("SELECT pg_notify(?1, ?2)", {options_.channel, payload});
}

std::size_t PushBus::publish_otp(const std::string& customer, const std::string& transaction_id,
                                 const std::string& line, TimePoint expires) {
  try {
    std::lock_guard lock(mutex_);
    refresh_keys_locked();
    const otp::SealedPush sealed = otp::seal_push(keys_, transaction_id, customer, line);
    const std::string payload = "otp " + instance_id_ + " " + transaction_id + " " + customer;
    on_live_connection([&] {
      store::with_write_transaction(*database_, [&] {
        database_->run(
            "INSERT INTO pending_pushes (transaction_id, customer, expires_at_ms, key_id, sealed) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (transaction_id) DO NOTHING",
            {transaction_id, customer, unix_milliseconds(expires), sealed.key_id, sealed.sealed});
        // Delivered to the listeners when this transaction commits, never before the row exists.
        if (backend() == store::Backend::postgresql) notify_locked(payload);
      });
    });
  } catch (const std::exception& error) {
    spdlog::error(
        "push bus: the OTP of transaction {} could not be written to the outbox ({}); only this "
        "instance's devices get it",
        transaction_id, one_line(error));
  }
  return devices_.push_otp(customer, transaction_id, line, expires);
}

std::size_t PushBus::publish(const std::string& customer, const std::string& line) {
  if (backend() == store::Backend::postgresql) {
    try {
      std::lock_guard lock(mutex_);
      const std::string payload = "push " + instance_id_ + " " + customer + " " + line;
      on_live_connection([&] { notify_locked(payload); });
    } catch (const std::exception& error) {
      spdlog::warn("push bus: could not tell the other instances about a push to {}...: {}",
                   short_id(customer), one_line(error));
    }
  }
  return devices_.push(customer, line);
}

std::size_t PushBus::deliver_pending(const std::string& customer) {
  std::vector<OutboxRow> rows;
  try {
    std::lock_guard lock(mutex_);
    const std::vector<store::SqlRow> found = on_live_connection([&] {
      return database_->query(
          "SELECT transaction_id, expires_at_ms, key_id, sealed FROM pending_pushes "
          "WHERE customer = ?1 AND expires_at_ms > ?2 ORDER BY expires_at_ms",
          {customer, unix_milliseconds(std::chrono::system_clock::now())});
    });
    for (const store::SqlRow& row : found) {
      rows.push_back(OutboxRow{row.text(0), customer, from_unix_milliseconds(row.integer(1)),
                               otp::SealedPush{row.text(2), row.text(3)}});
    }
  } catch (const std::exception& error) {
    spdlog::warn("push bus: cannot read the pending OTPs of {}... now ({}); retrying later",
                 short_id(customer), one_line(error));
    redelivery_due_ = true;
    return 0;
  }
  deliver_rows(rows);
  return rows.size();
}

void PushBus::deliver_rows(const std::vector<OutboxRow>& rows) {
  for (const OutboxRow& row : rows) {
    const std::optional<std::string> line = open_row(row);
    if (!line) continue;
    const std::size_t delivered =
        devices_.push_otp(row.customer, row.transaction_id, *line, row.expires);
    if (delivered > 0) {
      spdlog::info("push bus: the OTP of transaction {} went from the outbox to {} device(s) here",
                   row.transaction_id, delivered);
    }
  }
}

std::optional<std::string> PushBus::open_row(const OutboxRow& row) {
  std::lock_guard lock(mutex_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      return otp::open_push(keys_, row.sealed, row.transaction_id, row.customer);
    } catch (const otp::PushUnsealError& error) {
      // A key this instance has not loaded yet (rotated elsewhere): read the file once more.
      if (attempt == 0 && keys_.find(row.sealed.key_id) == nullptr) {
        refresh_keys_locked();
        continue;
      }
      spdlog::error("push bus: {}", one_line(error));
    }
  }
  return std::nullopt;
}

void PushBus::finish(const std::string& transaction_id) {
  try {
    std::lock_guard lock(mutex_);
    on_live_connection([&] {
      return database_->run("DELETE FROM pending_pushes WHERE transaction_id = ?1",
                            {transaction_id});
    });
  } catch (const std::exception& error) {
    spdlog::warn("push bus: the OTP of transaction {} stays in the outbox until it expires: {}",
                 transaction_id, one_line(error));
  }
}

std::size_t PushBus::purge_expired() {
  if (redelivery_due_.exchange(false)) redeliver_everything();
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(on_live_connection([&] {
    return database_->run("DELETE FROM pending_pushes WHERE expires_at_ms <= ?1",
                          {unix_milliseconds(std::chrono::system_clock::now())});
  }));
}

void PushBus::redeliver_everything() {
  for (const std::string& customer : devices_.customers()) deliver_pending(customer);
}

void PushBus::handle(const store::PostgresNotification& notification) {
  const std::vector<std::string> words = split_words(notification.payload, 4);
  if (words.size() != 4 || words[1] == instance_id_) return;  // ours: delivered already
  if (words[0] == "otp") {
    const std::string& transaction_id = words[2];
    const std::string& customer = words[3];
    if (devices_.devices(customer) == 0) return;
    std::vector<OutboxRow> rows;
    try {
      std::lock_guard lock(mutex_);
      const auto row = on_live_connection([&] {
        return database_->query_one(
            "SELECT expires_at_ms, key_id, sealed FROM pending_pushes "
            "WHERE transaction_id = ?1 AND customer = ?2 AND expires_at_ms > ?3",
            {transaction_id, customer, unix_milliseconds(std::chrono::system_clock::now())});
      });
      if (!row) return;  // confirmed or expired meanwhile
      rows.push_back(OutboxRow{transaction_id, customer, from_unix_milliseconds(row->integer(0)),
                               otp::SealedPush{row->text(1), row->text(2)}});
    } catch (const std::exception& error) {
      spdlog::warn("push bus: cannot read the OTP of transaction {} now ({}); retrying later",
                   transaction_id, one_line(error));
      redelivery_due_ = true;
      return;
    }
    deliver_rows(rows);
  } else if (words[0] == "push") {
    const std::string& customer = words[2];
    const std::string& line = words[3];
    if (!printable_line(line)) return;
    devices_.push(customer, line);
  }
}

bool PushBus::connect_listener() {
  try {
    listener_->reconnect();
  } catch (const std::exception& error) {
    spdlog::warn("push bus: cannot listen for the other instances yet: {}", one_line(error));
    return false;
  }
  listening_ = true;
  spdlog::info("push bus: listening again on channel {}; handing pending OTPs to the devices here",
               options_.channel);
  return true;
}

void PushBus::start(net::asio::io_context& io) {
  if (!listener_) return;
  auto waits = std::make_shared<Waits>(net::asio::make_strand(io));
  waits_ = waits;
  net::asio::co_spawn(waits->executor, listen(waits), net::asio::detached);
}

void PushBus::stop() {
  stopping_ = true;
  if (auto waits = waits_.lock()) {
    net::asio::post(waits->executor, [waits] { waits->cancel(); });
  }
}

net::asio::awaitable<void> PushBus::listen(std::shared_ptr<Waits> waits) {
  auto self = shared_from_this();
  std::chrono::milliseconds backoff = kFirstBackoff;
  while (!waits->stopped && !stopping_) {
    if (!listening_) {
      if (connect_listener()) {
        backoff = kFirstBackoff;
        // Notifications sent while the channel was down are lost: the outbox is the truth.
        redeliver_everything();
      } else {
        waits->backoff.expires_after(backoff);
        backoff = std::min(backoff * 2, kLongestBackoff);
        boost::system::error_code ignored;
        co_await waits->backoff.async_wait(
            net::asio::redirect_error(net::asio::use_awaitable, ignored));
        continue;
      }
    }
    std::vector<store::PostgresNotification> notifications;
    try {
      notifications = listener_->receive();
    } catch (const std::exception& error) {
      spdlog::warn("push bus: {}; reconnecting", one_line(error));
      listening_ = false;
      continue;
    }
    for (const store::PostgresNotification& notification : notifications) {
      try {
        handle(notification);
      } catch (const std::exception& error) {
        spdlog::error("push bus: a notification could not be handled: {}", one_line(error));
      }
    }
    const int socket = listener_->socket();
    if (socket < 0) {
      listening_ = false;
      continue;
    }
    if (waits->stopped) break;
    waits->socket.emplace(waits->executor, socket);
    boost::system::error_code ignored;
    co_await waits->socket->async_wait(
        net::asio::posix::stream_descriptor::wait_read,
        net::asio::redirect_error(net::asio::use_awaitable, ignored));
    waits->socket->release();  // libpq owns the socket
    waits->socket.reset();
  }
  listening_ = false;
}

}  // namespace sc::bank
