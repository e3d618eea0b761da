#include "common/otp/otp_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "common/crypto/hash.hpp"
#include "common/crypto/random.hpp"

namespace sc::otp {
namespace {

constexpr std::size_t kStoreKeyBytes = 32;
constexpr std::size_t kTransactionIdBytes = 10;  // 80 bits: "T" + 20 hex digits
constexpr std::chrono::seconds kPurgeInterval{1};

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

OtpPolicy checked(OtpPolicy policy) {
  if (policy.digits < 6 || policy.digits > 8) {
    throw std::invalid_argument("an OTP has 6 to 8 digits, not " + std::to_string(policy.digits));
  }
  if (policy.lifetime.count() <= 0) throw std::invalid_argument("an OTP lifetime must be positive");
  if (policy.max_attempts == 0) throw std::invalid_argument("max_attempts must be at least 1");
  if (policy.max_pending_per_customer == 0 || policy.max_transactions == 0) {
    throw std::invalid_argument("the OTP store limits must be at least 1");
  }
  if (policy.retention.count() < 0) throw std::invalid_argument("retention cannot be negative");
  return policy;
}

}  // namespace

const char* reject_reason_name(RejectReason reason) {
  switch (reason) {
    case RejectReason::UnknownTransaction:
      return "unknown-transaction";
    case RejectReason::WrongCode:
      return "wrong-code";
    case RejectReason::Expired:
      return "expired";
    case RejectReason::Locked:
      return "locked";
    case RejectReason::AlreadyUsed:
      return "already-used";
    case RejectReason::WrongCustomer:
      return "wrong-customer";
  }
  return "unknown";
}

OtpStore::OtpStore(OtpPolicy policy, Clock clock, AuditLog* audit)
    : policy_(checked(policy)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      audit_(audit),
      store_key_(kStoreKeyBytes) {
  crypto::random_fill(store_key_);
}

OtpStore::~OtpStore() = default;

std::chrono::system_clock::time_point OtpStore::now() const {
  return clock_();
}

Bytes OtpStore::code_mac(const std::string& transaction_id, const Entry& entry,
                         const std::string& code) const {
  // Everything the code is bound to goes under the MAC, each field length-prefixed so that no
  // two different bindings produce the same input.
  Bytes input;
  append_length_prefixed(input, "sc-otp-v1");
  append_length_prefixed(input, transaction_id);
  append_length_prefixed(input, entry.customer_fingerprint);
  append_length_prefixed(input, entry.details.account);
  append_u64(input, static_cast<std::uint64_t>(entry.details.amount_minor));
  append_length_prefixed(input, entry.details.currency);
  append_length_prefixed(input, entry.details.payee);
  append_length_prefixed(input, code);
  Bytes mac = crypto::hmac(crypto::HashAlgorithm::Sha256, store_key_, input);
  crypto::cleanse(input.data(), input.size());  // held the code
  return mac;
}

std::string OtpStore::new_transaction_id() const {
  // Collisions are astronomically unlikely with 80 random bits, but cheap to rule out.
  for (;;) {
    std::string id = "T" + to_hex(crypto::random_bytes(kTransactionIdBytes));
    if (entries_.find(id) == entries_.end()) return id;
  }
}

void OtpStore::audit(AuditEventKind kind, const std::string& transaction_id, const Entry& entry,
                     const std::string& reason, std::chrono::system_clock::time_point now) {
  if (audit_ == nullptr) return;
  audit_->record(AuditEvent{now, kind, transaction_id, entry.customer_fingerprint,
                            entry.details.account, entry.details.amount_minor,
                            entry.details.currency, entry.details.payee, reason});
}

void OtpStore::leave_pending_locked(Entry& entry, State state) {
  if (entry.state != State::Pending) return;
  entry.state = state;
  auto count = pending_by_customer_.find(entry.customer_fingerprint);
  if (count != pending_by_customer_.end() && --count->second == 0) {
    pending_by_customer_.erase(count);
  }
}

void OtpStore::expire_locked(const std::string& transaction_id, Entry& entry,
                             std::chrono::system_clock::time_point now) {
  leave_pending_locked(entry, State::Expired);
  spdlog::info("OTP for transaction {} expired unconfirmed", transaction_id);
  audit(AuditEventKind::Expire, transaction_id, entry, "expired", now);
}

void OtpStore::purge_locked(std::chrono::system_clock::time_point now) {
  next_purge_ = now + kPurgeInterval;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& entry = it->second;
    if (entry.state == State::Pending && now >= entry.expires_at) {
      expire_locked(it->first, entry, now);
    }
    if (entry.state != State::Pending && now >= entry.expires_at + policy_.retention) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void OtpStore::purge_expired() {
  std::lock_guard lock(mutex_);
  purge_locked(now());
}

std::size_t OtpStore::pending_for_locked(const std::string& customer_fingerprint) const {
  const auto count = pending_by_customer_.find(customer_fingerprint);
  return count == pending_by_customer_.end() ? 0 : count->second;
}

void OtpStore::make_room_locked(const std::string& customer_fingerprint,
                                std::chrono::system_clock::time_point now) {
  // A full purge walks every entry, so it runs at most once per kPurgeInterval, or when a limit
  // is reached (expired transactions no longer count against it).
  const bool at_limit =
      pending_for_locked(customer_fingerprint) >= policy_.max_pending_per_customer ||
      entries_.size() >= policy_.max_transactions;
  if (at_limit || now >= next_purge_) purge_locked(now);
  const std::size_t pending = pending_for_locked(customer_fingerprint);
  if (pending >= policy_.max_pending_per_customer) {
    throw OtpLimitReached("this customer already has " + std::to_string(pending) +
                          " unconfirmed transactions; confirm them or let them expire first");
  }
  // Finished transactions are only kept to answer replays; give up the oldest one first.
  while (entries_.size() >= policy_.max_transactions) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.state == State::Pending) continue;
      if (oldest == entries_.end() || it->second.issued_at < oldest->second.issued_at) oldest = it;
    }
    if (oldest == entries_.end()) {
      throw OtpLimitReached("the bank has too many unconfirmed transactions; try again later");
    }
    entries_.erase(oldest);
  }
}

