// The push bus (bank_server/push_bus.hpp) on whichever backend the fixture selects
// (tests/support/test_databases.hpp): the outbox holds every pending OTP sealed, never in the
// clear; a device that subscribes later, on this bus or on another one over the same database (a
// restarted or another instance), gets each pending OTP once; finished and expired ones are not
// delivered and leave the table. On PostgreSQL, two buses hear each other's pushes through
// LISTEN/NOTIFY, and a bus whose notification channel was cut re-delivers from the outbox.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "bank_server/device_directory.hpp"
#include "bank_server/push_bus.hpp"
#include "common/otp/key_file.hpp"
#include "common/otp/seal_key.hpp"
#include "common/otp/transaction_store.hpp"
#include "tests/support/test_databases.hpp"
#include "tests/unit/temporary_folder.hpp"

using namespace sc;
using namespace sc::bank;
using namespace std::chrono_literals;

namespace {

const std::string kAlice(64, 'a');
const std::string kBob(64, 'b');

std::string otp_line(const std::string& transaction, const std::string& code) {
  return "OTP txn=" + transaction + " code=" + code +
         " account=DE44500105175407324931 amount=250.00 currency=EUR payee=\"ACME Ltd\" "
         "expires_in=120 expires_at=2026-11-23T08:02:00Z";
}

std::chrono::system_clock::time_point in(std::chrono::seconds seconds) {
  return std::chrono::system_clock::now() + seconds;
}

// One bank instance's push side: its directory, its bus, and an io_context for the devices'
// outboxes (and, once run(), the bus's listener).
struct Instance {
  net::asio::io_context io;
  DeviceDirectory devices;
  std::shared_ptr<PushBus> bus;
  std::optional<net::asio::executor_work_guard<net::asio::io_context::executor_type>> work;
  std::thread runner;

  Instance(const store::StoreLocation& location, const std::filesystem::path& key_file)
      : bus(std::make_shared<PushBus>(PushBusOptions{location, key_file}, devices)) {}
  ~Instance() {
    bus->stop();
    work.reset();
    if (runner.joinable()) runner.join();
  }
  void run() {
    bus->start(io);
    work.emplace(io.get_executor());
    runner = std::thread([this] { io.run(); });
  }
  std::shared_ptr<DeviceOutbox> device() {
    return std::make_shared<DeviceOutbox>(io.get_executor());
  }
};

// Polls outbox for up to `limit` until it holds `count` lines in all.
std::vector<std::string> lines_within(DeviceOutbox& outbox, std::size_t count,
                                      std::chrono::seconds limit = 30s) {
  std::vector<std::string> lines;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (lines.size() < count && std::chrono::steady_clock::now() < deadline) {
    for (std::string& line : outbox.take_lines()) lines.push_back(std::move(line));
    if (lines.size() < count) std::this_thread::sleep_for(20ms);
  }
  return lines;
}

bool eventually(const std::function<bool()>& condition, std::chrono::seconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::vector<store::SqlRow> outbox_rows(const store::StoreLocation& location) {
  auto database = store::open_database(location);
  return database->query(
      "SELECT transaction_id, customer, expires_at_ms, key_id, sealed FROM pending_pushes "
      "ORDER BY transaction_id");
}

}  // namespace

TEST_CASE("A published OTP reaches the local devices and waits sealed in the outbox", "[bus]") {
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "pushes");
  Instance bank(location, folder.path() / "push.key");
  auto phone = bank.device();
  auto registration = bank.devices.subscribe(kAlice, phone);
  const std::string line = otp_line("T1", "482913");
  CHECK(bank.bus->publish_otp(kAlice, "T1", line, in(120s)) == 1);
  CHECK(phone->take_lines() == std::vector<std::string>{line});
  CHECK(bank.bus->publish_otp(kBob, "T2", otp_line("T2", "771234"), in(120s)) == 0);

