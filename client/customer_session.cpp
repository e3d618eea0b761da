#include "client/customer_session.hpp"

#include <variant>

#include "common/otp/bank_protocol.hpp"

namespace sc::customer {
namespace {

[[noreturn]] void throw_unexpected(const std::string& line, const otp::BankAnswer& answer) {
  if (const auto* error = std::get_if<otp::ErrorAnswer>(&answer)) throw BankError(error->sentence);
  throw BankError("unexpected answer from the bank: \"" + line.substr(0, 200) + "\"");
}

}  // namespace

net::asio::awaitable<std::string> CustomerSession::exchange(const std::string& line) {
  co_await channel_.send_line(line);
  auto answer = co_await channel_.read_line();
  if (!answer) throw BankClosedChannel();
  co_return *answer;
}

net::asio::awaitable<OtpDelivery> CustomerSession::request_otp(const Transaction& transaction) {
  std::string line = co_await exchange(
      "REQUEST account=" + transaction.account + " amount=" + transaction.amount +
      " currency=" + transaction.currency + " payee=" + otp::quote_value(transaction.payee));
  otp::BankAnswer answer = otp::parse_answer(line);
  const auto* issued = std::get_if<otp::OtpIssuedAnswer>(&answer);
  if (issued == nullptr) throw_unexpected(line, answer);
  co_return OtpDelivery{issued->transaction_id, issued->code, issued->expires_at,
                        issued->expires_in};
}

net::asio::awaitable<Confirmation> CustomerSession::confirm(const std::string& transaction_id,
                                                            const std::string& code) {
  std::string line = co_await exchange("CONFIRM txn=" + transaction_id + " code=" + code);
  otp::BankAnswer answer = otp::parse_answer(line);
  if (std::holds_alternative<otp::AcceptedAnswer>(answer)) co_return Confirmation{true, "", ""};
  if (const auto* rejected = std::get_if<otp::RejectedAnswer>(&answer)) {
    co_return Confirmation{false, rejected->reason, std::to_string(rejected->attempts_left)};
  }
  throw_unexpected(line, answer);
}

net::asio::awaitable<void> CustomerSession::quit() {
  try {
    co_await channel_.send_line("QUIT");
    co_await channel_.read_line();  // BYE
  } catch (const std::exception&) {
    // The bank may already have closed; quitting is best effort.
  }
}

}  // namespace sc::customer
