#pragma once
// What a customer does on a channel to the bank: start a transfer (the code goes to the
// customer's devices, never into the answer), confirm a code, make the channel a device
// (SUBSCRIBE), keep it alive (PING). Each call is one request line and one answer line; every
// line is built by the protocol's formatters.
#include <chrono>
#include <string>

#include "client/bank_connection.hpp"
#include "common/otp/bank_protocol.hpp"

namespace sc::customer {

struct ConfirmResult {
  bool accepted = false;
  otp::RejectedAnswer rejection;  // when !accepted
};

class CustomerSession {
 public:
  static constexpr std::chrono::seconds kAnswerTimeout{30};

  explicit CustomerSession(BankConnection& connection,
                           std::chrono::steady_clock::duration answer_timeout = kAnswerTimeout)
      : connection_(connection), answer_timeout_(answer_timeout) {}

  net::asio::awaitable<otp::TransferStartedAnswer> transfer(const otp::TransactionDetails& details);
  net::asio::awaitable<ConfirmResult> confirm(const std::string& transaction_id,
                                              const std::string& code);
  net::asio::awaitable<otp::SubscribedAnswer> subscribe();
  // Sends any line and returns the answer (the shell's raw commands).
  net::asio::awaitable<std::string> exchange(const std::string& line);
  // QUIT, then the BYE; best effort (the bank may already be gone).
  net::asio::awaitable<void> quit();

 private:
  BankConnection& connection_;
  std::chrono::steady_clock::duration answer_timeout_;
};

}  // namespace sc::customer
