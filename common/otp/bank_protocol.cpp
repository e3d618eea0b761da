#include "common/otp/bank_protocol.hpp"

#include "common/otp/audit_log.hpp"  // format_minor_units, iso8601_utc
#include "common/otp/audit_log.hpp"  // iso8601_utc, format_minor_units

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

namespace sc::otp {
namespace {

constexpr std::size_t kMaxKeyLength = 32;
constexpr std::size_t kMaxTransactionIdLength = 64;
constexpr std::size_t kMaxAccountLength = 34;             // the longest IBAN
constexpr std::size_t kMaxPayeeLength = 70;               // an ISO 20022 / SEPA name
constexpr std::int64_t kMaxAmountMinor = 99'999'999'999;  // 999,999,999.99

// Thrown inside this file only; every public function turns it into MalformedLine.
struct Refusal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string hex_byte(unsigned char c) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[c >> 4] + digits[c & 0x0f];
}

// Only printable ASCII travels in this protocol.
void require_printable(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x20 || c > 0x7e) {
      throw Refusal("the line contains a byte that is not printable ASCII (" + hex_byte(c) +
                    " at position " + std::to_string(i + 1) + ")");
    }
  }
}

std::string upper(std::string_view word) {
  std::string result(word);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

std::string shown(std::string_view text) {
  return text.size() <= 40 ? std::string(text) : std::string(text.substr(0, 40)) + "...";
}

using Fields = std::map<std::string, std::string>;

// key=value pairs separated by spaces; a value is bare (no space, quote or backslash) or quoted
// with \" and \\ as its only escapes.
Fields parse_fields(std::string_view text) {
  Fields fields;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) return fields;
    const std::size_t key_start = i;
    while (i < text.size() &&
           (std::islower(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
      ++i;
    }
    const std::string_view key = text.substr(key_start, i - key_start);
    if (key.empty() || i == text.size() || text[i] != '=') {
      throw Refusal("expected key=value, found \"" + shown(text.substr(key_start)) + "\"");
    }
    if (key.size() > kMaxKeyLength) throw Refusal("the key \"" + shown(key) + "\" is too long");
    ++i;  // '='
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i == text.size() || (text[i] != '"' && text[i] != '\\')) {
            throw Refusal("in the value of " + std::string(key) +
                          ", a backslash may only escape \" or \\");
          }
          value.push_back(text[i++]);
        } else {
          value.push_back(c);
        }
      }
      if (!closed) throw Refusal("the quoted value of " + std::string(key) + " is not closed");
      if (i < text.size() && text[i] != ' ') {
        throw Refusal("expected a space after the quoted value of " + std::string(key));
      }
    } else {
      while (i < text.size() && text[i] != ' ') {
        if (text[i] == '"' || text[i] == '\\') {
          throw Refusal("the value of " + std::string(key) +
                        " has a quote or backslash; quote the whole value instead");
        }
        value.push_back(text[i++]);
      }
    }
    if (!fields.emplace(std::string(key), std::move(value)).second) {
      throw Refusal(std::string(key) + " is given twice");
    }
  }
}

// Takes the keys a command expects out of the fields; anything left over is refused.
class FieldReader {
 public:
  FieldReader(Fields fields, std::string command)
      : fields_(std::move(fields)), command_(std::move(command)) {}

  std::string take(const std::string& key) {
    auto it = fields_.find(key);
    if (it == fields_.end()) throw Refusal(command_ + " needs " + key + "=");
    std::string value = std::move(it->second);
    fields_.erase(it);
    return value;
  }

  void finish() const {
    if (!fields_.empty()) {
      throw Refusal(command_ + " does not take " + fields_.begin()->first + "=");
    }
  }

 private:
  Fields fields_;
  std::string command_;
};

bool all_of(std::string_view text, int (*predicate)(int)) {
  return std::all_of(text.begin(), text.end(),
                     [&](char c) { return predicate(static_cast<unsigned char>(c)) != 0; });
}

int is_account_char(int c) {
  return (std::isalnum(c) != 0 || c == '-') ? 1 : 0;
}

std::string checked_account(std::string value) {
  if (value.empty() || value.size() > kMaxAccountLength || !all_of(value, is_account_char)) {
    throw Refusal("account must be 1 to 34 letters, digits or '-'");
  }
  return value;
}

