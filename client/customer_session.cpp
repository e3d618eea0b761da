#include "client/customer_session.hpp"

#include <variant>

namespace sc::customer {
namespace {

[[noreturn]] void throw_unexpected(const std::string& line, const otp::BankAnswer& answer) {
  if (const auto* error = std::get_if<otp::ErrorAnswer>(&answer)) throw BankError(error->sentence);
  if (const auto* malformed = std::get_if<otp::MalformedLine>(&answer)) {
    throw BankError("unexpected answer from the bank: " + malformed->sentence);
  }
  throw BankError("unexpected answer from the bank: \"" + line.substr(0, 200) + "\"");
}

}  // namespace

net::asio::awaitable<std::string> CustomerSession::exchange(const std::string& line) {
  co_return co_await connection_.exchange(line, answer_timeout_);
}

net::asio::awaitable<otp::TransferStartedAnswer> CustomerSession::transfer(
    const otp::TransactionDetails& details) {
  // Requests are built before co_await: GCC 12 destroys temporaries of a co_await expression
  // twice when they hold an aggregate (GCC PR 100611), so none may appear in one.
  const otp::TransferRequest request{details};
  const std::string request_line = otp::format_request(request);
  const std::string line = co_await exchange(request_line);
  const otp::BankAnswer answer = otp::parse_answer(line);
  const auto* started = std::get_if<otp::TransferStartedAnswer>(&answer);
  if (started == nullptr) throw_unexpected(line, answer);
  co_return *started;
}

net::asio::awaitable<ConfirmResult> CustomerSession::confirm(const std::string& transaction_id,
                                                             const std::string& code) {
  const otp::ConfirmRequest request{transaction_id, code};
  const std::string request_line = otp::format_request(request);
  const std::string line = co_await exchange(request_line);
  const otp::BankAnswer answer = otp::parse_answer(line);
  if (std::holds_alternative<otp::AcceptedAnswer>(answer)) co_return ConfirmResult{true, {}};
  if (const auto* rejected = std::get_if<otp::RejectedAnswer>(&answer)) {
    co_return ConfirmResult{false, *rejected};
  }
  throw_unexpected(line, answer);
}

net::asio::awaitable<otp::SubscribedAnswer> CustomerSession::subscribe() {
  const std::string request_line = otp::format_request(otp::SubscribeRequest{});
  const std::string line = co_await exchange(request_line);
  const otp::BankAnswer answer = otp::parse_answer(line);
  const auto* subscribed = std::get_if<otp::SubscribedAnswer>(&answer);
  if (subscribed == nullptr) throw_unexpected(line, answer);
  co_return *subscribed;
}

net::asio::awaitable<void> CustomerSession::quit() {
  try {
    const std::string request_line = otp::format_request(otp::QuitRequest{});
    co_await connection_.send(request_line);
    co_await connection_.next_answer(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  } catch (const std::exception&) {
    // The bank may already have closed; quitting is best effort.
  }
}

}  // namespace sc::customer
