#pragma once
// The bank's durable transaction store: pending transfers, their codes and every customer's count
// of wrong codes, in a database (store::Database): one SQLite file by default (WAL,
// synchronous=FULL, mode 0600), or a PostgreSQL database that several bank instances share, so
// that neither a restart nor another instance voids a pending transfer or forgets a replay, a
// lock or a block. The same rules code runs on both.
//
// The rules (PSD2 RTS (EU) 2018/389 art. 4 and 5; RFC 4226 section 7):
// - a code is drawn uniformly from the CSPRNG (6 to 8 digits), so that no code can be derived
//   from others (art. 4(2)(b)), and handed out once; the store keeps only HMAC-SHA-256 under the
//   store key over the code and everything it is bound to (transaction id, customer certificate
//   fingerprint, account, amount, currency, payee): a code authorises exactly the transfer the
//   customer saw, and any change of amount or payee invalidates it (art. 5(1)(b)-(d));
// - a code is accepted only once (art. 4(1)), and only until it expires; the lifetime is capped
//   at the 5 minutes art. 4(3)(d) allows a payer to stay inactive after authenticating;
// - 3 wrong codes lock a transaction; 5 consecutive wrong codes of one customer, across all
//   transactions, sessions, restarts and bank instances, block the customer for a while
//   (art. 4(3)(b): no more than 5 failed attempts in a row; art. 4(4): a temporary block;
//   RFC 4226 section 7.3: throttling), with a warning before the last attempt; a success resets
//   the count;
// - a failure never says which bound element was wrong (art. 4(3)(a)), and another customer's
//   transaction answers exactly like an unknown one.
//
// Concurrency: each start() and confirm() is one write transaction that locks the customer's row
// first (created when absent), then the transaction's row, and reads and updates state, attempts,
// owner, expiry and the customer's count together: never read-then-write. On SQLite the write
// transaction (BEGIN IMMEDIATE) holds the file's single write lock; on PostgreSQL the rows are
// locked (SELECT ... FOR UPDATE), so bank instances on one database serialize per customer, and a
// transaction PostgreSQL aborts for a deadlock is run again (store::with_write_transaction).
// Audit events are recorded at the end of the attempt that commits, before its COMMIT: an event
// the audit log cannot record never takes effect, and a retried attempt records nothing twice.
// purge_expired() runs short transactions that each lock one table's rows, so it never deadlocks
// with a confirm. Thread-safe (one connection per store, behind a mutex).
//
// When the database cannot be reached (PostgreSQL down, connection lost), every call throws
// store::StoreError with kind unavailable and a sentence; the connection comes back by itself
// (with backoff) on a later call once the server is back.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/transaction_details.hpp"
#include "common/store/database.hpp"

