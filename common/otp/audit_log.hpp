#pragma once
// The bank's append-only, tamper-evident audit trail: one line per OTP event, written with
// O_APPEND to a file of mode 0600 and synced before the call returns. It never receives a code or
// a key: an AuditEvent has no field that could hold one.
//
// Each line ends with " mac=<64 hex digits>": HMAC-SHA-256 under the audit key over the previous
// line's MAC (32 bytes; 32 zero bytes before the first line) followed by the line's text up to,
// not including, " mac=". Changing a byte, removing or inserting a line breaks the chain at that
// line, which verify_audit_log() names. (Cutting lines off the end leaves a valid chain: keep the
// line count or last MAC elsewhere when that matters.)
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

#include "common/crypto/bytes.hpp"

namespace sc::otp {

enum class AuditEventKind {
  Issue,    // a transfer was started and its code handed out
  Confirm,  // a transfer was confirmed with its code
  Reject,   // a confirmation was refused (reason says why)
  Lock,     // a transaction locked after too many wrong codes
  Expire,   // a transaction expired unconfirmed
  Block,    // a customer was blocked after too many consecutive wrong codes
  Refuse    // a transfer was refused before any code was issued (blocked, too many pending)
};

const char* audit_event_name(AuditEventKind kind);  // "issue", "confirm", ...

struct AuditEvent {
  std::chrono::system_clock::time_point time;
  AuditEventKind kind = AuditEventKind::Issue;
  std::string transaction_id;
  std::string customer_fingerprint;  // full hex; only a 16-character prefix is written
  std::string account;
  std::int64_t amount_minor = 0;  // 25000 = 250.00
  std::string currency;
  std::string payee;
  std::string reason;  // "" when there is none
};

// "2026-11-23T07:45:09Z event=issue txn=T... customer=0123456789abcdef account=... amount=250.00
// currency=EUR payee=ACME?Ltd reason=-" (without the mac field; every value is one token).
std::string format_audit_line(const AuditEvent& event);

// The key file the one-argument AuditLog constructor uses: the log's name with the extension
// ".key" (certs/bank/audit.log -> certs/bank/audit.key).
std::filesystem::path default_audit_key_path(const std::filesystem::path& log);

class AuditLog {
 public:
  // Opens (creating with mode 0600) the file for appending, refusing a symbolic link
  // (O_NOFOLLOW). When the file already holds lines, the chain continues from the last one, whose
  // MAC must verify under `key`. Throws std::system_error with the path in the message when the
  // file cannot be opened or read, std::runtime_error when it is a symbolic link, is accessible
  // to group or others, ends in the middle of a line, or its last line does not verify under the
  // key, and std::invalid_argument when the key is not kSecretKeyBytes long.
  AuditLog(const std::filesystem::path& path, SecretBytes key);
  // Same, with the key from default_audit_key_path(path), created when absent.
  explicit AuditLog(const std::filesystem::path& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one chained line and fsyncs it. Thread-safe; several AuditLog objects or processes
  // may share one file (an exclusive flock orders them, and each chains on from the last line in
  // the file). Throws std::system_error on a failed write; after one, the log refuses further
  // lines (its end is no longer a whole line).
  void record(const AuditEvent& event);

  const std::filesystem::path& path() const { return path_; }

 private:
  void continue_chain();

  std::filesystem::path path_;
  SecretBytes key_;
  Bytes previous_mac_;
  std::int64_t known_size_ = 0;  // the file's size after our last line
  int fd_ = -1;
  bool broken_ = false;
  std::mutex mutex_;
};

struct AuditCheck {
  bool ok = false;
  std::size_t lines_checked = 0;   // lines whose MAC verified, before the first bad one
  std::size_t first_bad_line = 0;  // 1-based; 0 when ok
  std::string reason;              // a sentence; "" when ok
};

// Walks the whole chain of `log` under `key`. Never throws for a bad line (that is the answer);
// throws std::system_error when the file cannot be read.
AuditCheck verify_audit_log(const std::filesystem::path& log, ByteView key);

// 25000 -> "250.00"; -5 -> "-0.05".
std::string format_minor_units(std::int64_t amount_minor);

// ISO 8601 UTC with seconds: "2026-11-23T07:45:09Z".
std::string iso8601_utc(std::chrono::system_clock::time_point time);

}  // namespace sc::otp
