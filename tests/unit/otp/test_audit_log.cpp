// The audit log: one line per event, mode 0600, appended, and never a code.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "common/otp/audit_log.hpp"
#include "common/otp/otp_store.hpp"
#include "tests/unit/otp/fake_clock.hpp"

using namespace sc;
using namespace sc::otp;
using namespace sc::otp::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
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
                   "wrong-code"};
  CHECK(format_audit_line(event) ==
        "2009-02-13T23:31:30Z event=reject txn=T00 customer=ffffffffffffffff "
        "account=evil?acct?with?spaces amount=250.00 currency=EUR reason=wrong-code");
}

TEST_CASE("the store audits every step and the log never holds a code", "[audit]") {
  TempFile file;
  FakeClock time;
  std::vector<std::string> codes;
  {
    AuditLog log(file.path);
    OtpStore store({}, time.clock(), &log);
    // issue + confirm
    const IssuedOtp good = store.issue(sample_transaction(), kAlice);
    codes.push_back(good.code);
    REQUIRE(store.confirm(good.transaction_id, good.code, kAlice).accepted);
    // replay, wrong customer
    store.confirm(good.transaction_id, good.code, kAlice);
    store.confirm(good.transaction_id, good.code, kMallory);
    // three wrong codes -> lock
    const IssuedOtp locked = store.issue(sample_transaction(), kAlice);
    codes.push_back(locked.code);
    for (int i = 0; i < 3; ++i)
      store.confirm(locked.transaction_id, wrong_code(locked.code), kAlice);
    // unknown transaction
    store.confirm("Tnothing", "123456", kMallory);
    // expiry
    const IssuedOtp late = store.issue(sample_transaction(), kAlice);
    codes.push_back(late.code);
    time.advance(121s);
    store.confirm(late.transaction_id, late.code, kAlice);
  }
  struct stat status {};
  REQUIRE(::stat(file.path.c_str(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);

  const std::string text = file.text();
  const auto lines = lines_of(text);
  // issue, confirm, reject(already-used), reject(wrong-customer), issue, 3x reject(wrong-code),
  // lock, reject(unknown-transaction), issue, expire, reject(expired)
  REQUIRE(lines.size() == 13);
  CHECK(lines[0].find(" event=issue ") != std::string::npos);
  CHECK(lines[1].find(" event=confirm ") != std::string::npos);
  CHECK(lines[2].find("reason=already-used") != std::string::npos);
  CHECK(lines[3].find("reason=wrong-customer-by-" + kMallory.substr(0, 16)) != std::string::npos);
  CHECK(lines[3].find("customer=" + kAlice.substr(0, 16)) != std::string::npos);
  CHECK(lines[5].find("reason=wrong-code") != std::string::npos);
  CHECK(lines[8].find(" event=lock ") != std::string::npos);
  CHECK(lines[9] == lines[9].substr(0, 20) +
                        " event=reject txn=Tnothing customer=" + kMallory.substr(0, 16) +
                        " account=- amount=0.00 currency=- reason=unknown-transaction");
  CHECK(lines[11].find(" event=expire ") != std::string::npos);
  CHECK(lines[12].find("reason=expired") != std::string::npos);
  for (const auto& line : lines) {
    if (line.find("Tnothing") != std::string::npos) continue;
    CHECK(line.find("amount=250.00 currency=EUR") != std::string::npos);
    CHECK(line.find("customer=" + kAlice) == std::string::npos);  // only a prefix
  }
  for (const auto& code : codes) {
    CAPTURE(code);
    // The fields are fixed tokens; a 6-digit run can only come from a leaked code. Timestamps
    // and amounts never hold the code as a standalone token.
    CHECK(text.find("=" + code) == std::string::npos);
    CHECK(text.find(" " + code) == std::string::npos);
    CHECK(text.find(code + " ") == std::string::npos);
  }
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
