#pragma once
// What a transfer is (the elements an OTP is bound to) and the clock the OTP rules read. Shared by
// the in-memory OtpStore and the durable TransactionStore.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace sc::otp {

using Clock = std::function<std::chrono::system_clock::time_point()>;

struct TransactionDetails {
  std::string account;
  std::int64_t amount_minor = 0;  // minor units: 25000 = 250.00
  std::string currency;           // ISO 4217, "EUR"
  std::string payee;
};

}  // namespace sc::otp
