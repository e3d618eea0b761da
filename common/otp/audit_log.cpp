#include "common/otp/audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <stdexcept>
#include <system_error>

namespace sc::otp {
namespace {

[[noreturn]] void throw_errno(const std::string& sentence) {
  throw std::system_error(errno, std::generic_category(), sentence);
}

// Values in the audit log are one token each: anything outside printable ASCII or a space
// becomes '?', so a crafted account or reason cannot forge a second line or field.
std::string token(const std::string& value) {
  if (value.empty()) return "-";
  std::string safe = value;
  for (char& c : safe) {
    if (c <= ' ' || c > '~') c = '?';
  }
  return safe;
}

}  // namespace

const char* audit_event_name(AuditEventKind kind) {
  switch (kind) {
    case AuditEventKind::Issue:
      return "issue";
    case AuditEventKind::Confirm:
      return "confirm";
    case AuditEventKind::Reject:
      return "reject";
    case AuditEventKind::Lock:
      return "lock";
    case AuditEventKind::Expire:
      return "expire";
  }
  return "unknown";
}

std::string format_minor_units(std::int64_t amount_minor) {
  const bool negative = amount_minor < 0;
  // Work in unsigned so that INT64_MIN does not overflow.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(amount_minor)
                                           : static_cast<std::uint64_t>(amount_minor);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return "invalid-time";
  char text[32];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return length == 0 ? "invalid-time" : std::string(text, length);
}

std::string format_audit_line(const AuditEvent& event) {
  return iso8601_utc(event.time) + " event=" + audit_event_name(event.kind) +
         " txn=" + token(event.transaction_id) +
         " customer=" + token(event.customer_fingerprint.substr(0, 16)) +
         " account=" + token(event.account) + " amount=" + format_minor_units(event.amount_minor) +
         " currency=" + token(event.currency) + " reason=" + token(event.reason);
}

AuditLog::AuditLog(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw_errno("cannot open the audit log " + path.string());
  struct stat status {};
  if (::fstat(fd_, &status) != 0) {
    const int saved = errno;
    ::close(fd_);
    errno = saved;
    throw_errno("cannot inspect the audit log " + path.string());
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd_);
    throw std::runtime_error("the audit log " + path.string() +
                             " is accessible to group or others; make it mode 0600");
  }
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::record(const AuditEvent& event) {
  const std::string line = format_audit_line(event) + "\n";
  std::lock_guard lock(mutex_);
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot append to the audit log " + path_.string());
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) throw_errno("cannot sync the audit log " + path_.string());
}

}  // namespace sc::otp
