#pragma once
// The bank's side of a customer channel: lines in, answers out, through the OTP protocol
// (docs/OTP_PROTOCOL.md). One BankService serves every connection; the customer's identity is
// the certificate the handshake authenticated.
#include <memory>
#include <string>

#include "common/net/tls_stream.hpp"

namespace sc::bank {

struct BankServiceOptions {
  unsigned digits = 6;
  unsigned lifetime_seconds = 120;
  unsigned max_attempts = 3;
  std::string audit_log;
};

class BankService {
 public:
  explicit BankService(const BankServiceOptions& options);
  ~BankService();

  // Serves one customer until QUIT, close_notify, an error, or shutdown.
  net::asio::awaitable<void> serve(net::TlsStream& stream);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sc::bank
