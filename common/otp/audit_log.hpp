#pragma once
// The bank's append-only audit trail: one line per OTP event, written with O_APPEND to a file
// of mode 0600 and synced before the call returns. It never receives a code or a key: an
// AuditEvent has no field that could hold one.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>

namespace sc::otp {

enum class AuditEventKind { Issue, Confirm, Reject, Lock, Expire };

const char* audit_event_name(AuditEventKind kind);  // "issue", "confirm", ...

struct AuditEvent {
  std::chrono::system_clock::time_point time;
  AuditEventKind kind = AuditEventKind::Issue;
  std::string transaction_id;
  std::string customer_fingerprint;  // full hex; only a 16-character prefix is written
  std::string account;
  std::int64_t amount_minor = 0;  // 25000 = 250.00
  std::string currency;
  std::string reason;  // "" when there is none
};

// "2026-11-23T07:45:09Z event=issue txn=T... customer=0123456789abcdef account=... amount=250.00
// currency=EUR reason=-"
std::string format_audit_line(const AuditEvent& event);

class AuditLog {
 public:
  // Opens (creating with mode 0600) the file for appending. Throws std::system_error with the
  // path in the message when it cannot, and std::runtime_error when an existing file is
  // readable or writable by group or others.
  explicit AuditLog(const std::filesystem::path& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends one line and fsyncs it. Thread-safe. Throws std::system_error on a failed write.
  void record(const AuditEvent& event);

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
};

// 25000 -> "250.00"; -5 -> "-0.05".
std::string format_minor_units(std::int64_t amount_minor);

// ISO 8601 UTC with seconds: "2026-11-23T07:45:09Z".
std::string iso8601_utc(std::chrono::system_clock::time_point time);

}  // namespace sc::otp
