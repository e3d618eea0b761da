// kill -9 in the middle of enrollments loses no issued certificate and never reuses a serial:
// a child process enrolls in a loop through TtpService and prints each serial after the
// answer (so after the commit); it is killed with SIGKILL at an arbitrary point, three times
// on the same registry, which is then checked.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <set>

#include "tests/support/test_data.hpp"
#include "tests/unit/ttp/ttp_fixture.hpp"
#include "ttp/crl_publisher.hpp"
#include "ttp/registry.hpp"
#include "ttp/ttp_service.hpp"

using namespace sc;

namespace {

struct WriterRun {
  std::vector<std::string> committed;  // serials printed on complete lines
  int wait_status = 0;
};

// Starts the writer, lets it commit at least `enough` certificates, kills it with SIGKILL.
WriterRun run_and_kill(const std::filesystem::path& folder, std::size_t enough) {
  const auto writer = test::binary_dir() / "tests" / "bin" / "ttp_enrollment_writer";
  REQUIRE(std::filesystem::exists(writer));
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(writer.c_str(), writer.c_str(), folder.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);

  WriterRun run;
  std::string pending;
  bool killed = false;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is gone (killed, or failed early)
    pending.append(buffer, static_cast<std::size_t>(n));
    for (auto end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      if (line.rfind("COMMITTED ", 0) == 0) run.committed.push_back(line.substr(10));
    }
    if (!killed && run.committed.size() >= enough) {
      REQUIRE(::kill(child, SIGKILL) == 0);  // mid-loop, wherever the child is
      killed = true;
    }
  }
  ::close(out[0]);
  REQUIRE(::waitpid(child, &run.wait_status, 0) == child);
  INFO("writer exit status " << run.wait_status);
  REQUIRE(killed);
  REQUIRE(WIFSIGNALED(run.wait_status));
  CHECK(WTERMSIG(run.wait_status) == SIGKILL);
  return run;
}

std::int64_t count_of(ttp::SqliteDatabase& database, const std::string& sql) {
  ttp::SqliteStatement query(database, sql);
  REQUIRE(query.step());
  return query.integer(0);
}

}  // namespace

TEST_CASE("SIGKILL during enrollments loses no committed certificate and reuses no serial",
          "[ttp][durability]") {
  test::TempFolder folder;
  std::vector<std::string> printed;
  for (std::size_t round = 1; round <= 3; ++round) {
    const WriterRun run = run_and_kill(folder.path(), 10 * round);
    printed.insert(printed.end(), run.committed.begin(), run.committed.end());
  }

  ttp::Registry registry(folder / "registry.db");
  REQUIRE(registry.integrity_ok());
  std::set<std::string> stored;
  for (const auto& record : registry.certificates()) {
    CHECK(stored.insert(record.serial_hex).second);  // unique
    const auto certificate = pki::Certificate::from_pem(record.pem);
    CHECK(certificate.serial_hex() == record.serial_hex);
  }
  CHECK(std::set<std::string>(printed.begin(), printed.end()).size() == printed.size());
  for (const auto& serial : printed) {
    INFO("serial " << serial << " was returned to the requester");
    CHECK(stored.count(serial) == 1);
  }
  CHECK(stored.size() >= printed.size());

  // The token redemptions and the certificates agree one to one.
  ttp::SqliteDatabase raw(folder / "registry.db");
  const auto issued = count_of(raw, "SELECT COUNT(*) FROM certificates");
  CHECK(count_of(raw, "SELECT COUNT(*) FROM tokens WHERE used_at IS NOT NULL") == issued);
  CHECK(count_of(raw,
                 "SELECT COUNT(*) FROM certificates c JOIN tokens t ON t.id = c.token_id "
                 "WHERE t.used_by_serial = c.serial") == issued);
  CHECK(count_of(raw, "SELECT COUNT(*) FROM requests WHERE outcome = 'issued'") == issued);

  // After the crashes the TTP starts again on the same files and issues a fresh serial.
  const auto authority = pki::CertificateAuthority::open(folder.path());
  ttp::CrlPublisher crl(authority, registry, folder / "crl.pem");
  ttp::TtpService service(authority, registry, crl);
  const auto token =
      registry.create_token(pki::Role::Customer, "after-crash", std::chrono::hours(1)).token;
  const std::string reply = service.handle(
      ttp::Request{"ENROLL customer " + token, test::in_process_csr("after-crash").to_pem()},
      "test");
  REQUIRE(reply.rfind("OK ENROLLED serial=", 0) == 0);
  const std::string serial = reply.substr(19, reply.find(' ', 19) - 19);
  CHECK(stored.count(serial) == 0);
  CHECK(registry.certificate_count() == issued + 1);
}
