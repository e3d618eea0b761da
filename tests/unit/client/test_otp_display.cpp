// What the device shows: the amount grouped the way its currency's readers group it, the
// account masked, the time in UTC, and one sentence with the code beside amount and payee.
#include <catch2/catch.hpp>

#include "client/exit_codes.hpp"
#include "client/otp_display.hpp"

using namespace sc;
using namespace sc::customer;

TEST_CASE("INR amounts use lakh and crore grouping", "[client][display]") {
  CHECK(grouped_amount(10000000, "INR") == "1,00,000.00");       // one lakh
  CHECK(grouped_amount(1000000000, "INR") == "1,00,00,000.00");  // one crore
  CHECK(grouped_amount(12345678901, "INR") == "12,34,56,789.01");
  CHECK(grouped_amount(99999, "INR") == "999.99");
  CHECK(grouped_amount(100000, "INR") == "1,000.00");
  CHECK(grouped_amount(1, "INR") == "0.01");
}

TEST_CASE("other currencies are grouped in threes", "[client][display]") {
  CHECK(grouped_amount(10000000, "EUR") == "100,000.00");
  CHECK(grouped_amount(99999999999, "EUR") == "999,999,999.99");
  CHECK(grouped_amount(123456, "USD") == "1,234.56");
  CHECK(grouped_amount(12345, "GBP") == "123.45");
  CHECK(grouped_amount(5, "EUR") == "0.05");
}

TEST_CASE("accounts longer than eight characters are masked", "[client][display]") {
  CHECK(masked_account("DE89370400440532013000") == "DE89...3000");
  CHECK(masked_account("123456789") == "1234...6789");
  CHECK(masked_account("12345678") == "12345678");
  CHECK(masked_account("A") == "A");
}

TEST_CASE("times are shown as UTC clock times", "[client][display]") {
  CHECK(clock_time_utc("2026-11-23T12:34:56Z") == "12:34:56 UTC");
  CHECK(clock_time_utc("not a time") == "not a time");
}

TEST_CASE("a pushed OTP reads as one sentence with amount, payee and code", "[client][display]") {
  otp::OtpPush push;
  push.transaction_id = "T3f09c2a1";
  push.code = "256345";
  push.details.account = "DE89370400440532013000";
  push.details.amount_minor = 10000000;
  push.details.currency = "INR";
  push.details.payee = "your friend";
  push.expires_in = 120;
  push.expires_at = "2026-11-23T12:34:56Z";
  CHECK(describe_otp(push) ==
        "The OTP for transferring INR 1,00,000.00 to your friend (account DE89...3000) is 256345 "
        "(transaction T3f09c2a1, valid until 12:34:56 UTC)");
}

TEST_CASE("warnings and blocks read as sentences", "[client][display]") {
  const std::string warning = describe_warning({otp::WarningReason::LastAttempt, 1});
  CHECK_THAT(warning, Catch::Contains("1 wrong code left"));
  CHECK_THAT(warning, Catch::Contains("blocks"));
  const std::string blocked = describe_blocked({"2026-11-23T08:15:00Z"});
  CHECK_THAT(blocked, Catch::Contains("until 08:15:00 UTC"));
}

TEST_CASE("each rejection reason has its exit code", "[client][exit_codes]") {
  CHECK(exit_code_for(otp::RejectionReason::WrongCode) == 1);
  CHECK(exit_code_for(otp::RejectionReason::Locked) == 6);
  CHECK(exit_code_for(otp::RejectionReason::Expired) == 7);
  CHECK(exit_code_for(otp::RejectionReason::Blocked) == 8);
  CHECK(exit_code_for(otp::RejectionReason::UnknownTransaction) == 9);
  CHECK(exit_code_for(otp::RejectionReason::AlreadyUsed) == 9);
}