IssuedOtp OtpStore::issue(const TransactionDetails& details,
                          const std::string& customer_fingerprint) {
  std::lock_guard lock(mutex_);
  const auto issued_at = now();
  make_room_locked(customer_fingerprint, issued_at);

  // Uniform over all digit strings: random_below rejects instead of reducing modulo.
  std::string code = std::to_string(crypto::random_below(power_of_ten(policy_.digits)));
  code.insert(0, policy_.digits - code.size(), '0');

  Entry entry{customer_fingerprint, details, {}, issued_at, issued_at + policy_.lifetime, 0,
              State::Pending};
  const std::string id = new_transaction_id();
  entry.code_mac = code_mac(id, entry, code);
  // Audited before it exists: a code the audit log cannot record is never handed out.
  audit(AuditEventKind::Issue, id, entry, "", issued_at);
  const auto expires_at = entry.expires_at;
  entries_.emplace(id, std::move(entry));
  ++pending_by_customer_[customer_fingerprint];
  return IssuedOtp{id, std::move(code), expires_at, policy_.lifetime};
}

Confirmation OtpStore::confirm(const std::string& transaction_id, const std::string& code,
                               const std::string& customer_fingerprint) {
  std::lock_guard lock(mutex_);
  const auto at = now();
  auto found = entries_.find(transaction_id);
  if (found == entries_.end()) {
    spdlog::info("confirmation for unknown transaction {} refused", transaction_id.substr(0, 64));
    // Audited too: probing for transaction ids should show in the trail.
    if (audit_ != nullptr) {
      audit_->record(AuditEvent{at, AuditEventKind::Reject, transaction_id, customer_fingerprint,
                                "", 0, "", "", "unknown-transaction"});
    }
    return {false, RejectReason::UnknownTransaction, 0};
  }
  Entry& entry = found->second;
  // Another customer never gets to try a code: the attempt neither counts against the owner
  // (so it cannot lock the owner out) nor reveals whether the code was right.
  if (entry.customer_fingerprint != customer_fingerprint) {
    // The line names the owner (customer=) and, in the reason, who tried.
    audit(AuditEventKind::Reject, transaction_id, entry,
          "wrong-customer-by-" + customer_fingerprint.substr(0, 16), at);
    return {false, RejectReason::WrongCustomer, 0};
  }
  auto refuse = [&](RejectReason reason, unsigned attempts_left) {
    audit(AuditEventKind::Reject, transaction_id, entry, reject_reason_name(reason), at);
    return Confirmation{false, reason, attempts_left};
  };
  if (entry.state == State::Pending && at >= entry.expires_at) {
    expire_locked(transaction_id, entry, at);
  }
  switch (entry.state) {
    case State::Used:
      return refuse(RejectReason::AlreadyUsed, 0);
    case State::Locked:
      return refuse(RejectReason::Locked, 0);
    case State::Expired:
      return refuse(RejectReason::Expired, 0);
    case State::Pending:
      break;
  }
  const Bytes presented = code_mac(transaction_id, entry, code);
  if (crypto::equal_constant_time(presented, entry.code_mac)) {
    // Audited first: if the audit log cannot record it, the transaction stays unconfirmed.
    audit(AuditEventKind::Confirm, transaction_id, entry, "", at);
    leave_pending_locked(entry, State::Used);
    return {true, RejectReason::UnknownTransaction, 0};
  }
  ++entry.wrong_attempts;
  const unsigned left = policy_.max_attempts - std::min(entry.wrong_attempts, policy_.max_attempts);
  if (left == 0) {
    leave_pending_locked(entry, State::Locked);
    spdlog::info("transaction {} locked after {} wrong codes", transaction_id,
                 entry.wrong_attempts);
  }
  Confirmation answer = refuse(RejectReason::WrongCode, left);
  if (left == 0) audit(AuditEventKind::Lock, transaction_id, entry, "too-many-wrong-codes", at);
  return answer;
}

std::size_t OtpStore::pending_count() const {
  std::lock_guard lock(mutex_);
  const auto at = now();
  return static_cast<std::size_t>(
      std::count_if(entries_.begin(), entries_.end(), [&](const auto& item) {
        return item.second.state == State::Pending && at < item.second.expires_at;
      }));
}

}  // namespace sc::otp
