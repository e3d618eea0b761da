#include "client/otp_display.hpp"

#include "common/otp/audit_log.hpp"  // format_minor_units

namespace sc::customer {
namespace {

// "1234567" -> "12,34,567" (INR) or "1,234,567".
std::string grouped_units(std::string_view digits, bool indian) {
  std::string grouped;
  std::size_t group = 3;
  std::size_t in_group = 0;
  for (std::size_t i = digits.size(); i-- > 0;) {
    if (in_group == group) {
      grouped.insert(grouped.begin(), ',');
      in_group = 0;
      if (indian) group = 2;
    }
    grouped.insert(grouped.begin(), digits[i]);
    ++in_group;
  }
  return grouped;
}

}  // namespace

std::string grouped_amount(std::int64_t amount_minor, std::string_view currency) {
  const std::string plain = otp::format_minor_units(amount_minor);  // "-1234.56"
  const bool negative = !plain.empty() && plain.front() == '-';
  const std::string_view unsigned_text = std::string_view(plain).substr(negative ? 1 : 0);
  const std::size_t dot = unsigned_text.find('.');
  const std::string_view units = unsigned_text.substr(0, dot);
  const std::string_view decimals =
      dot == std::string_view::npos ? std::string_view{} : unsigned_text.substr(dot);
  return (negative ? "-" : "") + grouped_units(units, currency == "INR") + std::string(decimals);
}

std::string masked_account(std::string_view account) {
  if (account.size() <= 8) return std::string(account);
  return std::string(account.substr(0, 4)) + "..." +
         std::string(account.substr(account.size() - 4));
}

std::string clock_time_utc(std::string_view iso8601) {
  if (!otp::is_iso8601_utc(iso8601)) return std::string(iso8601);
  return std::string(iso8601.substr(11, 8)) + " UTC";
}

std::string describe_otp(const otp::OtpPush& push) {
  const auto& details = push.details;
  return "The OTP for transferring " + details.currency + " " +
         grouped_amount(details.amount_minor, details.currency) + " to " + details.payee +
         " (account " + masked_account(details.account) + ") is " + push.code + " (transaction " +
         push.transaction_id + ", valid until " + clock_time_utc(push.expires_at) + ")";
}

std::string describe_warning(const otp::WarningPush& push) {
  return "Warning: " + std::to_string(push.attempts_left) + " wrong code" +
         (push.attempts_left == 1 ? "" : "s") +
         " left before the bank blocks your confirmations; check the code before typing it";
}

std::string describe_blocked(const otp::BlockedPush& push) {
  return "Blocked: too many wrong codes; the bank accepts no confirmation from you until " +
         clock_time_utc(push.until) + " (" + push.until + ")";
}

}  // namespace sc::customer
