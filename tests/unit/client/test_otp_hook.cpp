// --on-otp: the details reach the command only as environment variables; a payee full of shell
// metacharacters is a value, never code. Runs a real /bin/sh.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "client/otp_hook.hpp"
#include "tests/unit/temporary_folder.hpp"

using namespace sc;
using namespace sc::customer;
namespace fs = std::filesystem;

namespace {

otp::OtpPush push_with_payee(std::string payee) {
  otp::OtpPush push;
  push.transaction_id = "T3f09c2a1";
  push.code = "256345";
  push.details.account = "DE89370400440532013000";
  push.details.amount_minor = 10000000;
  push.details.currency = "INR";
  push.details.payee = std::move(payee);
  push.expires_in = 120;
  push.expires_at = "2026-11-23T12:34:56Z";
  return push;
}

bool contains(const std::vector<std::string>& environment, const std::string& entry) {
  return std::find(environment.begin(), environment.end(), entry) != environment.end();
}

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Polls until every hook child has ended; bounded.
void wait_for_hooks(OtpHook& hook) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (hook.running() > 0 && std::chrono::steady_clock::now() < deadline) {
    hook.reap_finished();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(hook.running() == 0);
}

}  // namespace

TEST_CASE("the hook's environment: inherited variables, then exactly the OTP's", "[client][hook]") {
  const char* inherited[] = {"PATH=/usr/bin:/bin", "OTP_CODE=999999", "HOME=/home/alice",
                             "OTP_PAYEE=spoofed", nullptr};
  const auto environment = otp_hook_environment(push_with_payee("your friend"), inherited);
  CHECK(contains(environment, "PATH=/usr/bin:/bin"));
  CHECK(contains(environment, "HOME=/home/alice"));
  CHECK_FALSE(contains(environment, "OTP_CODE=999999"));
  CHECK_FALSE(contains(environment, "OTP_PAYEE=spoofed"));
  CHECK(contains(environment, "OTP_CODE=256345"));
  CHECK(contains(environment, "OTP_TRANSACTION=T3f09c2a1"));
  CHECK(contains(environment, "OTP_AMOUNT=100000.00"));
  CHECK(contains(environment, "OTP_CURRENCY=INR"));
  CHECK(contains(environment, "OTP_PAYEE=your friend"));
  CHECK(contains(environment, "OTP_ACCOUNT=DE89370400440532013000"));
  CHECK(contains(environment, "OTP_EXPIRES_AT=2026-11-23T12:34:56Z"));
  CHECK(environment.size() == 2 + 7);
  CHECK(otp_hook_environment(push_with_payee("x"), nullptr).size() == 7);
}

TEST_CASE("a payee full of shell metacharacters reaches the hook as a value and runs nothing",
          "[client][hook]") {
  sc::test::TemporaryFolder folder("sc-hook-test");
  const fs::path pwned = folder.path() / "pwned";
  const bool tmp_pwned_existed = fs::exists("/tmp/pwned");
  const std::vector<std::string> payees = {
      "x\"; touch /tmp/pwned; echo \"",
      "x\"; touch " + pwned.string() + "; echo \"",
      "$(touch " + pwned.string() + ")",
      "`touch " + pwned.string() + "`",
      "'; touch " + pwned.string() + "; echo '",
      "a && touch " + pwned.string() + " | cat > " + pwned.string() + " \\",
  };
  OtpHook hook("printf '%s' \"$OTP_PAYEE\" > \"" + (folder.path() / "payee").string() +
               "\"; printf '%s %s %s' \"$OTP_CODE\" \"$OTP_AMOUNT\" \"$OTP_CURRENCY\" > \"" +
               (folder.path() / "rest").string() + "\"");
  for (const std::string& payee : payees) {
    CAPTURE(payee);
    fs::remove(folder.path() / "payee");
    const pid_t pid = hook.run(push_with_payee(payee));
    CHECK(pid > 0);
    wait_for_hooks(hook);
    CHECK(read_file(folder.path() / "payee") == payee);
    CHECK(read_file(folder.path() / "rest") == "256345 100000.00 INR");
    CHECK_FALSE(fs::exists(pwned));
  }
  if (!tmp_pwned_existed) CHECK_FALSE(fs::exists("/tmp/pwned"));
}

TEST_CASE("the hook inherits no descriptor beyond standard input, output and error",
          "[client][hook]") {
  sc::test::TemporaryFolder folder("sc-hook-test");
  // Opened without O_CLOEXEC, like a socket the io_context holds.
  // Moved to a high number so that it can not be mistaken for the one ls opens itself.
  const int opened = ::open((folder.path() / "held").c_str(), O_CREAT | O_RDWR, 0600);
  REQUIRE(opened > 2);
  const int descriptor = ::fcntl(opened, F_DUPFD, 60);
  ::close(opened);
  REQUIRE(descriptor >= 60);
  OtpHook hook("ls /proc/self/fd > \"" + (folder.path() / "fds").string() + "\"");
  hook.run(push_with_payee("p"));
  wait_for_hooks(hook);
  ::close(descriptor);
  std::istringstream listed(read_file(folder.path() / "fds"));
  std::vector<int> inherited;
  for (int fd = 0; listed >> fd;) inherited.push_back(fd);
  CAPTURE(inherited);
  REQUIRE_FALSE(inherited.empty());
  // ls itself opens one descriptor to read /proc/self/fd; the daemon's must not be there.
  CHECK(std::find(inherited.begin(), inherited.end(), descriptor) == inherited.end());
  CHECK(inherited.size() <= 4);
}

TEST_CASE("hook children are reaped without waiting for them", "[client][hook]") {
  sc::test::TemporaryFolder folder("sc-hook-test");
  const fs::path release = folder.path() / "release";
  // The hook waits (bounded) until the test lets it go: run() must return before it ends.
  OtpHook hook("i=0; while [ ! -e \"" + release.string() +
               "\" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done");
  hook.run(push_with_payee("p"));
  hook.run(push_with_payee("q"));
  CHECK(hook.running() == 2);
  CHECK(hook.reap_finished().empty());  // still running: nothing reaped, nothing blocked
  std::ofstream(release).put('x');
  wait_for_hooks(hook);
  CHECK(hook.running() == 0);
}