  const auto rows = outbox_rows(location);
  REQUIRE(rows.size() == 2);
  const otp::SealingKeyring keys = otp::load_sealing_keys(folder.path() / "push.key");
  for (const store::SqlRow& row : rows) {
    for (std::size_t column = 0; column < row.size(); ++column) {
      CHECK(row.text(column).find("482913") == std::string::npos);
      CHECK(row.text(column).find("771234") == std::string::npos);
      CHECK(row.text(column).find("OTP") == std::string::npos);
    }
    CHECK(row.text(3) == keys.newest().id);
  }
  CHECK(rows[0].text(1) == kAlice);
  CHECK(otp::open_push(keys, {rows[0].text(3), rows[0].text(4)}, "T1", kAlice) == line);
}

TEST_CASE("A device subscribing later gets each pending OTP once, never finished or expired ones",
          "[bus]") {
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "pushes");
  Instance bank(location, folder.path() / "push.key");
  bank.bus->publish_otp(kAlice, "T1", otp_line("T1", "111111"), in(120s));
  bank.bus->publish_otp(kAlice, "T2", otp_line("T2", "222222"), in(120s));
  bank.bus->publish_otp(kAlice, "T3", otp_line("T3", "333333"), in(-1s));  // already expired
  bank.bus->publish_otp(kBob, "T4", otp_line("T4", "444444"), in(120s));
  bank.bus->finish("T2");  // confirmed

  auto phone = bank.device();
  auto registration = bank.devices.subscribe(kAlice, phone);
  CHECK(bank.bus->deliver_pending(kAlice) == 1);
  CHECK(phone->take_lines() == std::vector<std::string>{otp_line("T1", "111111")});
  // Handed over again (a reconnected bus re-delivers): the device does not get it twice.
  CHECK(bank.bus->deliver_pending(kAlice) == 1);
  CHECK(phone->take_lines().empty());
  // A second device of alice gets it; the first still does not.
  auto laptop = bank.device();
  auto second = bank.devices.subscribe(kAlice, laptop);
  bank.bus->deliver_pending(kAlice);
  CHECK(laptop->take_lines() == std::vector<std::string>{otp_line("T1", "111111")});
  CHECK(phone->take_lines().empty());

  CHECK(bank.bus->purge_expired() == 1);  // T3
  const auto rows = outbox_rows(location);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].text(0) == "T1");
  CHECK(rows[1].text(0) == "T4");
}

TEST_CASE("Another bus on the same database delivers what a dead one published", "[bus]") {
  // The instance that started the transfer is gone (SIGKILL, restart); the device subscribes on
  // another instance sharing the database and the push key file.
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "pushes");
  {
    Instance dead(location, folder.path() / "push.key");
    dead.bus->publish_otp(kAlice, "T1", otp_line("T1", "565656"), in(120s));
  }
  Instance survivor(location, folder.path() / "push.key");
  auto phone = survivor.device();
  auto registration = survivor.devices.subscribe(kAlice, phone);
  CHECK(survivor.bus->deliver_pending(kAlice) == 1);
  CHECK(phone->take_lines() == std::vector<std::string>{otp_line("T1", "565656")});
}

TEST_CASE("Pushes sealed before a key rotation still open after it", "[bus]") {
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "pushes");
  const auto key_file = folder.path() / "push.key";
  Instance bank(location, key_file);
  bank.bus->publish_otp(kAlice, "T1", otp_line("T1", "101010"), in(120s));
  const otp::SealingKeyring rotated = otp::add_sealing_key(key_file);  // by another instance
  bank.bus->publish_otp(kAlice, "T2", otp_line("T2", "202020"), in(120s));
  const auto rows = outbox_rows(location);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].text(3) != rotated.newest().id);
  CHECK(rows[1].text(3) == rotated.newest().id);  // the bus picked up the new key
  auto phone = bank.device();
  auto registration = bank.devices.subscribe(kAlice, phone);
  CHECK(bank.bus->deliver_pending(kAlice) == 2);
  CHECK(phone->take_lines().size() == 2);
}

TEST_CASE("A push sealed under another push key is not delivered", "[bus]") {
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "pushes");
  {
    Instance foreign(location, folder.path() / "other.key");
    foreign.bus->publish_otp(kAlice, "T1", otp_line("T1", "303030"), in(120s));
  }
  Instance bank(location, folder.path() / "push.key");
  auto phone = bank.device();
  auto registration = bank.devices.subscribe(kAlice, phone);
  bank.bus->deliver_pending(kAlice);
  CHECK(phone->take_lines().empty());
}

