#pragma once
// What a customer does on an established channel to the bank: request an OTP for a
// transaction, confirm a code. Each call is one request line and one answer line.
#include <optional>
#include <string>

#include "client/line_channel.hpp"

namespace sc::customer {

struct Transaction {
  std::string account;
  std::string amount;  // "250.00"
  std::string currency;
  std::string payee;
};

struct OtpDelivery {
  std::string transaction_id;
  std::string code;
  std::string expires_at;
  unsigned expires_in_seconds = 0;
};

struct Confirmation {
  bool accepted = false;
  std::string reason;  // when rejected: wrong-code, expired, locked, ...
  std::string attempts_left;
};

// The bank answered with ERROR, or with something this client does not understand.
class BankError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bank ended the channel (close_notify or a closed connection): nothing more can be sent.
class BankClosedChannel : public BankError {
 public:
  BankClosedChannel() : BankError("the bank closed the channel") {}
};

class CustomerSession {
 public:
  explicit CustomerSession(net::TlsStream& stream) : channel_(stream) {}

  net::asio::awaitable<OtpDelivery> request_otp(const Transaction& transaction);
  net::asio::awaitable<Confirmation> confirm(const std::string& transaction_id,
                                             const std::string& code);
  // Sends any line and returns the answer (interactive mode's raw commands).
  net::asio::awaitable<std::string> exchange(const std::string& line);
  net::asio::awaitable<void> quit();

 private:
  LineChannel channel_;
};

}  // namespace sc::customer
