#include "common/otp/transaction_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "common/crypto/hash.hpp"
#include "common/crypto/random.hpp"
#include "common/metrics/metrics.hpp"
#include "common/otp/key_file.hpp"

namespace sc::otp {
namespace {

using std::chrono::milliseconds;
using store::StoreError;
using store::StoreErrorKind;

constexpr std::size_t kTransactionIdBytes = 10;  // 80 bits: "T" + 20 hex digits
constexpr int kMaxIdDraws = 8;
// PSD2 RTS (EU) 2018/389 art. 4(3)(d) bounds the payer's inactivity after authenticating to 5
// minutes; a code waiting to be used is held to the same bound.
constexpr std::chrono::seconds kMaxLifetime{300};
// Art. 4(3)(b): no more than 5 failed authentication attempts in a row.
constexpr unsigned kMaxConsecutiveFailures = 5;

// Schema 1, in the SQL both backends accept (BIGINT times in milliseconds since the Unix epoch).
// Files created before the storage seam hold the same tables with INTEGER columns, which SQLite
// treats alike; their PRAGMA user_version 1 is this version.
constexpr std::string_view kSchemaSql = R"sql(
CREATE TABLE transactions (
  id                   TEXT PRIMARY KEY NOT NULL,
  customer_fingerprint TEXT NOT NULL,
  account              TEXT NOT NULL,
  amount_minor         BIGINT NOT NULL,
  currency             TEXT NOT NULL,
  payee                TEXT NOT NULL,
  code_mac             TEXT NOT NULL,
  issued_at            BIGINT NOT NULL,
  expires_at           BIGINT NOT NULL,
  wrong_attempts       BIGINT NOT NULL DEFAULT 0,
  state                TEXT NOT NULL CHECK (state IN ('pending', 'used', 'locked', 'expired'))
);
CREATE INDEX transactions_by_customer ON transactions (customer_fingerprint, state);
CREATE INDEX transactions_by_expiry ON transactions (state, expires_at);
CREATE TABLE customers (
  fingerprint          TEXT PRIMARY KEY NOT NULL,
  consecutive_failures BIGINT NOT NULL DEFAULT 0,
  blocked_until        BIGINT
);
CREATE TABLE store_key (
  id        BIGINT PRIMARY KEY CHECK (id = 1),
  key_check TEXT NOT NULL
);
)sql";

store::MigrationPlan schema_plan() {
  store::MigrationPlan plan;
  plan.component = "bank-store";
  plan.migrations = {{1, "transactions, customers, store key check", kSchemaSql, ""}};
  plan.own_tables = {"transactions", "customers", "store_key"};
  return plan;
}

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

std::string key_check(const SecretBytes& key) {
  return to_hex(crypto::hmac(crypto::HashAlgorithm::Sha256, key,
                             as_bytes("sc-transaction-store key check v1")));
}

std::unique_ptr<store::Database> opened_database(const store::StoreLocation& location) {
  store::DatabaseOptions options;
  options.application_name = "sc-bank-store";
  try {
    return store::open_database(location, options);
  } catch (const StoreError& error) {
    // A symbolic link, a file others can read: the place itself cannot be trusted.
    if (error.kind() == StoreErrorKind::schema) {
      throw TransactionStoreError("the transaction store cannot be used: " +
                                  std::string(error.what()));
    }
    throw;
  }
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

// What start() decided inside its transaction; the refusals are thrown after the commit (the
// refusal is audited).
struct TransactionStore::StartOutcome {
  enum class Kind { started, blocked, too_many_pending } kind = Kind::started;
  StartedTransfer started;
  TimePoint blocked_until;
  std::size_t pending = 0;
};

// The audit events of one transaction attempt, recorded just before its COMMIT: an event the
// audit log cannot record never takes effect, and an attempt that is rolled back and run again
// (a PostgreSQL deadlock) leaves no line of its own.
class TransactionStore::PendingAudit {
 public:
  explicit PendingAudit(AuditLog* log) : log_(log) {}

  void add(AuditEventKind kind, const std::string& transaction_id, const std::string& fingerprint,
           const TransactionDetails& details, const std::string& reason, TimePoint at) {
    if (log_ == nullptr) return;
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
    events_.push_back(std::move(event));
  }

  // Called last in the attempt, right before the commit.
  void record() {
    for (const AuditEvent& event : events_) log_->record(event);
    events_.clear();
  }

 private:
  AuditLog* log_;
  std::vector<AuditEvent> events_;
};

TransactionStore::TransactionStore(const store::StoreLocation& location, SecretBytes key,
                                   TransactionRules rules, Clock clock, AuditLog* audit)
    : location_(location),
      key_(checked_key(std::move(key))),
      rules_(checked(rules)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      audit_(audit),
      database_(opened_database(location_)) {
  open_schema();
  check_key();
  spdlog::info(
      "transaction store {}: schema {}, codes of {} digits valid {} s, {} wrong codes "
      "lock a transaction, {} in a row block a customer for {} s",
      location_.display(), kSchemaVersion, rules_.digits, rules_.lifetime.count(),
      rules_.max_wrong_codes_per_transaction, rules_.max_consecutive_failures,
      rules_.block_duration.count());
}

TransactionStore::TransactionStore(const std::filesystem::path& file, SecretBytes key,
                                   TransactionRules rules, Clock clock, AuditLog* audit)
    : TransactionStore(store::StoreLocation::sqlite(file), std::move(key), rules, std::move(clock),
                       audit) {}

TransactionStore::~TransactionStore() = default;

void TransactionStore::open_schema() {
  int found = 0;
  try {
    found = store::migrate(*database_, schema_plan(), [this](store::Database& database) {
      // The key check value lets a later start tell that it holds the same key.
      database.run("INSERT INTO store_key (id, key_check) VALUES (1, ?1)", {key_check(key_)});
    });
  } catch (const StoreError& error) {
    // A newer schema, another program's tables: refused with migrate's sentence.
    if (error.kind() != StoreErrorKind::schema) throw;
    throw TransactionStoreError("the transaction store cannot be used: " +
                                std::string(error.what()));
  }
  if (found == 0) {
    spdlog::info("created the transaction store {} (schema {})", location_.display(),
                 kSchemaVersion);
  }
}

void TransactionStore::check_key() {
  const auto row = database_->query_one("SELECT key_check FROM store_key WHERE id = 1");
  const Bytes expected = from_hex(key_check(key_));
  Bytes stored;
  if (row) {
    try {
      stored = from_hex(row->text(0));
    } catch (const std::invalid_argument&) {
    }
  }
  if (!crypto::equal_constant_time(stored, expected)) {
    // Opening anyway would turn every pending code into a wrong one and block honest customers.
    throw TransactionStoreError("the transaction store " + location_.display() +
                                " was written under another store key; restore the key file it "
                                "was created with, or move the store aside to start afresh");
  }
}

TimePoint TransactionStore::now() const {
  // The store keeps milliseconds; every comparison uses the same precision.
  return from_millis(to_millis(clock_()));
}

template <typename Work>
auto TransactionStore::in_write_transaction(Work&& work) -> decltype(work()) {
  // A connection that died while idle (the PostgreSQL server restarted) is noticed by BEGIN,
  // before any of the work ran: one more attempt then reconnects at once. Failures after the
  // work began are the caller's (the transaction may or may not have committed).
  for (int attempt = 1;; ++attempt) {
    bool began = false;
    try {
      return store::with_write_transaction(*database_, [&] {
        began = true;
        return work();
      });
    } catch (const StoreError& error) {
      if (!error.is_unavailable() || began || attempt == 2) throw;
    }
  }
}

template <typename Read>
auto TransactionStore::reading(Read&& read) const -> decltype(read()) {
  // A read may simply be asked again on a fresh connection.
  try {
    return read();
  } catch (const StoreError& error) {
    if (!error.is_unavailable()) throw;
  }
  return read();
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

namespace {

std::optional<TimePoint> block_in_force(const std::optional<std::int64_t>& until, TimePoint at) {
  if (until && from_millis(*until) > at) return from_millis(*until);
  return std::nullopt;
}

}  // namespace

TransactionStore::Customer TransactionStore::lock_customer(const std::string& fingerprint,
                                                           TimePoint at) {
  // The customer's row is the lock every start and confirm of this customer takes first, on
  // every instance: it exists (created when absent), then it is read FOR UPDATE.
  database_->run(
      "INSERT INTO customers (fingerprint, consecutive_failures, blocked_until) "
      "VALUES (?1, 0, NULL) ON CONFLICT (fingerprint) DO NOTHING",
      {fingerprint});
  const auto row = database_->query_one(
      "SELECT consecutive_failures, blocked_until FROM customers WHERE fingerprint = ?1" +
          std::string(database_->lock_rows()),
      {fingerprint});
  if (!row) {
    // purge_expired() on another instance removed the idle row in between: run it again.
    throw StoreError(StoreErrorKind::conflict,
                     "the customer's row was removed while it was being locked");
  }
  Customer customer;
  customer.consecutive_failures = static_cast<unsigned>(row->integer(0));
  customer.blocked_until = block_in_force(row->optional_integer(1), at);
  return customer;
}

TransactionStore::Customer TransactionStore::read_customer(const std::string& fingerprint,
                                                           TimePoint at) const {
  const auto row = database_->query_one(
      "SELECT consecutive_failures, blocked_until FROM customers WHERE fingerprint = ?1",
      {fingerprint});
  Customer customer;
  if (!row) return customer;
  customer.consecutive_failures = static_cast<unsigned>(row->integer(0));
  customer.blocked_until = block_in_force(row->optional_integer(1), at);
  return customer;
}

void TransactionStore::save_customer(const std::string& fingerprint, const Customer& customer) {
  // The row exists and is locked (lock_customer).
  const std::optional<std::int64_t> until =
      customer.blocked_until ? std::optional<std::int64_t>(to_millis(*customer.blocked_until))
                             : std::nullopt;
  database_->run(
      "UPDATE customers SET consecutive_failures = ?2, blocked_until = ?3 WHERE fingerprint = ?1",
      {fingerprint, static_cast<std::int64_t>(customer.consecutive_failures),
       store::sql_optional(until)});
}

std::optional<TransactionStore::Row> TransactionStore::lock_row(const std::string& transaction_id) {
  const auto found = database_->query_one(
      "SELECT customer_fingerprint, account, amount_minor, currency, payee, code_mac, issued_at, "
      "expires_at, wrong_attempts, state FROM transactions WHERE id = ?1" +
          std::string(database_->lock_rows()),
      {transaction_id});
  if (!found) return std::nullopt;
  Row row;
  row.id = transaction_id;
  row.customer_fingerprint = found->text(0);
  row.details = {found->text(1), found->integer(2), found->text(3), found->text(4)};
  row.code_mac = from_hex(found->text(5));
  row.issued_at = from_millis(found->integer(6));
  row.expires_at = from_millis(found->integer(7));
  row.wrong_attempts = static_cast<unsigned>(found->integer(8));
  row.state = found->text(9);
  return row;
}

std::size_t TransactionStore::pending_count(const std::string& fingerprint, TimePoint at) const {
  const auto row = database_->query_one(
      "SELECT COUNT(*) FROM transactions WHERE customer_fingerprint = ?1 "
      "AND state = 'pending' AND expires_at > ?2",
      {fingerprint, to_millis(at)});
  return row ? static_cast<std::size_t>(row->integer(0)) : 0;
}

void TransactionStore::set_state(const std::string& transaction_id, const char* state) {
  database_->run("UPDATE transactions SET state = ?2 WHERE id = ?1",
                 {transaction_id, std::string(state)});
}

TransactionStore::StartOutcome TransactionStore::start_in_transaction(
    const TransactionDetails& details, const std::string& fingerprint, PendingAudit& audit) {
  const TimePoint at = now();
  StartOutcome outcome;
  // With the customer's row locked, the block and the pending count cannot change under us.
  const Customer customer = lock_customer(fingerprint, at);
  if (customer.blocked_until) {
    audit.add(AuditEventKind::Refuse, "", fingerprint, details, "customer-blocked", at);
    outcome.kind = StartOutcome::Kind::blocked;
    outcome.blocked_until = *customer.blocked_until;
    return outcome;
  }
  outcome.pending = pending_count(fingerprint, at);
  if (outcome.pending >= rules_.max_pending_per_customer) {
    audit.add(AuditEventKind::Refuse, "", fingerprint, details, "too-many-pending", at);
    outcome.kind = StartOutcome::Kind::too_many_pending;
    return outcome;
  }
  std::string code = draw_code();
  const TimePoint expires_at = at + rules_.lifetime;
  std::string id;
  for (int draw = 1;; ++draw) {
    // 80 random bits never collide in practice, but the primary key makes sure of it. No
    // constraint error inside the transaction (PostgreSQL would abort it): a taken id inserts
    // nothing and another is drawn.
    id = "T" + to_hex(crypto::random_bytes(kTransactionIdBytes));
    const std::int64_t inserted = database_->run(
        "INSERT INTO transactions (id, customer_fingerprint, account, amount_minor, currency, "
        "payee, code_mac, issued_at, expires_at, wrong_attempts, state) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 'pending') ON CONFLICT (id) DO NOTHING",
        {id, fingerprint, details.account, details.amount_minor, details.currency, details.payee,
         to_hex(code_mac(id, fingerprint, details, code)), to_millis(at), to_millis(expires_at)});
    if (inserted == 1) break;
    if (draw == kMaxIdDraws) {
      throw StoreError(StoreErrorKind::other,
                       "no unused transaction id after " + std::to_string(kMaxIdDraws) + " draws");
    }
  }
  // Audited before it is committed: a code the audit log cannot record is never handed out.
  audit.add(AuditEventKind::Issue, id, fingerprint, details, "", at);
  outcome.started = StartedTransfer{id, std::move(code), expires_at, rules_.lifetime};
  return outcome;
}

namespace {

// /metrics: what happened to transfers and codes (committed outcomes only).
void count_transfer(const char* outcome) {
  static metrics::CounterFamily& transfers = metrics::global().counter_family(
      "sc_otp_transfers_total", "transfers asked for, by outcome (issued = an OTP went out)",
      {"outcome"});
  transfers.with({outcome}).increment();
}

void count_confirmation(const ConfirmResult& result) {
  static metrics::CounterFamily& confirmations = metrics::global().counter_family(
      "sc_otp_confirmations_total",
      "OTP confirmations by outcome (accepted, or the reason of the rejection)", {"outcome"});
  confirmations.with({confirm_outcome_name(result.outcome)}).increment();
  if (result.outcome == ConfirmOutcome::WrongCode && result.transaction_attempts_left == 0) {
    metrics::global()
        .counter("sc_otp_transactions_locked_total",
                 "transactions locked after too many wrong codes")
        .increment();
  }
  if (result.outcome == ConfirmOutcome::WrongCode && result.blocked_until) {
    metrics::global()
        .counter("sc_otp_customers_blocked_total",
                 "customers blocked after too many consecutive wrong codes (PSD2 RTS art. 4(3)(b))")
        .increment();
  }
}

}  // namespace

StartedTransfer TransactionStore::start(const TransactionDetails& details,
                                        const std::string& customer_fingerprint) {
  std::lock_guard lock(mutex_);
  StartOutcome outcome = in_write_transaction([&] {
    PendingAudit audit(audit_);
    StartOutcome attempt = start_in_transaction(details, customer_fingerprint, audit);
    audit.record();
    return attempt;
  });
  count_transfer(outcome.kind == StartOutcome::Kind::started   ? "issued"
                 : outcome.kind == StartOutcome::Kind::blocked ? "refused-blocked"
                                                               : "refused-too-many-pending");
  switch (outcome.kind) {
    case StartOutcome::Kind::blocked:
      throw CustomerBlocked(
          "too many wrong codes in a row: new transfers and confirmations are "
          "refused until " +
              iso8601_utc(outcome.blocked_until),
          outcome.blocked_until);
    case StartOutcome::Kind::too_many_pending:
      throw TooManyPendingTransfers(
          "this customer already has " + std::to_string(outcome.pending) +
          " unconfirmed transfers; confirm them or let them expire first");
    case StartOutcome::Kind::started:
      break;
  }
  spdlog::info("transfer {} started for customer {}... (expires {})",
               outcome.started.transaction_id, customer_fingerprint.substr(0, 16),
               iso8601_utc(outcome.started.expires_at));
  return std::move(outcome.started);
}

ConfirmResult TransactionStore::wrong_code(Row& row, Customer& customer, TimePoint at,
                                           PendingAudit& audit) {
  ConfirmResult result;
  result.outcome = ConfirmOutcome::WrongCode;
  ++row.wrong_attempts;
  result.transaction_attempts_left =
      rules_.max_wrong_codes_per_transaction -
      std::min(row.wrong_attempts, rules_.max_wrong_codes_per_transaction);
  database_->run(
      "UPDATE transactions SET wrong_attempts = ?2, state = ?3 WHERE id = ?1",
      {row.id, static_cast<std::int64_t>(row.wrong_attempts),
       std::string(result.transaction_attempts_left == 0 ? state_locked : state_pending)});

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

  audit.add(AuditEventKind::Reject, row.id, row.customer_fingerprint, row.details, "wrong-code",
            at);
  if (result.transaction_attempts_left == 0) {
    audit.add(AuditEventKind::Lock, row.id, row.customer_fingerprint, row.details,
              "too-many-wrong-codes", at);
  }
  if (block) {
    audit.add(AuditEventKind::Block, row.id, row.customer_fingerprint, row.details,
              "consecutive-wrong-codes-until-" + iso8601_utc(*customer.blocked_until), at);
  }
  return result;
}

ConfirmResult TransactionStore::confirm_in_transaction(const std::string& transaction_id,
                                                       const std::string& code,
                                                       const std::string& fingerprint,
                                                       PendingAudit& audit) {
  const TimePoint at = now();
  // Lock order, on every path and instance: the customer's row, then the transaction's row.
  Customer customer = lock_customer(fingerprint, at);
  ConfirmResult result;
  if (customer.blocked_until) {
    audit.add(AuditEventKind::Reject, transaction_id, fingerprint, {}, "customer-blocked", at);
    result.outcome = ConfirmOutcome::Blocked;
    result.blocked_until = customer.blocked_until;
    return result;
  }
  // Answers that do not count report the customer's standing as it is.
  result.customer_attempts_left = rules_.max_consecutive_failures - customer.consecutive_failures;

  std::optional<Row> row = lock_row(transaction_id);
  if (!row || row->customer_fingerprint != fingerprint) {
    // Another customer's transaction answers exactly like an unknown one (no oracle), and the
    // attempt counts against nobody. The audit trail names the owner and who tried.
    if (row) {
      audit.add(AuditEventKind::Reject, transaction_id, row->customer_fingerprint, row->details,
                "wrong-customer-by-" + fingerprint.substr(0, 16), at);
    } else {
      audit.add(AuditEventKind::Reject, transaction_id, fingerprint, {}, "unknown-transaction", at);
    }
    result.outcome = ConfirmOutcome::UnknownTransaction;
    return result;
  }
  auto refuse = [&](ConfirmOutcome outcome) {
    audit.add(AuditEventKind::Reject, row->id, fingerprint, row->details,
              confirm_outcome_name(outcome), at);
    result.outcome = outcome;
    return result;
  };
  if (row->state == state_pending && at >= row->expires_at) {
    set_state(row->id, state_expired);
    row->state = state_expired;
    audit.add(AuditEventKind::Expire, row->id, fingerprint, row->details, "expired", at);
  }
  if (row->state == state_used) return refuse(ConfirmOutcome::AlreadyUsed);
  if (row->state == state_locked) return refuse(ConfirmOutcome::Locked);
  if (row->state == state_expired) return refuse(ConfirmOutcome::Expired);

  const Bytes presented = code_mac(row->id, fingerprint, row->details, code);
  if (!crypto::equal_constant_time(presented, row->code_mac)) {
    // Never says which bound element differed (PSD2 RTS art. 4(3)(a)): the MAC covers them all.
    return wrong_code(*row, customer, at, audit);
  }
  // Single use (PSD2 RTS art. 4(1)): the row is locked and pending; the condition re-states it.
  if (database_->run("UPDATE transactions SET state = 'used' WHERE id = ?1 AND state = 'pending'",
                     {row->id}) != 1) {
    throw StoreError(StoreErrorKind::conflict, "the transaction changed while it was locked");
  }
  customer.consecutive_failures = 0;  // a success resets the count
  save_customer(fingerprint, customer);
  // Audited before the commit: if the audit log cannot record it, the transfer stays unconfirmed.
  audit.add(AuditEventKind::Confirm, row->id, fingerprint, row->details, "", at);
  result.outcome = ConfirmOutcome::Accepted;
  result.customer_attempts_left = rules_.max_consecutive_failures;
  result.transaction_attempts_left =
      rules_.max_wrong_codes_per_transaction -
      std::min(row->wrong_attempts, rules_.max_wrong_codes_per_transaction);
  return result;
}

ConfirmResult TransactionStore::confirm(const std::string& transaction_id, const std::string& code,
                                        const std::string& customer_fingerprint) {
  std::lock_guard lock(mutex_);
  // One write transaction from the first read to the last update: never read-then-write.
  const ConfirmResult result = in_write_transaction([&] {
    PendingAudit audit(audit_);
    ConfirmResult attempt =
        confirm_in_transaction(transaction_id, code, customer_fingerprint, audit);
    audit.record();
    return attempt;
  });
  count_confirmation(result);
  const std::string shown_id = transaction_id.substr(0, 64);
  const std::string shown_customer = customer_fingerprint.substr(0, 16);
  switch (result.outcome) {
    case ConfirmOutcome::Accepted:
      spdlog::info("transfer {} confirmed by customer {}...", shown_id, shown_customer);
      break;
    case ConfirmOutcome::UnknownTransaction:
      spdlog::info("confirmation for unknown transaction {} refused", shown_id);
      break;
    case ConfirmOutcome::WrongCode:
      if (result.transaction_attempts_left == 0) {
        spdlog::info("transaction {} locked after {} wrong codes", shown_id,
                     rules_.max_wrong_codes_per_transaction);
      }
      if (result.blocked_until) {
        spdlog::info("customer {}... blocked until {} after {} wrong codes in a row",
                     shown_customer, iso8601_utc(*result.blocked_until),
                     rules_.max_consecutive_failures);
      }
      break;
    default:
      break;
  }
  return result;
}

std::vector<PendingTransfer> TransactionStore::pending_for(
    const std::string& customer_fingerprint) const {
  std::lock_guard lock(mutex_);
  const TimePoint at = now();
  const std::vector<store::SqlRow> rows = reading([&] {
    return database_->query(
        "SELECT id, account, amount_minor, currency, payee, issued_at, expires_at, wrong_attempts "
        "FROM transactions WHERE customer_fingerprint = ?1 AND state = 'pending' AND "
        "expires_at > ?2 ORDER BY issued_at, id",
        {customer_fingerprint, to_millis(at)});
  });
  std::vector<PendingTransfer> pending;
  pending.reserve(rows.size());
  for (const store::SqlRow& row : rows) {
    PendingTransfer transfer;
    transfer.transaction_id = row.text(0);
    transfer.details = {row.text(1), row.integer(2), row.text(3), row.text(4)};
    transfer.issued_at = from_millis(row.integer(5));
    transfer.expires_at = from_millis(row.integer(6));
    const auto wrong = static_cast<unsigned>(row.integer(7));
    transfer.attempts_left = rules_.max_wrong_codes_per_transaction -
                             std::min(wrong, rules_.max_wrong_codes_per_transaction);
    pending.push_back(std::move(transfer));
  }
  return pending;
}

CustomerStanding TransactionStore::standing(const std::string& customer_fingerprint) const {
  std::lock_guard lock(mutex_);
  const TimePoint at = now();
  const Customer customer = reading([&] { return read_customer(customer_fingerprint, at); });
  CustomerStanding standing;
  standing.consecutive_failures = customer.consecutive_failures;
  standing.blocked_until = customer.blocked_until;
  standing.attempts_left =
      customer.blocked_until ? 0 : rules_.max_consecutive_failures - customer.consecutive_failures;
  return standing;
}

void TransactionStore::purge_expired() {
  std::lock_guard lock(mutex_);
  const TimePoint at = now();
  // Three short transactions, each locking rows of one table only, so that none of them waits
  // for a row while holding one a confirm (customer row, then transaction row) waits for.
  // 1. Pending transfers past their expiry: each one is marked and audited by exactly the
  //    instance whose UPDATE marked it (RETURNING).
  const std::vector<store::SqlRow> expired = in_write_transaction([&] {
    PendingAudit audit(audit_);
    std::vector<store::SqlRow> marked = database_->query(
        "UPDATE transactions SET state = 'expired' WHERE state = 'pending' AND expires_at <= ?1 "
        "RETURNING id, customer_fingerprint, account, amount_minor, currency, payee",
        {to_millis(at)});
    for (const store::SqlRow& row : marked) {
      const TransactionDetails details{row.text(2), row.integer(3), row.text(4), row.text(5)};
      audit.add(AuditEventKind::Expire, row.text(0), row.text(1), details, "expired", at);
    }
    audit.record();
    return marked;
  });
  for (const store::SqlRow& row : expired) {
    spdlog::info("transfer {} expired unconfirmed", row.text(0));
  }
  // 2. Finished transfers older than the retention: a replay now answers unknown-transaction.
  in_write_transaction([&] {
    database_->run("DELETE FROM transactions WHERE state != 'pending' AND expires_at <= ?1",
                   {to_millis(at - rules_.retention)});
  });
  // 3. Customers with nothing to remember (no count, no block in force).
  in_write_transaction([&] {
    database_->run(
        "DELETE FROM customers WHERE consecutive_failures = 0 "
        "AND (blocked_until IS NULL OR blocked_until <= ?1)",
        {to_millis(at)});
  });
}

}  // namespace sc::otp
