#include "common/otp/audit_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "common/crypto/hash.hpp"
#include "common/crypto/random.hpp"
#include "common/otp/key_file.hpp"

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

constexpr std::size_t kMacBytes = 32;  // HMAC-SHA-256
constexpr std::string_view kMacField = " mac=";
constexpr std::size_t kTailBlock = 4096;

// HMAC-SHA-256(key, previous MAC || line text): each line's MAC covers the whole chain before it.
Bytes chain_mac(ByteView key, ByteView previous_mac, std::string_view text) {
  Bytes input(previous_mac.begin(), previous_mac.end());
  const ByteView text_bytes = as_bytes(text);
  input.insert(input.end(), text_bytes.begin(), text_bytes.end());
  return crypto::hmac(crypto::HashAlgorithm::Sha256, key, input);
}

// A line split into the text its MAC covers and the MAC itself.
struct ChainedLine {
  std::string_view text;
  Bytes mac;
};

// Parses "<text> mac=<64 hex>"; nothing when the field is missing or malformed. Values are single
// tokens without spaces, so the last " mac=" is the field.
std::optional<ChainedLine> parse_chained_line(std::string_view line, std::string& problem) {
  const std::size_t at = line.rfind(kMacField);
  if (at == std::string_view::npos) {
    problem = "has no mac field";
    return std::nullopt;
  }
  const std::string_view hex = line.substr(at + kMacField.size());
  if (hex.size() != 2 * kMacBytes) {
    problem = "has a malformed mac field";
    return std::nullopt;
  }
  try {
    return ChainedLine{line.substr(0, at), from_hex(hex)};
  } catch (const std::invalid_argument&) {
    problem = "has a malformed mac field";
    return std::nullopt;
  }
}

void pread_exactly(int fd, char* data, std::size_t size, off_t offset, const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, data + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot read the audit log " + path);
    if (n == 0) throw std::runtime_error("the audit log " + path + " shrank while being read");
    done += static_cast<std::size_t>(n);
  }
}

// The last two lines of the file (or one, when it holds only one), read backwards from the end.
// The file must end with a newline.
std::vector<std::string> last_two_lines(int fd, off_t size, const std::string& path) {
  std::string tail;
  off_t offset = size;
  while (offset > 0 && std::count(tail.begin(), tail.end(), '\n') <= 2) {
    const auto block = static_cast<std::size_t>(std::min<off_t>(offset, kTailBlock));
    offset -= static_cast<off_t>(block);
    std::string chunk(block, '\0');
    pread_exactly(fd, chunk.data(), block, offset, path);
    tail.insert(0, chunk);
  }
  if (tail.empty() || tail.back() != '\n') {
    throw std::runtime_error("the audit log " + path +
                             " ends in the middle of a line (a crash while writing, or an edit); "
                             "check it with verify_audit_log and move it aside");
  }
  tail.pop_back();
  std::vector<std::string> lines;
  std::size_t begin = 0;
  for (std::size_t end; (end = tail.find('\n', begin)) != std::string::npos; begin = end + 1) {
    lines.push_back(tail.substr(begin, end - begin));
  }
  lines.push_back(tail.substr(begin));
  if (offset > 0) lines.erase(lines.begin());  // the first piece may be the end of a longer line
  if (lines.size() > 2) lines.erase(lines.begin(), lines.end() - 2);
  return lines;
}

// An exclusive flock() on the log for the scope: several AuditLog objects or processes on one
// file (bank instances on one host) read the last line and append theirs one at a time, so the
// chain stays one chain.
class FileLock {
 public:
  FileLock(int fd, const std::string& path) : fd_(fd) {
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw_errno("cannot lock the audit log " + path);
    }
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() { ::flock(fd_, LOCK_UN); }

 private:
  int fd_;
};

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
    case AuditEventKind::Block:
      return "block";
    case AuditEventKind::Refuse:
      return "refuse";
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
         " currency=" + token(event.currency) + " payee=" + token(event.payee) +
         " reason=" + token(event.reason);
}

std::filesystem::path default_audit_key_path(const std::filesystem::path& log) {
  std::filesystem::path key = log;
  key.replace_extension(".key");
  if (key == log) key += ".key";
  return key;
}

