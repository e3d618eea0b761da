// The audit log: one chained line per event, mode 0600, appended, never a code; verify_audit_log
// names the first line that was changed, removed or inserted.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "common/crypto/hash.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/key_file.hpp"
#include "tests/unit/otp/fake_clock.hpp"

using namespace sc;
using namespace sc::otp;
using namespace sc::otp::test;
using namespace std::chrono_literals;

namespace {

// The lines of the log without their " mac=..." field.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line.substr(0, line.rfind(" mac=")));
  return lines;
}

std::vector<std::string> raw_lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void write_lines(const std::filesystem::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const auto& line : lines) out << line << '\n';
}

SecretBytes test_key(std::uint8_t fill) {
  return SecretBytes(kSecretKeyBytes, fill);
}

AuditEvent event_number(int n) {
  AuditEvent event;
  event.time = std::chrono::system_clock::from_time_t(1'795'000'000 + n);
  event.kind = n % 2 == 0 ? AuditEventKind::Issue : AuditEventKind::Reject;
  event.transaction_id = "T" + std::to_string(n);
  event.customer_fingerprint = kAlice;
  event.account = "NL91ABNA0417164300";
  event.amount_minor = 100 * n;
  event.currency = "EUR";
  event.payee = "ACME Ltd";
  event.reason = n % 2 == 0 ? "" : "wrong-code";
  return event;
}

// A log of `count` lines written through `reopenings` + 1 AuditLog objects.
void write_log(const std::filesystem::path& path, int count, int reopenings = 0) {
  int written = 0;
  for (int round = 0; round <= reopenings; ++round) {
    AuditLog log(path, test_key(7));
    const int until = round == reopenings ? count : (count * (round + 1)) / (reopenings + 1);
    for (; written < until; ++written) log.record(event_number(written));
  }
}

}  // namespace

TEST_CASE("format_minor_units and iso8601_utc", "[audit]") {
  CHECK(format_minor_units(25000) == "250.00");
  CHECK(format_minor_units(5) == "0.05");
  CHECK(format_minor_units(1234567) == "12345.67");
  CHECK(format_minor_units(-5) == "-0.05");
  CHECK(iso8601_utc(std::chrono::system_clock::from_time_t(1234567890)) == "2009-02-13T23:31:30Z");
}

TEST_CASE("an audit line holds the event and no control characters", "[audit]") {
  AuditEvent event{std::chrono::system_clock::from_time_t(1234567890),
                   AuditEventKind::Reject,
                   "T00",
                   std::string(64, 'f'),
                   "evil\nacct with spaces",
                   25000,
                   "EUR",
                   "ACME \"Ltd\" mac=00",
                   "wrong-code"};
  CHECK(format_audit_line(event) ==
        "2009-02-13T23:31:30Z event=reject txn=T00 customer=ffffffffffffffff "
        "account=evil?acct?with?spaces amount=250.00 currency=EUR payee=ACME?\"Ltd\"?mac=00 "
        "reason=wrong-code");
}

TEST_CASE("the audit log appends to an existing file", "[audit]") {
  TempFile file;
  const AuditEvent event{std::chrono::system_clock::from_time_t(0),
                         AuditEventKind::Issue,
                         "T1",
                         kAlice,
                         "A1",
                         100,
                         "EUR",
                         "ACME",
                         ""};
  { AuditLog(file.path).record(event); }
  { AuditLog(file.path).record(event); }
  CHECK(lines_of(file.text()).size() == 2);
}

TEST_CASE("the audit log refuses a file others can read, and a missing folder", "[audit]") {
  TempFile file;
  { std::ofstream(file.path) << ""; }
  REQUIRE(::chmod(file.path.c_str(), 0644) == 0);
  CHECK_THROWS_WITH(AuditLog(file.path), Catch::Contains("0600"));
  CHECK_THROWS_AS(AuditLog("/nonexistent-folder/audit.log"), std::system_error);
}