std::string checked_currency(std::string value) {
  if (value.size() != 3 || !all_of(value, [](int c) { return std::isupper(c); })) {
    throw Refusal("currency must be three upper-case letters (ISO 4217), such as EUR");
  }
  return value;
}

std::string checked_payee(std::string value) {
  // Printable ASCII was checked for the whole line; only the length is left.
  if (value.empty() || value.size() > kMaxPayeeLength) {
    throw Refusal("payee must be 1 to 70 printable characters");
  }
  return value;
}

std::string checked_transaction_id(std::string value) {
  if (value.empty() || value.size() > kMaxTransactionIdLength ||
      !all_of(value, [](int c) { return std::isalnum(c); })) {
    throw Refusal("txn must be the transaction id the bank gave (letters and digits)");
  }
  return value;
}

std::string checked_code(std::string value) {
  if (value.size() < 6 || value.size() > 8 ||
      !all_of(value, [](int c) { return std::isdigit(c); })) {
    throw Refusal("code must be the 6 to 8 digits the bank gave");
  }
  return value;
}

unsigned checked_unsigned(const std::string& value, const std::string& key) {
  unsigned result = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
    throw Refusal(key + " must be a whole number");
  }
  return result;
}

std::string checked_iso8601(std::string value, const std::string& key) {
  if (!is_iso8601_utc(value)) {
    throw Refusal(key + " must be a UTC time such as 2026-11-23T07:45:09Z");
  }
  return value;
}

TransactionDetails take_details(FieldReader& reader) {
  TransactionDetails details;
  details.account = checked_account(reader.take("account"));
  const std::string amount = reader.take("amount");
  if (!parse_amount(amount, details.amount_minor)) {
    throw Refusal("amount must be a positive number with at most 2 decimals, below 1000000000");
  }
  details.currency = checked_currency(reader.take("currency"));
  details.payee = checked_payee(reader.take("payee"));
  return details;
}

std::string details_fields(const TransactionDetails& details) {
  return "account=" + details.account + " amount=" + format_minor_units(details.amount_minor) +
         " currency=" + details.currency + " payee=" + quote_value(details.payee);
}

void require_no_arguments(const std::string& command, std::string_view rest) {
  if (rest.find_first_not_of(' ') != std::string_view::npos) {
    throw Refusal(command + " takes no arguments");
  }
}

// Splits "WORD rest" at the first space.
std::pair<std::string, std::string_view> split_command(std::string_view line) {
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return {upper(line), {}};
  return {upper(line.substr(0, space)), line.substr(space + 1)};
}

BankRequest parse_request_or_throw(std::string_view line) {
  if (line.empty()) throw Refusal("empty line; type HELP for the commands");
  require_printable(line);
  const auto [command, rest] = split_command(line);
  if (command == "TRANSFER" || command == "REQUEST") {
    FieldReader reader(parse_fields(rest), command);
    TransferRequest request{take_details(reader)};
    reader.finish();
    return request;
  }
  if (command == "CONFIRM") {
    FieldReader reader(parse_fields(rest), command);
    ConfirmRequest request;
    request.transaction_id = checked_transaction_id(reader.take("txn"));
    request.code = checked_code(reader.take("code"));
    reader.finish();
    return request;
  }
  if (command == "SUBSCRIBE" || command == "PING" || command == "HELP" || command == "QUIT") {
    require_no_arguments(command, rest);
    if (command == "SUBSCRIBE") return SubscribeRequest{};
    if (command == "PING") return PingRequest{};
    if (command == "HELP") return HelpRequest{};
    return QuitRequest{};
  }
  if (command.empty()) throw Refusal("the line starts with a space; type HELP for the commands");
  throw Refusal("unknown command \"" + shown(command) + "\"; type HELP for the commands");
}

RejectedAnswer take_rejected(FieldReader& reader) {
  RejectedAnswer answer;
  answer.transaction_id = checked_transaction_id(reader.take("txn"));
  const std::string reason = reader.take("reason");
  const auto parsed = parse_rejection_reason(reason);
  if (!parsed) throw Refusal("REJECTED has an unknown reason \"" + shown(reason) + "\"");
  answer.reason = *parsed;
  answer.attempts_left = checked_unsigned(reader.take("attempts_left"), "attempts_left");
  answer.customer_attempts_left =
      checked_unsigned(reader.take("customer_attempts_left"), "customer_attempts_left");
  if (answer.reason == RejectionReason::Blocked) {
    answer.blocked_until = checked_iso8601(reader.take("blocked_until"), "blocked_until");
  }
  return answer;
}