AuditLog::AuditLog(const std::filesystem::path& path, SecretBytes key)
    : path_(path), key_(std::move(key)), previous_mac_(kMacBytes, 0) {
  if (key_.size() != kSecretKeyBytes) {
    throw std::invalid_argument("the audit key must be " + std::to_string(kSecretKeyBytes) +
                                " bytes, not " + std::to_string(key_.size()));
  }
  // O_NOFOLLOW: the trail is never written through a symbolic link someone may have planted.
  fd_ = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    if (errno == ELOOP) {
      throw std::runtime_error("the audit log " + path.string() +
                               " is a symbolic link; refusing to follow it");
    }
    throw_errno("cannot open the audit log " + path.string());
  }
  try {
    FileLock lock(fd_, path_.string());
    continue_chain();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

AuditLog::AuditLog(const std::filesystem::path& path)
    : AuditLog(path, load_or_create_audit_key(default_audit_key_path(path))) {}

void AuditLog::continue_chain() {
  struct stat status {};
  if (::fstat(fd_, &status) != 0) throw_errno("cannot inspect the audit log " + path_.string());
  if (!S_ISREG(status.st_mode)) {
    throw std::runtime_error("the audit log " + path_.string() + " is not a regular file");
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    throw std::runtime_error("the audit log " + path_.string() +
                             " is accessible to group or others; make it mode 0600");
  }
  known_size_ = status.st_size;
  previous_mac_.assign(kMacBytes, 0);
  if (status.st_size == 0) return;  // a new chain starts from 32 zero bytes
  const auto lines = last_two_lines(fd_, status.st_size, path_.string());
  std::string problem;
  const auto last = parse_chained_line(lines.back(), problem);
  if (!last) {
    throw std::runtime_error("the last line of the audit log " + path_.string() + " " + problem +
                             " (written by an older version, or edited); move it aside");
  }
  Bytes before_last(kMacBytes, 0);
  if (lines.size() == 2) {
    const auto previous = parse_chained_line(lines[0], problem);
    if (!previous) {
      throw std::runtime_error("the line before the last of the audit log " + path_.string() + " " +
                               problem + "; check it with verify_audit_log and move it aside");
    }
    before_last = previous->mac;
  }
  if (!crypto::equal_constant_time(chain_mac(key_, before_last, last->text), last->mac)) {
    throw std::runtime_error("the last line of the audit log " + path_.string() +
                             " does not verify under the audit key (another key file, or the log "
                             "was changed); check it with verify_audit_log");
  }
  previous_mac_ = last->mac;
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::record(const AuditEvent& event) {
  const std::string text = format_audit_line(event);
  std::lock_guard lock(mutex_);
  if (broken_) {
    throw std::runtime_error("the audit log " + path_.string() +
                             " refuses new lines after a failed write");
  }
  FileLock file_lock(fd_, path_.string());
  struct stat status {};
  if (::fstat(fd_, &status) != 0) throw_errno("cannot inspect the audit log " + path_.string());
  // Another writer appended since our last line: chain on from its last line.
  if (status.st_size != known_size_) continue_chain();
  const Bytes mac = chain_mac(key_, previous_mac_, text);
  const std::string line = text + std::string(kMacField) + to_hex(mac) + "\n";
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      broken_ = written > 0;  // a part of the line is in the file: the chain cannot go on
      throw_errno("cannot append to the audit log " + path_.string());
    }
    written += static_cast<std::size_t>(n);
  }
  previous_mac_ = mac;  // the line is in the file, synced or not
  known_size_ += static_cast<std::int64_t>(line.size());
  if (::fsync(fd_) != 0) throw_errno("cannot sync the audit log " + path_.string());
}

AuditCheck verify_audit_log(const std::filesystem::path& log, ByteView key) {
  std::ifstream in(log, std::ios::binary);
  if (!in) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open the audit log " + log.string());
  }
  AuditCheck check;
  Bytes previous_mac(kMacBytes, 0);
  auto bad = [&](std::size_t number, const std::string& why) {
    check.ok = false;
    check.first_bad_line = number;
    check.reason = "line " + std::to_string(number) + " " + why;
    return check;
  };
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (in.eof()) return bad(number, "is incomplete: the file does not end with a newline");
    std::string problem;
    const auto chained = parse_chained_line(line, problem);
    if (!chained) return bad(number, problem);
    if (!crypto::equal_constant_time(chain_mac(key, previous_mac, chained->text), chained->mac)) {
      return bad(number,
                 "does not verify: it was changed, a line before it was removed or inserted, or "
                 "the log was written under another key");
    }
    previous_mac = chained->mac;
    ++check.lines_checked;
  }
  if (in.bad()) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot read the audit log " + log.string());
  }
  check.ok = true;
  return check;
}

}  // namespace sc::otp
