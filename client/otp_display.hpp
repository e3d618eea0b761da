#pragma once
// What the customer's device shows: one sentence per pushed event, read at a glance. PSD2 RTS
// art. 5(1)(a): the payer is made aware of the amount and the payee the code authorises, so the
// sentence carries both next to the code.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/otp/bank_protocol.hpp"

namespace sc::customer {

// 10000000 minor units: "1,00,000.00" for INR (Indian lakh/crore grouping: the last three
// digits, then groups of two), "100,000.00" for any other currency (groups of three).
std::string grouped_amount(std::int64_t amount_minor, std::string_view currency);

// "DE89370400440532013000" -> "DE89...3000": the first and last four characters when the
// account is longer than eight, the whole account otherwise.
std::string masked_account(std::string_view account);

// "2026-11-23T12:34:56Z" -> "12:34:56 UTC"; any other text is shown as it is.
std::string clock_time_utc(std::string_view iso8601);

// The OTP for transferring INR 1,00,000.00 to your friend (account DE89...3000) is 256345
// (transaction T..., valid until 12:34:56 UTC)
std::string describe_otp(const otp::OtpPush& push);
std::string describe_warning(const otp::WarningPush& push);
std::string describe_blocked(const otp::BlockedPush& push);

}  // namespace sc::customer
