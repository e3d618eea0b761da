#pragma once
// What an OTP authorises: the payer's account, the amount and the payee. Shared by the store
// (which binds a code to it) and the line protocol (which carries it to the customer's device,
// PSD2 RTS art. 5: the payer sees the amount and the payee the code authorises).
#include <cstdint>
#include <string>

namespace sc::otp {

struct TransactionDetails {
  std::string account;
  std::int64_t amount_minor = 0;  // minor units: 25000 = 250.00
  std::string currency;           // ISO 4217, "EUR"
  std::string payee;
};

}  // namespace sc::otp