TEST_CASE("Bank instances hear each other's pushes through LISTEN/NOTIFY", "[bus][postgresql]") {
  if (test::test_backend() != store::Backend::postgresql) {
    SUCCEED("PostgreSQL only (the scale label runs it)");
    return;
  }
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "pushes");
  Instance a(location, folder.path() / "push.key");
  Instance b(location, folder.path() / "push.key");
  a.run();
  b.run();
  REQUIRE(eventually([&] { return a.bus->listening() && b.bus->listening(); }));
  auto phone = a.device();
  auto registration = a.devices.subscribe(kAlice, phone);
  auto laptop = b.device();
  auto second = b.devices.subscribe(kAlice, laptop);

  const std::string line = otp_line("T1", "424242");
  CHECK(b.bus->publish_otp(kAlice, "T1", line, in(120s)) == 1);  // b's own device
  CHECK(lines_within(*phone, 1) == std::vector<std::string>{line});
  // A transient push (no code) crosses too.
  b.bus->publish(kAlice, "WARNING reason=last-attempt customer_attempts_left=1");
  CHECK(lines_within(*phone, 1) ==
        std::vector<std::string>{"WARNING reason=last-attempt customer_attempts_left=1"});
  // b delivered its own pushes itself, once each; a pushes nothing to bob's missing devices.
  const std::vector<std::string> at_b = lines_within(*laptop, 2, 5s);
  CHECK(at_b ==
        std::vector<std::string>{line, "WARNING reason=last-attempt customer_attempts_left=1"});
  std::this_thread::sleep_for(200ms);
  CHECK(laptop->take_lines().empty());
  CHECK(phone->take_lines().empty());
}

TEST_CASE("A bus whose notification channel was cut re-delivers from the outbox",
          "[bus][postgresql]") {
  if (test::test_backend() != store::Backend::postgresql) {
    SUCCEED("PostgreSQL only (the scale label runs it)");
    return;
  }
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "pushes");
  Instance a(location, folder.path() / "push.key");
  Instance b(location, folder.path() / "push.key");
  auto phone = a.device();
  auto registration = a.devices.subscribe(kAlice, phone);
  // Cut every listening connection on this database, and wait until they are gone: whatever is
  // published now never reaches a's channel.
  auto admin = store::open_database(location);
  admin->query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'sc-bank-push-listener' AND datname = current_database()");
  REQUIRE(eventually([&] {
    return admin
               ->query_one(
                   "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = "
                   "'sc-bank-push-listener' AND datname = current_database()")
               ->integer(0) == 0;
  }));
  const std::string line = otp_line("T1", "909090");
  CHECK(b.bus->publish_otp(kAlice, "T1", line, in(120s)) == 0);
  // a notices the loss, reconnects, and hands the outbox's pending OTPs to its devices.
  a.run();
  CHECK(lines_within(*phone, 1) == std::vector<std::string>{line});
  CHECK(eventually([&] { return a.bus->listening(); }));
}

TEST_CASE("The outbox shares the transaction store's database, before and after a restart",
          "[bus]") {
  test::TemporaryFolder folder("sc-bank-test");
  const auto location = test::fresh_store_location(folder.path(), "bank");
  const SecretBytes store_key(otp::kSecretKeyBytes, 7);
  std::string transaction;
  {
    otp::TransactionStore store(location, store_key);
    Instance bank(location, folder.path() / "push.key");
    const otp::StartedTransfer started = store.start(
        otp::TransactionDetails{"DE44500105175407324931", 25000, "EUR", "ACME Ltd"}, kAlice);
    transaction = started.transaction_id;
    bank.bus->publish_otp(kAlice, transaction, otp_line(transaction, started.code),
                          started.expires_at);
  }
  // Both schemas are found as they were left: neither takes the other's tables for a foreign
  // program's.
  otp::TransactionStore store(location, store_key);
  Instance bank(location, folder.path() / "push.key");
  CHECK(store.pending_for(kAlice).size() == 1);
  auto phone = bank.device();
  auto registration = bank.devices.subscribe(kAlice, phone);
  CHECK(bank.bus->deliver_pending(kAlice) == 1);
  CHECK(phone->take_lines().size() == 1);
}
