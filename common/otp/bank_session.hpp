#pragma once
// One customer's conversation with the bank, sans-IO: bytes (or lines) in, answer lines out.
// The transport (net/, bank_server/) authenticates the customer's certificate and passes its
// identity with every call; it writes each answer followed by "\n" and closes the channel once
// closed() is true.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/otp/bank_protocol.hpp"
#include "common/otp/line_assembler.hpp"
#include "common/otp/otp_store.hpp"

namespace sc::otp {

struct CustomerIdentity {
  std::string fingerprint;  // SHA-256 of the customer certificate (DER), lower-case hex
  std::string subject;      // one line, for logs: "CN=alice,O=Customers"
};

class BankSession {
 public:
  // Consecutive malformed lines after which the bank gives up on the session.
  static constexpr unsigned kMaxConsecutiveErrors = 16;

  explicit BankSession(OtpStore& store) : store_(store) {}

  // Answers for every complete line in data (without "\n"). Once closed(), further bytes are
  // ignored and nothing more is answered.
  std::vector<std::string> on_bytes(ByteView data, const CustomerIdentity& who);

  // The answer to one line (without its "\n").
  std::string handle_line(std::string_view line, const CustomerIdentity& who);

  bool closed() const { return closed_; }

 private:
  std::string answer(const BankRequest& request, const CustomerIdentity& who);
  std::string answer_error(const std::string& sentence, const CustomerIdentity& who);

  OtpStore& store_;
  LineAssembler assembler_;
  unsigned consecutive_errors_ = 0;
  bool closed_ = false;
};

}  // namespace sc::otp
