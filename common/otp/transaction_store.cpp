#include "common/otp/transaction_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "common/crypto/hash.hpp"
#include "common/crypto/random.hpp"
#include "common/otp/key_file.hpp"

namespace sc::otp {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kTransactionIdBytes = 10;  // 80 bits: "T" + 20 hex digits
constexpr int kBusyTimeoutMs = 15000;
constexpr int kMaxIdDraws = 8;
// PSD2 RTS (EU) 2018/389 art. 4(3)(d) bounds the payer's inactivity after authenticating to 5
// minutes; a code waiting to be used is held to the same bound.
constexpr std::chrono::seconds kMaxLifetime{300};
// Art. 4(3)(b): no more than 5 failed authentication attempts in a row.
constexpr unsigned kMaxConsecutiveFailures = 5;

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE transactions (
  id                   TEXT PRIMARY KEY NOT NULL,
  customer_fingerprint TEXT NOT NULL,
  account              TEXT NOT NULL,
  amount_minor         INTEGER NOT NULL,
  currency             TEXT NOT NULL,
  payee                TEXT NOT NULL,
  code_mac             TEXT NOT NULL,
  issued_at            INTEGER NOT NULL,
  expires_at           INTEGER NOT NULL,
  wrong_attempts       INTEGER NOT NULL DEFAULT 0,
  state                TEXT NOT NULL CHECK (state IN ('pending', 'used', 'locked', 'expired'))
);
CREATE INDEX transactions_by_customer ON transactions (customer_fingerprint, state);
CREATE INDEX transactions_by_expiry ON transactions (state, expires_at);
CREATE TABLE customers (
  fingerprint          TEXT PRIMARY KEY NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  blocked_until        INTEGER
);
CREATE TABLE store_key (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  key_check TEXT NOT NULL
);
)sql";

// Times are stored as milliseconds since the Unix epoch.
std::int64_t to_millis(TimePoint time) {
  return std::chrono::duration_cast<milliseconds>(time.time_since_epoch()).count();
}
TimePoint from_millis(std::int64_t value) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(milliseconds(value)));
}

void append_length_prefixed(Bytes& out, std::string_view value) {
  const auto size = static_cast<std::uint32_t>(value.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(size >> shift));
  out.insert(out.end(), value.begin(), value.end());
}

void append_u64(Bytes& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

std::uint64_t power_of_ten(unsigned digits) {
  std::uint64_t value = 1;
  for (unsigned i = 0; i < digits; ++i) value *= 10;
  return value;
}

TransactionRules checked(TransactionRules rules) {
  // RFC 4226 section 5.3: at least 6 digits; more than 8 do not fit the protocol's codes.
  if (rules.digits < 6 || rules.digits > 8) {
    throw std::invalid_argument("a code has 6 to 8 digits, not " + std::to_string(rules.digits));
  }
  if (rules.lifetime.count() <= 0 || rules.lifetime > kMaxLifetime) {
    throw std::invalid_argument(
        "a code lives between 1 and 300 seconds (the 5 minutes of PSD2 RTS art. 4(3)(d)), "
        "not " +
        std::to_string(rules.lifetime.count()));
  }
  if (rules.max_wrong_codes_per_transaction == 0) {
    throw std::invalid_argument("a transaction must take at least one wrong code before it locks");
  }
  if (rules.max_consecutive_failures == 0 ||
      rules.max_consecutive_failures > kMaxConsecutiveFailures) {
    throw std::invalid_argument(
        "a customer is blocked after 1 to 5 consecutive wrong codes "
        "(PSD2 RTS art. 4(3)(b)), not " +
        std::to_string(rules.max_consecutive_failures));
  }
  if (rules.block_duration.count() <= 0) {
    throw std::invalid_argument("a customer's block must last a positive time");
  }
  if (rules.max_pending_per_customer == 0) {
    throw std::invalid_argument("a customer must be allowed at least one pending transfer");
  }
  if (rules.retention.count() < 0) throw std::invalid_argument("retention cannot be negative");
  return rules;
}

SecretBytes checked_key(SecretBytes key) {
  if (key.size() != kSecretKeyBytes) {
    throw std::invalid_argument("the transaction store key must be " +
                                std::to_string(kSecretKeyBytes) + " bytes, not " +
                                std::to_string(key.size()));
  }
  return key;
}

// Creates the file with mode 0600 before SQLite opens it (SQLite would create it 0644, and gives
// its -wal and -shm files the mode of the database), and refuses a link or a file others can read.
const std::filesystem::path& prepared_store_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot create the transaction store " + file.string());
  }
  struct stat status {};
  if (::lstat(file.c_str(), &status) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot inspect the transaction store " + file.string());
  }
  if (S_ISLNK(status.st_mode)) {
    throw TransactionStoreError("the transaction store " + file.string() +
                                " is a symbolic link; refusing to follow it");
  }
  if (!S_ISREG(status.st_mode)) {
    throw TransactionStoreError("the transaction store " + file.string() +
                                " is not a regular file");
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw TransactionStoreError("the transaction store " + file.string() +
                                " is accessible to group or others; make it mode 0600");
  }
  return file;
}

