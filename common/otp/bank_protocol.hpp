#pragma once
// The bank's line protocol (docs/OTP_PROTOCOL.md), sans-IO: one request line in, one answer
// line out. Parsers for both sides and the formatters that produce what they parse. Nothing
// here throws on hostile input: a line that does not parse becomes MalformedLine with a
// sentence meant for the person or program on the other end.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/otp/otp_store.hpp"

namespace sc::otp {

// ---- requests (customer -> bank) ----

// REQUEST account=<acct> amount=<d.dd> currency=<XXX> payee="<text>"
struct OtpRequest {
  TransactionDetails details;
};
// CONFIRM txn=<id> code=<digits>
struct ConfirmRequest {
  std::string transaction_id;
  std::string code;
};
struct HelpRequest {};
struct QuitRequest {};
struct MalformedLine {
  std::string sentence;  // why the line was refused, without the "ERROR " prefix
};

using BankRequest =
    std::variant<OtpRequest, ConfirmRequest, HelpRequest, QuitRequest, MalformedLine>;

// Command words are case-insensitive ("request" works too, which matters under openssl
// s_client, where a line starting with "R" or "Q" is taken as a command unless -nocommands).
BankRequest parse_request(std::string_view line);

// "250" / "250.5" / "250.00" -> 25000; positive, at most 2 decimals, below 10^9 units.
// Returns false (and leaves amount_minor alone) when the text is not such an amount.
bool parse_amount(std::string_view text, std::int64_t& amount_minor);

// Quotes a value for the key=value syntax: ACME "Ltd" -> "ACME \"Ltd\"".
std::string quote_value(std::string_view value);

std::string format_request(const OtpRequest& request);
std::string format_request(const ConfirmRequest& request);

// ---- answers (bank -> customer) ----

struct OtpIssuedAnswer {
  std::string transaction_id;
  std::string code;
  unsigned expires_in = 0;  // seconds
  std::string expires_at;   // ISO 8601 UTC
};
struct AcceptedAnswer {
  std::string transaction_id;
};
struct RejectedAnswer {
  std::string transaction_id;
  std::string reason;  // unknown-transaction, wrong-code, expired, locked, already-used,
                       // wrong-customer
  unsigned attempts_left = 0;
};
struct ErrorAnswer {
  std::string sentence;
};
struct HelpAnswer {
  std::string text;
};
struct ByeAnswer {};

using BankAnswer = std::variant<OtpIssuedAnswer, AcceptedAnswer, RejectedAnswer, ErrorAnswer,
                                HelpAnswer, ByeAnswer, MalformedLine>;

BankAnswer parse_answer(std::string_view line);

std::string format_otp_issued(const IssuedOtp& issued, std::chrono::system_clock::time_point now);
std::string format_confirmation(const std::string& transaction_id, const Confirmation& result);
std::string format_error(std::string_view sentence);
std::string help_text();  // the whole HELP answer line
inline constexpr std::string_view kByeLine = "BYE";

}  // namespace sc::otp