TEST_CASE("every audit line carries a mac chained to the line before", "[audit][chain]") {
  TempFile file;
  write_log(file.path, 5);
  const auto lines = raw_lines_of(file.text());
  REQUIRE(lines.size() == 5);
  Bytes previous(32, 0);
  for (const auto& line : lines) {
    const std::size_t at = line.rfind(" mac=");
    REQUIRE(at != std::string::npos);
    // HMAC-SHA-256(audit key, previous mac || line without its mac field), recomputed here.
    Bytes input = previous;
    const ByteView text = as_bytes(std::string_view(line).substr(0, at));
    input.insert(input.end(), text.begin(), text.end());
    const SecretBytes key = test_key(7);
    const Bytes expected = crypto::hmac(crypto::HashAlgorithm::Sha256, key, input);
    CHECK(line.substr(at + 5) == to_hex(expected));
    previous = expected;
  }
}

TEST_CASE("verify_audit_log passes a log written across reopenings", "[audit][chain]") {
  TempFile file;
  write_log(file.path, 12, 3);
  const AuditCheck check = verify_audit_log(file.path, test_key(7));
  CHECK(check.ok);
  CHECK(check.lines_checked == 12);
  CHECK(check.first_bad_line == 0);
  CHECK(check.reason.empty());

  SECTION("an empty log verifies") {
    TempFile empty;
    { AuditLog log(empty.path, test_key(7)); }
    CHECK(verify_audit_log(empty.path, test_key(7)).ok);
  }
  SECTION("another key fails at the first line") {
    const AuditCheck other = verify_audit_log(file.path, test_key(8));
    CHECK_FALSE(other.ok);
    CHECK(other.first_bad_line == 1);
    CHECK(other.lines_checked == 0);
  }
}

TEST_CASE("verify_audit_log names the first line that was changed, removed or inserted",
          "[audit][chain]") {
  TempFile file;
  write_log(file.path, 8, 1);
  auto lines = raw_lines_of(file.text());
  REQUIRE(lines.size() == 8);

  SECTION("one byte changed in line 5") {
    std::string& line = lines[4];
    const std::size_t at = line.find("amount=") + 7;
    line[at] = line[at] == '9' ? '8' : '9';
    write_lines(file.path, lines);
    const AuditCheck check = verify_audit_log(file.path, test_key(7));
    CHECK_FALSE(check.ok);
    CHECK(check.first_bad_line == 5);
    CHECK(check.lines_checked == 4);
    CHECK_THAT(check.reason, Catch::StartsWith("line 5 does not verify"));
  }
  SECTION("one byte of a mac changed in line 2") {
    std::string& line = lines[1];
    line.back() = line.back() == '0' ? '1' : '0';
    write_lines(file.path, lines);
    CHECK(verify_audit_log(file.path, test_key(7)).first_bad_line == 2);
  }
  SECTION("line 3 removed: line 4, now the third, fails") {
    lines.erase(lines.begin() + 2);
    write_lines(file.path, lines);
    const AuditCheck check = verify_audit_log(file.path, test_key(7));
    CHECK_FALSE(check.ok);
    CHECK(check.first_bad_line == 3);
  }
  SECTION("the first line removed") {
    lines.erase(lines.begin());
    write_lines(file.path, lines);
    CHECK(verify_audit_log(file.path, test_key(7)).first_bad_line == 1);
  }
  SECTION("a valid line of the log copied in as line 6") {
    lines.insert(lines.begin() + 5, lines[1]);
    write_lines(file.path, lines);
    CHECK(verify_audit_log(file.path, test_key(7)).first_bad_line == 6);
  }
  SECTION("a line without a mac") {
    lines[6] = lines[6].substr(0, lines[6].rfind(" mac="));
    write_lines(file.path, lines);
    const AuditCheck check = verify_audit_log(file.path, test_key(7));
    CHECK(check.first_bad_line == 7);
    CHECK(check.reason == "line 7 has no mac field");
  }
  SECTION("a last line cut short") {
    std::string text = file.text();
    text.resize(text.size() - 10);
    std::ofstream(file.path, std::ios::binary | std::ios::trunc) << text;
    const AuditCheck check = verify_audit_log(file.path, test_key(7));
    CHECK(check.first_bad_line == 8);
    CHECK_THAT(check.reason, Catch::Contains("incomplete"));
    CHECK_THROWS_WITH(AuditLog(file.path, test_key(7)), Catch::Contains("middle of a line"));
  }
}