BankAnswer parse_fielded_answer(const std::string& word, std::string_view rest) {
  FieldReader reader(parse_fields(rest), word);
  BankAnswer answer;
  if (word == "TRANSFER") {
    TransferStartedAnswer started;
    started.transaction_id = checked_transaction_id(reader.take("txn"));
    started.devices = checked_unsigned(reader.take("devices"), "devices");
    started.expires_in = checked_unsigned(reader.take("expires_in"), "expires_in");
    started.expires_at = checked_iso8601(reader.take("expires_at"), "expires_at");
    answer = std::move(started);
  } else if (word == "ACCEPTED") {
    answer = AcceptedAnswer{checked_transaction_id(reader.take("txn"))};
  } else if (word == "REJECTED") {
    answer = take_rejected(reader);
  } else if (word == "SUBSCRIBED") {
    SubscribedAnswer subscribed;
    subscribed.devices = checked_unsigned(reader.take("devices"), "devices");
    subscribed.pending = checked_unsigned(reader.take("pending"), "pending");
    answer = subscribed;
  } else if (word == "OTP") {
    OtpPush push;
    push.transaction_id = checked_transaction_id(reader.take("txn"));
    push.code = checked_code(reader.take("code"));
    push.details = take_details(reader);
    push.expires_in = checked_unsigned(reader.take("expires_in"), "expires_in");
    push.expires_at = checked_iso8601(reader.take("expires_at"), "expires_at");
    answer = std::move(push);
  } else if (word == "WARNING") {
    const std::string reason = reader.take("reason");
    if (reason != warning_reason_name(WarningReason::LastAttempt)) {
      throw Refusal("WARNING has an unknown reason \"" + shown(reason) + "\"");
    }
    answer = WarningPush{WarningReason::LastAttempt,
                         checked_unsigned(reader.take("attempts_left"), "attempts_left")};
  } else {  // BLOCKED
    answer = BlockedPush{checked_iso8601(reader.take("until"), "until")};
  }
  reader.finish();
  return answer;
}

BankAnswer parse_answer_or_throw(std::string_view line) {
  if (line.empty()) throw Refusal("the bank sent an empty line");
  require_printable(line);
  const std::size_t space = line.find(' ');
  const std::string word(line.substr(0, space));
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  if (word == "ERROR") return ErrorAnswer{std::string(rest)};
  if (word == "HELP") return HelpAnswer{std::string(rest)};
  if (word == "BYE" && space == std::string_view::npos) return ByeAnswer{};
  if (word == "PONG" && space == std::string_view::npos) return PongAnswer{};
  if (word == "TRANSFER" || word == "ACCEPTED" || word == "REJECTED" || word == "SUBSCRIBED" ||
      word == "OTP" || word == "WARNING" || word == "BLOCKED") {
    return parse_fielded_answer(word, rest);
  }
  throw Refusal("the bank sent a line this client does not know: \"" + shown(line) + "\"");
}

std::string unsigned_text(unsigned value) {
  return std::to_string(value);
}

}  // namespace

bool parse_amount(std::string_view text, std::int64_t& amount_minor) {
  const std::size_t dot = text.find('.');
  const std::string_view units = text.substr(0, dot);
  const std::string_view decimals =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  const auto digits_only = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  };
  if (units.empty() || units.size() > 9 || !digits_only(units)) return false;
  if (units.size() > 1 && units.front() == '0') return false;  // no leading zeros
  if (dot != std::string_view::npos && (decimals.empty() || decimals.size() > 2)) return false;
  if (!digits_only(decimals)) return false;
  std::int64_t value = 0;
  for (const char c : units) value = value * 10 + (c - '0');
  std::int64_t cents = 0;
  for (std::size_t i = 0; i < 2; ++i)
    cents = cents * 10 + (i < decimals.size() ? decimals[i] - '0' : 0);
  value = value * 100 + cents;
  if (value <= 0 || value > kMaxAmountMinor) return false;
  amount_minor = value;
  return true;
}

BankRequest parse_request(std::string_view line) {
  try {
    return parse_request_or_throw(line);
  } catch (const Refusal& refusal) {
    return MalformedLine{refusal.what()};
  }
}

