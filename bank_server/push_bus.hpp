#pragma once
// The push bus: how a new OTP reaches the customer's devices whichever bank instance they are
// connected to, and how a device that subscribes later (on any instance, also after the
// instance that started the transfer died) still gets the codes that are pending.
//
// The truth is a durable outbox in the bank store's database (same StoreLocation, its own
// connection): table `pending_pushes`, one row per pending OTP with the transaction id, the
// customer's certificate fingerprint, the expiry, and the push line SEALED under the instances'
// shared push key (common/otp/seal_key.hpp, AES-256-GCM): the database never holds a code in
// the clear. A row leaves the outbox when its transaction is confirmed, locked or used, or when
// it expires (purge_expired, from the bank's housekeeping timer).
//
// PostgreSQL (several instances): writing the row and `pg_notify('sc_otp_push', ...)` are one
// transaction, so the other instances hear of the push exactly when the row is committed. Each
// instance LISTENs on a dedicated connection (store::PostgresListener) waited on with Asio; on a
// notification it reads the row, opens it, and pushes the line to its own devices of that
// customer. The payload carries the publishing instance, the transaction id and the customer
// fingerprint, never the code. Notifications are hints: after the listening connection is lost,
// the instance reconnects with backoff and then hands every pending row of its subscribed
// customers to their devices again (each device gets a line once, see DeviceDirectory).
// SQLite (one instance): the same table; delivery stays in the process.
//
// Thread-safe: one mutex guards the outbox connection (a store::Database is not thread-safe).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bank_server/device_directory.hpp"
#include "common/net/asio.hpp"
#include "common/otp/seal_key.hpp"
#include "common/store/database.hpp"
#include "common/store/postgres_database.hpp"

namespace sc::bank {

struct PushBusOptions {
  store::StoreLocation location;           // the bank store's database
  std::filesystem::path sealing_key_file;  // the push key file every instance shares
  std::string channel = "sc_otp_push";     // PostgreSQL notification channel
};

class PushBus : public std::enable_shared_from_this<PushBus> {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // The outbox's schema (component "bank-pushes").
  static const store::MigrationPlan& migration_plan();

  // Opens its own connection to the database, brings the outbox's schema up to date, loads (or
  // creates) the push key file, and on PostgreSQL starts LISTENing. Throws store::StoreError,
  // std::runtime_error / std::system_error (key file) with a sentence.
  PushBus(PushBusOptions options, DeviceDirectory& devices);
  ~PushBus();
  PushBus(const PushBus&) = delete;
  PushBus& operator=(const PushBus&) = delete;

  // A new OTP: seals the line into the outbox and notifies the other instances (one
  // transaction), then pushes it to this instance's devices of customer. Returns how many local
  // devices got it (other instances' devices are reached through the bus). When the outbox
  // cannot be written, the local devices still get the line and the failure is logged.
  std::size_t publish_otp(const std::string& customer, const std::string& transaction_id,
                          const std::string& line, TimePoint expires);
  // A push without a code (WARNING, BLOCKED): this instance's devices now, the other instances'
  // through the bus (nothing is stored). Returns the local devices that got it.
  std::size_t publish(const std::string& customer, const std::string& line);
  // Opens every unexpired pending OTP of customer from the outbox and pushes it to the local
  // devices of customer that did not have it (a device that just subscribed). Returns how many
  // pending OTPs were handed over; 0 with a logged warning when the database cannot be read.
  std::size_t deliver_pending(const std::string& customer);
  // The transaction is finished (confirmed, locked, already used): its row leaves the outbox.
  void finish(const std::string& transaction_id);
  // Deletes the rows past their expiry; returns how many. Also re-delivers pending rows when a
  // notification could not be handled earlier (the database was away).
  std::size_t purge_expired();

  // PostgreSQL: waits for the other instances' notifications on a strand of io, until stop().
  // SQLite: nothing to wait for.
  void start(net::asio::io_context& io);
  void stop();  // thread-safe

  store::Backend backend() const { return options_.location.backend; }
  const std::string& instance_id() const { return instance_id_; }
  // Whether the PostgreSQL notification channel is connected (tests wait for it; false on
  // SQLite).
  bool listening() const { return listening_; }

 private:
  struct Waits;
  struct OutboxRow {
    std::string transaction_id;
    std::string customer;
    TimePoint expires;
    otp::SealedPush sealed;
  };

  net::asio::awaitable<void> listen(std::shared_ptr<Waits> waits);
  bool connect_listener();  // false while the database is away
  void handle(const store::PostgresNotification& notification);
  void deliver_rows(const std::vector<OutboxRow>& rows);
  void redeliver_everything();
  std::optional<std::string> open_row(const OutboxRow& row);
  void refresh_keys_locked();
  void notify_locked(const std::string& payload);

  PushBusOptions options_;
  DeviceDirectory& devices_;
  const std::string instance_id_;
  mutable std::mutex mutex_;  // guards database_, keys_, key_file_stamp_
  std::unique_ptr<store::Database> database_;
  otp::SealingKeyring keys_;
  std::string key_file_stamp_;
  std::unique_ptr<store::PostgresListener> listener_;  // PostgreSQL only; the strand's
  std::weak_ptr<Waits> waits_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> listening_{false};
  std::atomic<bool> redelivery_due_{false};
};

}  // namespace sc::bank