namespace sc::otp {

using TimePoint = std::chrono::system_clock::time_point;

struct TransactionRules {
  unsigned digits = 6;                           // 6 to 8
  std::chrono::seconds lifetime{120};            // at most 300 (see above)
  unsigned max_wrong_codes_per_transaction = 3;  // then the transaction locks
  unsigned max_consecutive_failures = 5;         // per customer (art. 4(3)(b)), then blocked
  std::chrono::seconds block_duration{15 * 60};  // how long a block lasts
  std::size_t max_pending_per_customer = 8;      // unconfirmed, unexpired transfers
  std::chrono::seconds retention{24 * 60 * 60};  // finished transfers kept to answer replays
};

// The answer to start(): give the code to the customer's devices once, then forget it.
struct StartedTransfer {
  std::string transaction_id;
  std::string code;
  TimePoint expires_at;
  std::chrono::seconds lifetime;
};

enum class ConfirmOutcome {
  Accepted,
  WrongCode,           // counts against the transaction and the customer
  Expired,             // too late; does not count
  Locked,              // too many wrong codes on this transaction; does not count
  AlreadyUsed,         // single use; does not count
  UnknownTransaction,  // no such transaction, or another customer's; does not count
  Blocked              // the customer is blocked until blocked_until; does not count
};

const char* confirm_outcome_name(ConfirmOutcome outcome);  // "accepted", "wrong-code", ...

struct ConfirmResult {
  ConfirmOutcome outcome = ConfirmOutcome::UnknownTransaction;
  unsigned transaction_attempts_left = 0;  // wrong codes this transaction still takes
  unsigned customer_attempts_left = 0;     // consecutive wrong codes before the customer's block
  std::optional<TimePoint> blocked_until;  // set when the customer is (now) blocked
  bool warn_last_attempt = false;          // this failure left exactly one customer attempt
  bool accepted() const { return outcome == ConfirmOutcome::Accepted; }
  bool operator==(const ConfirmResult&) const = default;
};

// A transfer waiting for its code (the code itself is never kept).
struct PendingTransfer {
  std::string transaction_id;
  TransactionDetails details;
  TimePoint issued_at;
  TimePoint expires_at;
  unsigned attempts_left = 0;
};

struct CustomerStanding {
  unsigned consecutive_failures = 0;
  unsigned attempts_left = 0;              // wrong codes before the block
  std::optional<TimePoint> blocked_until;  // set while the customer is blocked
  bool blocked() const { return blocked_until.has_value(); }
  bool operator==(const CustomerStanding&) const = default;
};

// start() refused the transfer; what() is a sentence for the customer.
class TransferRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class TooManyPendingTransfers : public TransferRefused {
 public:
  using TransferRefused::TransferRefused;
};
class CustomerBlocked : public TransferRefused {
 public:
  CustomerBlocked(const std::string& sentence, TimePoint until)
      : TransferRefused(sentence), blocked_until(until) {}
  TimePoint blocked_until;
};

// The store cannot be used: a newer schema, another store key, not a store at all, a file others
// can read.
class TransactionStoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TransactionStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens the store at `location` (StoreLocation::parse of --store: sqlite:PATH, a bare path, or
  // postgresql://...), creating its schema when the place is empty (a SQLite file with mode
  // 0600). `key` is the store key (kSecretKeyBytes; see load_or_create_store_key); a store
  // written under another key is refused rather than turning every pending code into a wrong
  // one. `clock` defaults to the system clock; `audit` may be null and, when given, must outlive
  // the store. Throws TransactionStoreError (newer schema, foreign tables, another key, unsafe
  // file), store::StoreError (unavailable: the database cannot be reached),
  // std::invalid_argument (bad rules or key), each with a sentence.
  TransactionStore(const store::StoreLocation& location, SecretBytes key,
                   TransactionRules rules = {}, Clock clock = nullptr, AuditLog* audit = nullptr);
  // A SQLite file (StoreLocation::sqlite(file)).
  TransactionStore(const std::filesystem::path& file, SecretBytes key, TransactionRules rules = {},
                   Clock clock = nullptr, AuditLog* audit = nullptr);
  ~TransactionStore();
  TransactionStore(const TransactionStore&) = delete;
  TransactionStore& operator=(const TransactionStore&) = delete;

  // Registers a transfer and draws its code. Throws CustomerBlocked or TooManyPendingTransfers;
  // store::StoreError (unavailable) when the database cannot be reached.
  StartedTransfer start(const TransactionDetails& details, const std::string& customer_fingerprint);

  // Throws store::StoreError (unavailable) when the database cannot be reached; if that happens
  // while committing, the outcome is unknown (a retry answers already-used if it was accepted).
  ConfirmResult confirm(const std::string& transaction_id, const std::string& code,
                        const std::string& customer_fingerprint);

  // The customer's unconfirmed, unexpired transfers, oldest first.
  std::vector<PendingTransfer> pending_for(const std::string& customer_fingerprint) const;
  CustomerStanding standing(const std::string& customer_fingerprint) const;

  // Marks pending transfers past their expiry as expired (audited), forgets finished ones older
  // than the retention (a replay then answers unknown-transaction) and customers with nothing to
  // remember. A server runs it from a timer so that expiries are audited promptly; several
  // instances may run it at once (each expiry is audited by the instance that marked it).
  void purge_expired();

  const TransactionRules& rules() const { return rules_; }
  // Where the store lives; log location().display(), which never shows a password.
  const store::StoreLocation& location() const { return location_; }

 private:
  struct Row;
  struct Customer;
  struct StartOutcome;
  class PendingAudit;

  void open_schema();
  void check_key();
  TimePoint now() const;
  template <typename Work>
  auto in_write_transaction(Work&& work) -> decltype(work());
  template <typename Read>
  auto reading(Read&& read) const -> decltype(read());
  Customer lock_customer(const std::string& fingerprint, TimePoint now);
  Customer read_customer(const std::string& fingerprint, TimePoint now) const;
  void save_customer(const std::string& fingerprint, const Customer& customer);
  std::optional<Row> lock_row(const std::string& transaction_id);
  std::size_t pending_count(const std::string& fingerprint, TimePoint now) const;
  Bytes code_mac(const std::string& transaction_id, const std::string& fingerprint,
                 const TransactionDetails& details, const std::string& code) const;
  std::string draw_code() const;
  void set_state(const std::string& transaction_id, const char* state);
  StartOutcome start_in_transaction(const TransactionDetails& details,
                                    const std::string& fingerprint, PendingAudit& audit);
  ConfirmResult confirm_in_transaction(const std::string& transaction_id, const std::string& code,
                                       const std::string& fingerprint, PendingAudit& audit);
  ConfirmResult wrong_code(Row& row, Customer& customer, TimePoint at, PendingAudit& audit);

  store::StoreLocation location_;
  SecretBytes key_;
  TransactionRules rules_;
  Clock clock_;
  AuditLog* audit_;
  mutable std::mutex mutex_;
  std::unique_ptr<store::Database> database_;
};

}  // namespace sc::otp