TEST_CASE("reopening the audit log continues the chain only under the same key", "[audit][chain]") {
  TempFile file;
  write_log(file.path, 3);
  SECTION("another key is refused before anything is written") {
    const std::string before = file.text();
    CHECK_THROWS_WITH(AuditLog(file.path, test_key(9)),
                      Catch::Contains("does not verify under the audit key"));
    CHECK(file.text() == before);
  }
  SECTION("a last line edited is refused") {
    auto lines = raw_lines_of(file.text());
    lines.back().replace(lines.back().find("currency=EUR"), 12, "currency=USD");
    write_lines(file.path, lines);
    CHECK_THROWS_WITH(AuditLog(file.path, test_key(7)), Catch::Contains("does not verify"));
  }
  SECTION("a log without macs (an older version's) is refused") {
    write_lines(file.path, lines_of(file.text()));
    CHECK_THROWS_WITH(AuditLog(file.path, test_key(7)), Catch::Contains("has no mac field"));
  }
  SECTION("lines longer than the tail block chain on") {
    AuditEvent long_event = event_number(3);
    long_event.account = std::string(9000, 'A');
    { AuditLog(file.path, test_key(7)).record(long_event); }
    { AuditLog(file.path, test_key(7)).record(long_event); }
    { AuditLog(file.path, test_key(7)).record(event_number(4)); }
    const AuditCheck check = verify_audit_log(file.path, test_key(7));
    CHECK(check.ok);
    CHECK(check.lines_checked == 6);
  }
}

TEST_CASE("the audit log refuses a symbolic link and a wrong key size", "[audit][chain]") {
  TempFile target;
  write_log(target.path, 1);
  TempFile link;
  REQUIRE(::symlink(target.path.c_str(), link.path.c_str()) == 0);
  CHECK_THROWS_WITH(AuditLog(link.path, test_key(7)), Catch::Contains("symbolic link"));
  CHECK(raw_lines_of(target.text()).size() == 1);
  CHECK_THROWS_AS(AuditLog(target.path, SecretBytes(16, 1)), std::invalid_argument);
}

TEST_CASE("the one-argument audit log keeps its key in a file beside it", "[audit][chain]") {
  TempFile file;
  { AuditLog(file.path).record(event_number(0)); }
  { AuditLog(file.path).record(event_number(1)); }
  const std::filesystem::path key_file = default_audit_key_path(file.path);
  CHECK(key_file.extension() == ".key");
  struct stat status {};
  REQUIRE(::stat(key_file.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  const SecretBytes key = load_or_create_audit_key(key_file);
  const AuditCheck check = verify_audit_log(file.path, key);
  CHECK(check.ok);
  CHECK(check.lines_checked == 2);
  CHECK(default_audit_key_path("certs/bank/audit.log") == "certs/bank/audit.key");
}

TEST_CASE("two audit logs on one file (two bank instances) keep one chain", "[audit][chain]") {
  TempFile file;
  {
    AuditLog first(file.path, test_key(7));
    AuditLog second(file.path, test_key(7));
    for (int i = 0; i < 6; ++i) (i % 3 == 0 ? second : first).record(event_number(i));
  }
  const AuditCheck check = verify_audit_log(file.path, test_key(7));
  CHECK(check.ok);
  CHECK(check.lines_checked == 6);
}
