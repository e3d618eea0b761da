#pragma once
// One-time passwords for transactions. A code is drawn uniformly from the CSPRNG, handed to the
// caller once, and kept only as HMAC-SHA-256 under a per-process random key over the code and
// everything it is bound to (transaction id, customer certificate fingerprint, account, amount,
// currency, payee). Rules: single use, expiry, at most max_attempts wrong codes then locked,
// only the customer who asked may confirm. Thread-safe.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "common/crypto/bytes.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/transaction_details.hpp"

namespace sc::otp {

using Clock = std::function<std::chrono::system_clock::time_point()>;

struct OtpPolicy {
  unsigned digits = 6;  // 6 to 8
  std::chrono::seconds lifetime{120};
  unsigned max_attempts = 3;  // wrong codes before the transaction locks
  std::size_t max_pending_per_customer = 8;
  std::size_t max_transactions = 10000;  // pending and finished ones kept for answers
  // How long a used, locked or expired transaction is still remembered (so that a replay
  // gets "already-used" rather than "unknown-transaction").
  std::chrono::seconds retention{600};
};

struct IssuedOtp {
  std::string transaction_id;
  std::string code;  // give it to the customer, then forget it
  std::chrono::system_clock::time_point expires_at;
  std::chrono::seconds lifetime;
};

enum class RejectReason {
  UnknownTransaction,
  WrongCode,
  Expired,
  Locked,
  AlreadyUsed,
  WrongCustomer
};

const char* reject_reason_name(RejectReason reason);  // "unknown-transaction", "wrong-code", ...

struct Confirmation {
  bool accepted = false;
  RejectReason reason = RejectReason::UnknownTransaction;  // meaningful when !accepted
  unsigned attempts_left = 0;
};

// issue() refuses: too many pending transactions for this customer or overall.
class OtpLimitReached : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OtpStore {
 public:
  // audit may be null (no audit trail); when given it must outlive the store.
  explicit OtpStore(OtpPolicy policy = {}, Clock clock = nullptr, AuditLog* audit = nullptr);
  ~OtpStore();
  OtpStore(const OtpStore&) = delete;
  OtpStore& operator=(const OtpStore&) = delete;

  IssuedOtp issue(const TransactionDetails& details, const std::string& customer_fingerprint);

  Confirmation confirm(const std::string& transaction_id, const std::string& code,
                       const std::string& customer_fingerprint);

  // Marks pending transactions past their expiry as expired (audited) and forgets finished
  // ones older than the retention. issue() runs it at most once a second and whenever a limit
  // is reached; a server may also run it from a timer so that expiries are audited promptly.
  void purge_expired();

  std::size_t pending_count() const;
  const OtpPolicy& policy() const { return policy_; }

 private:
  enum class State { Pending, Used, Locked, Expired };
  struct Entry {
    std::string customer_fingerprint;
    TransactionDetails details;
    Bytes code_mac;
    std::chrono::system_clock::time_point issued_at;
    std::chrono::system_clock::time_point expires_at;
    unsigned wrong_attempts = 0;
    State state = State::Pending;
  };

  Bytes code_mac(const std::string& transaction_id, const Entry& entry,
                 const std::string& code) const;
  std::string new_transaction_id() const;
  std::chrono::system_clock::time_point now() const;
  void purge_locked(std::chrono::system_clock::time_point now);
  void make_room_locked(const std::string& customer_fingerprint,
                        std::chrono::system_clock::time_point now);
  std::size_t pending_for_locked(const std::string& customer_fingerprint) const;
  void leave_pending_locked(Entry& entry, State state);
  void expire_locked(const std::string& transaction_id, Entry& entry,
                     std::chrono::system_clock::time_point now);
  void audit(AuditEventKind kind, const std::string& transaction_id, const Entry& entry,
             const std::string& reason, std::chrono::system_clock::time_point now);

  OtpPolicy policy_;
  Clock clock_;
  AuditLog* audit_;
  SecretBytes store_key_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::size_t> pending_by_customer_;
  std::chrono::system_clock::time_point next_purge_{};
};

}  // namespace sc::otp
