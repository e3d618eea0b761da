#pragma once
// The bank's line protocol, version 2 (docs/OTP_PROTOCOL.md), sans-IO. A customer's channel
// carries requests (customer -> bank), one answer per request, and - once the channel has
// sent SUBSCRIBE and so counts as one of the customer's devices - pushes the bank sends on its
// own: the OTP for a transfer started on any channel, a warning before the customer is
// blocked, the block itself. The first word of a line tells answers and pushes apart.
//
// Parsers for both sides and the formatters that produce exactly what they parse. Nothing here
// throws on hostile input: a line that does not parse becomes MalformedLine with a sentence
// meant for the person or program on the other end. Formatters expect values that keep the
// field rules (the parsers enforce them); a value that comes from a person should be checked by
// parsing the formatted line before it is sent.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/otp/transaction_details.hpp"

namespace sc::otp {

struct MalformedLine {
  std::string sentence;  // why the line was refused, without the "ERROR " prefix
};

// ---- requests (customer -> bank) ----

// TRANSFER account=<acct> amount=<d.dd> currency=<XXX> payee="<text>" (REQUEST: a synonym)
struct TransferRequest {
  TransactionDetails details;
};
// CONFIRM txn=<id> code=<digits>
struct ConfirmRequest {
  std::string transaction_id;
  std::string code;
};
// SUBSCRIBE: this channel is a device of the customer; pushes come to it.
struct SubscribeRequest {};
// PING: keepalive, answered with PONG.
struct PingRequest {};
struct HelpRequest {};
struct QuitRequest {};

using BankRequest = std::variant<TransferRequest, ConfirmRequest, SubscribeRequest, PingRequest,
                                 HelpRequest, QuitRequest, MalformedLine>;

// Command words are case-insensitive ("transfer" works too, which matters under openssl
// s_client, where a line starting with "R" or "Q" is taken as a command unless -nocommands).
BankRequest parse_request(std::string_view line);

std::string format_request(const TransferRequest& request);
std::string format_request(const ConfirmRequest& request);
std::string format_request(const SubscribeRequest& request);
std::string format_request(const PingRequest& request);
std::string format_request(const HelpRequest& request);
std::string format_request(const QuitRequest& request);

// ---- answers (bank -> customer, one per request) ----

// TRANSFER txn=<id> devices=<n> expires_in=<s> expires_at=<ISO 8601 UTC>: the transfer is
// pending and its code went to n devices of the customer. The code is never in this answer.
struct TransferStartedAnswer {
  std::string transaction_id;
  unsigned devices = 0;
  unsigned expires_in = 0;  // seconds
  std::string expires_at;   // "2026-11-23T07:45:09Z"
};
// ACCEPTED txn=<id>
struct AcceptedAnswer {
  std::string transaction_id;
};

enum class RejectionReason { WrongCode, Expired, Locked, AlreadyUsed, UnknownTransaction, Blocked };
const char* rejection_reason_name(RejectionReason reason);  // "wrong-code", ...
std::optional<RejectionReason> parse_rejection_reason(std::string_view name);

// REJECTED txn=<id> reason=<reason> attempts_left=<n> customer_attempts_left=<n>
//          [blocked_until=<ISO>]  (blocked_until exactly when reason=blocked)
struct RejectedAnswer {
  std::string transaction_id;
  RejectionReason reason = RejectionReason::UnknownTransaction;
  unsigned attempts_left = 0;           // wrong codes left before this transaction locks
  unsigned customer_attempts_left = 0;  // wrong codes left before the customer is blocked
  std::string blocked_until;            // ISO 8601 UTC when reason == Blocked, else empty
};
// SUBSCRIBED devices=<n> pending=<n>: n devices now listening (this one included), and how many
// of the customer's transfers are pending.
struct SubscribedAnswer {
  unsigned devices = 0;
  unsigned pending = 0;
};
struct PongAnswer {};
struct ErrorAnswer {
  std::string sentence;
};
struct HelpAnswer {
  std::string text;
};
struct ByeAnswer {};

// ---- pushes (bank -> subscribed channels, unsolicited) ----

// OTP txn=<id> code=<digits> account=<acct> amount=<d.dd> currency=<XXX> payee="<text>"
//     expires_in=<s> expires_at=<ISO>
struct OtpPush {
  std::string transaction_id;
  std::string code;
  TransactionDetails details;
  unsigned expires_in = 0;
  std::string expires_at;
};

enum class WarningReason { LastAttempt };
const char* warning_reason_name(WarningReason reason);  // "last-attempt"

// WARNING reason=last-attempt attempts_left=<n>: one more wrong code blocks the customer.
struct WarningPush {
  WarningReason reason = WarningReason::LastAttempt;
  unsigned attempts_left = 0;
};
// BLOCKED until=<ISO>: the customer may not confirm any code until then.
struct BlockedPush {
  std::string until;
};

using BankAnswer = std::variant<TransferStartedAnswer, AcceptedAnswer, RejectedAnswer,
                                SubscribedAnswer, PongAnswer, ErrorAnswer, HelpAnswer, ByeAnswer,
                                OtpPush, WarningPush, BlockedPush, MalformedLine>;

// Answers and pushes alike (the client reads both from one channel). Answer words are
// upper-case exactly as the bank writes them.
BankAnswer parse_answer(std::string_view line);

// True for OtpPush, WarningPush and BlockedPush: lines the bank sent on its own, not an answer.
bool is_push(const BankAnswer& answer);

std::string format_transfer_started(const TransferStartedAnswer& answer);
std::string format_accepted(const AcceptedAnswer& answer);
std::string format_rejected(const RejectedAnswer& answer);
std::string format_subscribed(const SubscribedAnswer& answer);
std::string format_otp_push(const OtpPush& push);
std::string format_warning(const WarningPush& push);
std::string format_blocked(const BlockedPush& push);
std::string format_error(std::string_view sentence);
std::string help_text();  // the whole HELP answer line
inline constexpr std::string_view kPongLine = "PONG";
inline constexpr std::string_view kByeLine = "BYE";

// ---- field helpers ----

// "250" / "250.5" / "250.00" -> 25000; positive, at most 2 decimals, below 10^9 units.
// Returns false (and leaves amount_minor alone) when the text is not such an amount.
bool parse_amount(std::string_view text, std::int64_t& amount_minor);

// Quotes a value for the key=value syntax: ACME "Ltd" -> "ACME \"Ltd\"".
std::string quote_value(std::string_view value);

// "2026-11-23T07:45:09Z": the only time format the protocol carries.
bool is_iso8601_utc(std::string_view text);

}  // namespace sc::otp