BankAnswer parse_answer(std::string_view line) {
  try {
    return parse_answer_or_throw(line);
  } catch (const Refusal& refusal) {
    return MalformedLine{refusal.what()};
  }
}

std::string quote_value(std::string_view value) {
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

bool is_iso8601_utc(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SSZ
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:ddZ";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(text[i])) != 0;
    if (kShape[i] == 'd' ? !digit : text[i] != kShape[i]) return false;
  }
  return true;
}

const char* rejection_reason_name(RejectionReason reason) {
  switch (reason) {
    case RejectionReason::WrongCode:
      return "wrong-code";
    case RejectionReason::Expired:
      return "expired";
    case RejectionReason::Locked:
      return "locked";
    case RejectionReason::AlreadyUsed:
      return "already-used";
    case RejectionReason::UnknownTransaction:
      return "unknown-transaction";
    case RejectionReason::Blocked:
      return "blocked";
  }
  return "unknown-transaction";
}

std::optional<RejectionReason> parse_rejection_reason(std::string_view name) {
  for (const RejectionReason reason :
       {RejectionReason::WrongCode, RejectionReason::Expired, RejectionReason::Locked,
        RejectionReason::AlreadyUsed, RejectionReason::UnknownTransaction,
        RejectionReason::Blocked}) {
    if (name == rejection_reason_name(reason)) return reason;
  }
  return std::nullopt;
}

const char* warning_reason_name(WarningReason reason) {
  switch (reason) {
    case WarningReason::LastAttempt:
      return "last-attempt";
  }
  return "last-attempt";
}

bool is_push(const BankAnswer& answer) {
  return std::holds_alternative<OtpPush>(answer) || std::holds_alternative<WarningPush>(answer) ||
         std::holds_alternative<BlockedPush>(answer);
}

std::string format_request(const TransferRequest& request) {
  return "TRANSFER " + details_fields(request.details);
}

std::string format_request(const ConfirmRequest& request) {
  return "CONFIRM txn=" + request.transaction_id + " code=" + request.code;
}

std::string format_request(const SubscribeRequest&) {
  return "SUBSCRIBE";
}

std::string format_request(const PingRequest&) {
  return "PING";
}

std::string format_request(const HelpRequest&) {
  return "HELP";
}

std::string format_request(const QuitRequest&) {
  return "QUIT";
}

std::string format_transfer_started(const TransferStartedAnswer& answer) {
  return "TRANSFER txn=" + answer.transaction_id + " devices=" + unsigned_text(answer.devices) +
         " expires_in=" + unsigned_text(answer.expires_in) + " expires_at=" + answer.expires_at;
}

std::string format_accepted(const AcceptedAnswer& answer) {
  return "ACCEPTED txn=" + answer.transaction_id;
}

std::string format_rejected(const RejectedAnswer& answer) {
  std::string line = "REJECTED txn=" + answer.transaction_id +
                     " reason=" + rejection_reason_name(answer.reason) +
                     " attempts_left=" + unsigned_text(answer.attempts_left) +
                     " customer_attempts_left=" + unsigned_text(answer.customer_attempts_left);
  if (answer.reason == RejectionReason::Blocked) line += " blocked_until=" + answer.blocked_until;
  return line;
}

std::string format_subscribed(const SubscribedAnswer& answer) {
  return "SUBSCRIBED devices=" + unsigned_text(answer.devices) +
         " pending=" + unsigned_text(answer.pending);
}

std::string format_otp_push(const OtpPush& push) {
  return "OTP txn=" + push.transaction_id + " code=" + push.code + " " +
         details_fields(push.details) + " expires_in=" + unsigned_text(push.expires_in) +
         " expires_at=" + push.expires_at;
}

std::string format_warning(const WarningPush& push) {
  return std::string("WARNING reason=") + warning_reason_name(push.reason) +
         " attempts_left=" + unsigned_text(push.attempts_left);
}

std::string format_blocked(const BlockedPush& push) {
  return "BLOCKED until=" + push.until;
}

std::string format_error(std::string_view sentence) {
  return "ERROR " + std::string(sentence);
}

std::string help_text() {
  return "HELP commands: TRANSFER account=<id> amount=<0.00> currency=<EUR> payee=\"<text>\" | "
         "CONFIRM txn=<id> code=<digits> | SUBSCRIBE (this channel receives your codes) | PING | "
         "HELP | QUIT";
}

}  // namespace sc::otp