constexpr const char* state_pending = "pending";
constexpr const char* state_used = "used";
constexpr const char* state_locked = "locked";
constexpr const char* state_expired = "expired";

}  // namespace

const char* confirm_outcome_name(ConfirmOutcome outcome) {
  switch (outcome) {
    case ConfirmOutcome::Accepted:
      return "accepted";
    case ConfirmOutcome::WrongCode:
      return "wrong-code";
    case ConfirmOutcome::Expired:
      return "expired";
    case ConfirmOutcome::Locked:
      return "locked";
    case ConfirmOutcome::AlreadyUsed:
      return "already-used";
    case ConfirmOutcome::UnknownTransaction:
      return "unknown-transaction";
    case ConfirmOutcome::Blocked:
      return "blocked";
  }
  return "unknown";
}

struct TransactionStore::Row {
  std::string id;
  std::string customer_fingerprint;
  TransactionDetails details;
  Bytes code_mac;
  TimePoint issued_at;
  TimePoint expires_at;
  unsigned wrong_attempts = 0;
  std::string state;
};

struct TransactionStore::Customer {
  unsigned consecutive_failures = 0;
  std::optional<TimePoint> blocked_until;  // only while the block lasts
};

TransactionStore::TransactionStore(const std::filesystem::path& file, SecretBytes key,
                                   TransactionRules rules, Clock clock, AuditLog* audit)
    : path_(file),
      key_(checked_key(std::move(key))),
      rules_(checked(rules)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      audit_(audit),
      database_(prepared_store_file(file)) {
  const int rc = sqlite3_busy_timeout(database_.native(), kBusyTimeoutMs);
  if (rc != SQLITE_OK) database_.fail("setting the transaction store's busy timeout", rc);
  const std::string journal = database_.pragma_text("journal_mode=WAL");
  if (journal != "wal") {
    throw TransactionStoreError("the transaction store " + path_.string() +
                                " cannot use write-ahead logging (journal mode is \"" + journal +
                                "\")");
  }
  // FULL: a commit (a used code, a wrong attempt) survives a power cut, not only a crash.
  database_.execute("PRAGMA synchronous=FULL");
  open_schema();
  check_key();
  spdlog::info(
      "transaction store {}: schema {}, codes of {} digits valid {} s, {} wrong codes "
      "lock a transaction, {} in a row block a customer for {} s",
      path_.string(), kSchemaVersion, rules_.digits, rules_.lifetime.count(),
      rules_.max_wrong_codes_per_transaction, rules_.max_consecutive_failures,
      rules_.block_duration.count());
}

TransactionStore::~TransactionStore() = default;

void TransactionStore::open_schema() {
  store::SqliteTransaction transaction(database_);
  const int version = std::stoi(database_.pragma_text("user_version"));
  if (version > kSchemaVersion) {
    throw TransactionStoreError("the transaction store " + path_.string() + " has schema version " +
                                std::to_string(version) + ", newer than the " +
                                std::to_string(kSchemaVersion) +
                                " this program understands; run a newer bank_server");
  }
  if (version == kSchemaVersion) return;  // rolls back the empty transaction
  store::SqliteStatement tables(database_, "SELECT COUNT(*) FROM sqlite_master");
  tables.step();
  if (tables.integer(0) != 0) {
    throw TransactionStoreError("the file " + path_.string() +
                                " is an SQLite database but not a transaction store (it has tables "
                                "and no schema version); choose another file");
  }
  database_.execute(kSchemaSql);
  database_.execute("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  // The key check value lets a later start tell that it holds the same key.
  store::SqliteStatement insert(database_, "INSERT INTO store_key (id, key_check) VALUES (1, ?1)");
  insert.bind(1, to_hex(crypto::hmac(crypto::HashAlgorithm::Sha256, key_,
                                     as_bytes("sc-transaction-store key check v1"))));
  insert.run();
  transaction.commit();
  spdlog::info("created the transaction store {} (mode 0600, schema {})", path_.string(),
               kSchemaVersion);
}

void TransactionStore::check_key() {
  store::SqliteStatement select(database_, "SELECT key_check FROM store_key WHERE id = 1");
  const Bytes expected = crypto::hmac(crypto::HashAlgorithm::Sha256, key_,
                                      as_bytes("sc-transaction-store key check v1"));
  Bytes stored;
  if (select.step()) {
    try {
      stored = from_hex(select.text(0));
    } catch (const std::invalid_argument&) {
    }
  }
  if (!crypto::equal_constant_time(stored, expected)) {
    // Opening anyway would turn every pending code into a wrong one and block honest customers.
    throw TransactionStoreError("the transaction store " + path_.string() +
                                " was written under another store key; restore the key file it "
                                "was created with, or move the store aside to start afresh");
  }
}

TimePoint TransactionStore::now() const {
  // The store keeps milliseconds; every comparison uses the same precision.
  return from_millis(to_millis(clock_()));
}

Bytes TransactionStore::code_mac(const std::string& transaction_id, const std::string& fingerprint,
                                 const TransactionDetails& details, const std::string& code) const {
  // Everything the code is bound to goes under the MAC (PSD2 RTS art. 5(1)(b): the code is
  // specific to the amount and the payee), each field length-prefixed so that no two different
  // bindings produce the same input.
  Bytes input;
  append_length_prefixed(input, "sc-txn-v1");
  append_length_prefixed(input, transaction_id);
  append_length_prefixed(input, fingerprint);
  append_length_prefixed(input, details.account);
  append_u64(input, static_cast<std::uint64_t>(details.amount_minor));
  append_length_prefixed(input, details.currency);
  append_length_prefixed(input, details.payee);
  append_length_prefixed(input, code);
  Bytes mac = crypto::hmac(crypto::HashAlgorithm::Sha256, key_, input);
  crypto::cleanse(input.data(), input.size());  // held the code
  return mac;
}

std::string TransactionStore::draw_code() const {
  // PSD2 RTS art. 4(2)(b): no code can be derived from another; uniform over all digit strings
  // (random_below rejects instead of reducing modulo).
  std::string code = std::to_string(crypto::random_below(power_of_ten(rules_.digits)));
  code.insert(0, rules_.digits - code.size(), '0');
  return code;
}

void TransactionStore::audit(AuditEventKind kind, const std::string& transaction_id,
                             const std::string& fingerprint, const TransactionDetails& details,
                             const std::string& reason, TimePoint at) {
  if (audit_ == nullptr) return;
  AuditEvent event;
  event.time = at;
  event.kind = kind;
  event.transaction_id = transaction_id;
  event.customer_fingerprint = fingerprint;
  event.account = details.account;
  event.amount_minor = details.amount_minor;
  event.currency = details.currency;
  event.payee = details.payee;
  event.reason = reason;
  audit_->record(event);
}

TransactionStore::Customer TransactionStore::load_customer(const std::string& fingerprint,
                                                           TimePoint at) const {
  store::SqliteStatement select(
      database_,
      "SELECT consecutive_failures, blocked_until FROM customers WHERE fingerprint = ?1");
  select.bind(1, fingerprint);
  Customer customer;
  if (!select.step()) return customer;
  customer.consecutive_failures = static_cast<unsigned>(select.integer(0));
  if (const auto until = select.optional_integer(1); until && from_millis(*until) > at) {
    customer.blocked_until = from_millis(*until);
  }
  return customer;
}

void TransactionStore::save_customer(const std::string& fingerprint, const Customer& customer) {
  store::SqliteStatement upsert(database_,
                                "INSERT INTO customers (fingerprint, consecutive_failures, "
                                "blocked_until) VALUES (?1, ?2, ?3) "
                                "ON CONFLICT (fingerprint) DO UPDATE SET consecutive_failures = "
                                "excluded.consecutive_failures, "
                                "blocked_until = excluded.blocked_until");
  upsert.bind(1, fingerprint).bind(2, static_cast<std::int64_t>(customer.consecutive_failures));
  if (customer.blocked_until) {
    upsert.bind(3, to_millis(*customer.blocked_until));
  } else {
    upsert.bind_null(3);
  }
  upsert.run();
}

std::optional<TransactionStore::Row> TransactionStore::load_row(const std::string& transaction_id) {
  store::SqliteStatement select(
      database_,
      "SELECT customer_fingerprint, account, amount_minor, currency, payee, code_mac, issued_at, "
      "expires_at, wrong_attempts, state FROM transactions WHERE id = ?1");
  select.bind(1, transaction_id);
  if (!select.step()) return std::nullopt;
  Row row;
  row.id = transaction_id;
  row.customer_fingerprint = select.text(0);
  row.details = {select.text(1), select.integer(2), select.text(3), select.text(4)};
  row.code_mac = from_hex(select.text(5));
  row.issued_at = from_millis(select.integer(6));
  row.expires_at = from_millis(select.integer(7));
  row.wrong_attempts = static_cast<unsigned>(select.integer(8));
  row.state = select.text(9);
  return row;
}

std::size_t TransactionStore::pending_count(const std::string& fingerprint, TimePoint at) const {
  store::SqliteStatement count(database_,
                               "SELECT COUNT(*) FROM transactions WHERE customer_fingerprint = ?1 "
                               "AND state = 'pending' AND expires_at > ?2");
  count.bind(1, fingerprint).bind(2, to_millis(at));
  count.step();
  return static_cast<std::size_t>(count.integer(0));
}

void TransactionStore::set_state(const std::string& transaction_id, const char* state) {
  store::SqliteStatement update(database_, "UPDATE transactions SET state = ?2 WHERE id = ?1");
  update.bind(1, transaction_id).bind(2, state);
  update.run();
}

StartedTransfer TransactionStore::start(const TransactionDetails& details,
                                        const std::string& customer_fingerprint) {
  std::lock_guard lock(mutex_);
  store::SqliteTransaction transaction(database_);
  const TimePoint at = now();
  const Customer customer = load_customer(customer_fingerprint, at);
  if (customer.blocked_until) {
    audit(AuditEventKind::Refuse, "", customer_fingerprint, details, "customer-blocked", at);
    transaction.commit();
    throw CustomerBlocked(
        "too many wrong codes in a row: new transfers and confirmations are "
        "refused until " +
            iso8601_utc(*customer.blocked_until),
        *customer.blocked_until);
  }
  const std::size_t pending = pending_count(customer_fingerprint, at);
  if (pending >= rules_.max_pending_per_customer) {
    audit(AuditEventKind::Refuse, "", customer_fingerprint, details, "too-many-pending", at);
    transaction.commit();
    throw TooManyPendingTransfers("this customer already has " + std::to_string(pending) +
                                  " unconfirmed transfers; confirm them or let them expire first");
  }
  std::string code = draw_code();
  const TimePoint expires_at = at + rules_.lifetime;
  std::string id;
  for (int draw = 1;; ++draw) {
    // 80 random bits never collide in practice, but the primary key makes sure of it.
    id = "T" + to_hex(crypto::random_bytes(kTransactionIdBytes));
    store::SqliteStatement insert(
        database_,
        "INSERT INTO transactions (id, customer_fingerprint, account, amount_minor, currency, "
        "payee, code_mac, issued_at, expires_at, wrong_attempts, state) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 'pending')");
    insert.bind(1, id).bind(2, customer_fingerprint).bind(3, details.account);
    insert.bind(4, details.amount_minor).bind(5, details.currency).bind(6, details.payee);
    insert.bind(7, to_hex(code_mac(id, customer_fingerprint, details, code)));
    insert.bind(8, to_millis(at)).bind(9, to_millis(expires_at));
    try {
      insert.run();
      break;
    } catch (const store::SqliteError& error) {
      if (!error.is_constraint_violation() || draw == kMaxIdDraws) throw;
    }
  }
  // Audited before it is committed: a code the audit log cannot record is never handed out.
  audit(AuditEventKind::Issue, id, customer_fingerprint, details, "", at);
  transaction.commit();
  spdlog::info("transfer {} started for customer {}... (expires {})", id,
               customer_fingerprint.substr(0, 16), iso8601_utc(expires_at));
  return StartedTransfer{id, std::move(code), expires_at, rules_.lifetime};
}

ConfirmResult TransactionStore::refuse_blocked(const std::string& transaction_id,
                                               const std::string& fingerprint, TimePoint until,
                                               TimePoint at) {
  audit(AuditEventKind::Reject, transaction_id, fingerprint, {}, "customer-blocked", at);
  ConfirmResult result;
  result.outcome = ConfirmOutcome::Blocked;
  result.blocked_until = until;
  return result;
}

ConfirmResult TransactionStore::wrong_code(Row& row, Customer& customer, TimePoint at) {
  ConfirmResult result;
  result.outcome = ConfirmOutcome::WrongCode;
  ++row.wrong_attempts;
  result.transaction_attempts_left =
      rules_.max_wrong_codes_per_transaction -
      std::min(row.wrong_attempts, rules_.max_wrong_codes_per_transaction);
  store::SqliteStatement update(database_,
                                "UPDATE transactions SET wrong_attempts = ?2, state = ?3 "
                                "WHERE id = ?1");
  update.bind(1, row.id).bind(2, static_cast<std::int64_t>(row.wrong_attempts));
  update.bind(3, result.transaction_attempts_left == 0 ? state_locked : state_pending);
  update.run();

  ++customer.consecutive_failures;
  const bool block = customer.consecutive_failures >= rules_.max_consecutive_failures;
  if (block) {
    // RFC 4226 section 7.3 / PSD2 RTS art. 4(3)(b): after the last allowed failure the customer
    // is blocked for a while; the count starts from zero when the block ends.
    customer.consecutive_failures = 0;
    customer.blocked_until = at + rules_.block_duration;
    result.blocked_until = customer.blocked_until;
  } else {
    result.customer_attempts_left = rules_.max_consecutive_failures - customer.consecutive_failures;
    result.warn_last_attempt = result.customer_attempts_left == 1;
  }
  save_customer(row.customer_fingerprint, customer);

  audit(AuditEventKind::Reject, row.id, row.customer_fingerprint, row.details, "wrong-code", at);
  if (result.transaction_attempts_left == 0) {
    audit(AuditEventKind::Lock, row.id, row.customer_fingerprint, row.details,
          "too-many-wrong-codes", at);
    spdlog::info("transaction {} locked after {} wrong codes", row.id, row.wrong_attempts);
  }
  if (block) {
    audit(AuditEventKind::Block, row.id, row.customer_fingerprint, row.details,
          "consecutive-wrong-codes-until-" + iso8601_utc(*customer.blocked_until), at);
    spdlog::info("customer {}... blocked until {} after {} wrong codes in a row",
                 row.customer_fingerprint.substr(0, 16), iso8601_utc(*customer.blocked_until),
                 rules_.max_consecutive_failures);
  }
  return result;
}

ConfirmResult TransactionStore::confirm(const std::string& transaction_id, const std::string& code,
                                        const std::string& customer_fingerprint) {
  std::lock_guard lock(mutex_);
  // One write transaction from the first read to the last update: never read-then-write.
  store::SqliteTransaction transaction(database_);
  const TimePoint at = now();
  Customer customer = load_customer(customer_fingerprint, at);
  if (customer.blocked_until) {
    ConfirmResult result =
        refuse_blocked(transaction_id, customer_fingerprint, *customer.blocked_until, at);
    transaction.commit();
    return result;
  }
  // Answers that do not count report the customer's standing as it is.
  ConfirmResult result;
  result.customer_attempts_left = rules_.max_consecutive_failures - customer.consecutive_failures;

  std::optional<Row> row = load_row(transaction_id);
  if (!row || row->customer_fingerprint != customer_fingerprint) {
    // Another customer's transaction answers exactly like an unknown one (no oracle), and the
    // attempt counts against nobody. The audit trail names the owner and who tried.
    if (row) {
      audit(AuditEventKind::Reject, transaction_id, row->customer_fingerprint, row->details,
            "wrong-customer-by-" + customer_fingerprint.substr(0, 16), at);
    } else {
      audit(AuditEventKind::Reject, transaction_id, customer_fingerprint, {}, "unknown-transaction",
            at);
    }
    spdlog::info("confirmation for unknown transaction {} refused", transaction_id.substr(0, 64));
    transaction.commit();
    result.outcome = ConfirmOutcome::UnknownTransaction;
    return result;
  }
  auto refuse = [&](ConfirmOutcome outcome) {
    audit(AuditEventKind::Reject, row->id, customer_fingerprint, row->details,
          confirm_outcome_name(outcome), at);
    transaction.commit();
    result.outcome = outcome;
    return result;
  };
  if (row->state == state_pending && at >= row->expires_at) {
    set_state(row->id, state_expired);
    row->state = state_expired;
    audit(AuditEventKind::Expire, row->id, customer_fingerprint, row->details, "expired", at);
  }
  if (row->state == state_used) return refuse(ConfirmOutcome::AlreadyUsed);
  if (row->state == state_locked) return refuse(ConfirmOutcome::Locked);
  if (row->state == state_expired) return refuse(ConfirmOutcome::Expired);

  const Bytes presented = code_mac(row->id, customer_fingerprint, row->details, code);
  if (!crypto::equal_constant_time(presented, row->code_mac)) {
    // Never says which bound element differed (PSD2 RTS art. 4(3)(a)): the MAC covers them all.
    result = wrong_code(*row, customer, at);
    transaction.commit();
    return result;
  }
  set_state(row->id, state_used);
  customer.consecutive_failures = 0;  // a success resets the count
  save_customer(customer_fingerprint, customer);
  // Audited before the commit: if the audit log cannot record it, the transfer stays unconfirmed.
  audit(AuditEventKind::Confirm, row->id, customer_fingerprint, row->details, "", at);
  transaction.commit();
  spdlog::info("transfer {} confirmed by customer {}...", row->id,
               customer_fingerprint.substr(0, 16));
  result.outcome = ConfirmOutcome::Accepted;
  result.customer_attempts_left = rules_.max_consecutive_failures;
  result.transaction_attempts_left =
      rules_.max_wrong_codes_per_transaction -
      std::min(row->wrong_attempts, rules_.max_wrong_codes_per_transaction);
  return result;
}

std::vector<PendingTransfer> TransactionStore::pending_for(
    const std::string& customer_fingerprint) const {
  std::lock_guard lock(mutex_);
  const TimePoint at = now();
  store::SqliteStatement select(
      database_,
      "SELECT id, account, amount_minor, currency, payee, issued_at, expires_at, wrong_attempts "
      "FROM transactions WHERE customer_fingerprint = ?1 AND state = 'pending' AND expires_at > ?2 "
      "ORDER BY issued_at, id");
  select.bind(1, customer_fingerprint).bind(2, to_millis(at));
  std::vector<PendingTransfer> pending;
  while (select.step()) {
    PendingTransfer transfer;
    transfer.transaction_id = select.text(0);
    transfer.details = {select.text(1), select.integer(2), select.text(3), select.text(4)};
    transfer.issued_at = from_millis(select.integer(5));
    transfer.expires_at = from_millis(select.integer(6));
    const auto wrong = static_cast<unsigned>(select.integer(7));
    transfer.attempts_left = rules_.max_wrong_codes_per_transaction -
                             std::min(wrong, rules_.max_wrong_codes_per_transaction);
    pending.push_back(std::move(transfer));
  }
  return pending;
}

CustomerStanding TransactionStore::standing(const std::string& customer_fingerprint) const {
  std::lock_guard lock(mutex_);
  const Customer customer = load_customer(customer_fingerprint, now());
  CustomerStanding standing;
  standing.consecutive_failures = customer.consecutive_failures;
  standing.blocked_until = customer.blocked_until;
  standing.attempts_left =
      customer.blocked_until ? 0 : rules_.max_consecutive_failures - customer.consecutive_failures;
  return standing;
}

void TransactionStore::purge_expired() {
  std::lock_guard lock(mutex_);
  store::SqliteTransaction transaction(database_);
  const TimePoint at = now();
  {
    store::SqliteStatement expired(
        database_,
        "SELECT id, customer_fingerprint, account, amount_minor, currency, payee "
        "FROM transactions WHERE state = 'pending' AND expires_at <= ?1");
    expired.bind(1, to_millis(at));
    while (expired.step()) {
      const TransactionDetails details{expired.text(2), expired.integer(3), expired.text(4),
                                       expired.text(5)};
      audit(AuditEventKind::Expire, expired.text(0), expired.text(1), details, "expired", at);
      spdlog::info("transfer {} expired unconfirmed", expired.text(0));
    }
  }
  store::SqliteStatement mark(database_,
                              "UPDATE transactions SET state = 'expired' "
                              "WHERE state = 'pending' AND expires_at <= ?1");
  mark.bind(1, to_millis(at));
  mark.run();
  store::SqliteStatement forget(database_,
                                "DELETE FROM transactions WHERE state != 'pending' "
                                "AND expires_at <= ?1");
  forget.bind(1, to_millis(at - rules_.retention));
  forget.run();
  store::SqliteStatement customers(database_,
                                   "DELETE FROM customers WHERE consecutive_failures = 0 "
                                   "AND (blocked_until IS NULL OR blocked_until <= ?1)");
  customers.bind(1, to_millis(at));
  customers.run();
  transaction.commit();
}

}  // namespace sc::otp
