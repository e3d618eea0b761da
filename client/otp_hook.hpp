#pragma once
// --on-otp CMD: runs a command of the customer's for each pushed OTP (a notifier, a phone
// bridge). The command is run by /bin/sh -c exactly as the customer wrote it; the OTP's details
// travel ONLY in environment variables (OTP_CODE, OTP_TRANSACTION, OTP_AMOUNT, OTP_CURRENCY,
// OTP_PAYEE, OTP_ACCOUNT, OTP_EXPIRES_AT), never in the command text, so a payee full of shell
// metacharacters is data, not code. The command inherits standard input, output and error and
// no other descriptor. Children are reaped when they end, never waited for.
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/otp/bank_protocol.hpp"

namespace sc::customer {

// The environment the hook runs with: `inherited` (a NULL-terminated "KEY=value" array such as
// environ) without any OTP_* entry, then the OTP_* variables of this push.
std::vector<std::string> otp_hook_environment(const otp::OtpPush& push,
                                              const char* const* inherited);

class OtpHook {
 public:
  explicit OtpHook(std::string command) : command_(std::move(command)) {}
  OtpHook(const OtpHook&) = delete;
  OtpHook& operator=(const OtpHook&) = delete;

  // Starts `/bin/sh -c command` for this push and returns at once with the child's pid.
  // Throws std::system_error with a sentence when the shell cannot be started.
  pid_t run(const otp::OtpPush& push);

  // Collects the children that have ended (never blocks; call it on SIGCHLD). Returns the pid and
  // wait status of each, for logs.
  struct Ended {
    pid_t pid;
    int status;
  };
  std::vector<Ended> reap_finished();

  std::size_t running() const { return children_.size(); }
  const std::string& command() const { return command_; }

 private:
  std::string command_;
  std::vector<pid_t> children_;
};

}  // namespace sc::customer
