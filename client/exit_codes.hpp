#pragma once
// The client's exit codes, for scripts. Documented in `client --help`, client/main.cpp's header
// and the README.
#include "common/otp/bank_protocol.hpp"

namespace sc::customer {

enum ExitCode {
  kDone = 0,                // done; for confirm: the code was accepted
  kWrongCode = 1,           // confirm: wrong code (attempts may be left)
  kUsage = 2,               // bad usage
  kEnrollmentFailed = 3,    // enrollment with the TTP failed
  kChannelFailed = 4,       // the bank is unreachable or the channel failed
  kBankError = 5,           // the bank answered with an error (or the unexpected)
  kLocked = 6,              // confirm: the transaction is locked (too many wrong codes)
  kExpired = 7,             // confirm: the code expired
  kBlocked = 8,             // confirm: the customer is blocked for a while
  kUnknownTransaction = 9,  // confirm: no such transaction of yours, or already used
};

inline ExitCode exit_code_for(otp::RejectionReason reason) {
  switch (reason) {
    case otp::RejectionReason::WrongCode:
      return kWrongCode;
    case otp::RejectionReason::Locked:
      return kLocked;
    case otp::RejectionReason::Expired:
      return kExpired;
    case otp::RejectionReason::Blocked:
      return kBlocked;
    case otp::RejectionReason::AlreadyUsed:
    case otp::RejectionReason::UnknownTransaction:
      return kUnknownTransaction;
  }
  return kBankError;
}

inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 done (confirm: accepted), 1 wrong code, 2 bad usage, 3 enrollment failed,\n"
    "4 bank unreachable or channel failed, 5 the bank answered with an error, 6 transaction\n"
    "locked, 7 code expired, 8 customer blocked, 9 unknown transaction or already used.";

}  // namespace sc::customer
