#pragma once
// One customer channel's conversation with the bank, sans-IO: bytes (or lines) in, answer lines
// out; pushes to the customer's devices go through a DeviceLink. The transport (bank_server/)
// admits the customer (certificate chain, role, revocation) and builds the session with its
// identity; it writes each answer followed by "\n" and closes the channel once closed() is true.
//
// The protocol is docs/OTP_PROTOCOL.md (version 2): TRANSFER starts a transfer whose code is
// pushed to the customer's devices and never answered; SUBSCRIBE makes this channel a device;
// CONFIRM checks a code under the store's rules (PSD2 RTS art. 4 and 5); PING, HELP, QUIT.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/bytes.hpp"
#include "common/otp/bank_protocol.hpp"
#include "common/otp/line_assembler.hpp"
#include "common/otp/transaction_store.hpp"

namespace sc::otp {

struct CustomerIdentity {
  std::string fingerprint;  // the customer key (bank::customer_key: issuer and subject names)
  std::string subject;      // one line, for logs: "CN=alice,O=Customers"
};

struct SubscribeOutcome {
  std::size_t devices = 0;  // the customer's devices listening now, this one included
  std::size_t queued = 0;   // pending OTPs queued to this channel
};

// The bank's devices as one channel sees them (bank_server/ implements it over its
// DeviceDirectory). Lines are given without "\n".
class DeviceLink {
 public:
  virtual ~DeviceLink() = default;
  // This channel becomes one of the customer's devices; the customer's OTPs still pending are
  // queued to it at once.
  virtual SubscribeOutcome subscribe_this_channel() = 0;
  // Pushes an OTP line to every device of the customer (and to later subscribers until the
  // transaction is forgotten or expires); returns the number of devices now.
  virtual std::size_t push_otp(const std::string& customer, const std::string& transaction_id,
                               const std::string& line, TimePoint expires) = 0;
  // Any other push (WARNING, BLOCKED), to the devices listening now.
  virtual std::size_t push(const std::string& customer, const std::string& line) = 0;
  // The transaction is finished: its code leaves the bank's memory.
  virtual void forget(const std::string& transaction_id) = 0;
};

class BankSession {
 public:
  // Consecutive malformed lines after which the bank gives up on the session.
  static constexpr unsigned kMaxConsecutiveErrors = 16;

  BankSession(TransactionStore& store, DeviceLink& devices, CustomerIdentity customer);

  // Answers for every complete line in data (without "\n"). Once closed(), further bytes are
  // ignored and nothing more is answered.
  std::vector<std::string> on_bytes(ByteView data);

  // The answer to one line (without its "\n").
  std::string handle_line(std::string_view line);

  bool closed() const { return closed_; }
  bool subscribed() const { return subscribed_; }
  const CustomerIdentity& customer() const { return customer_; }

 private:
  std::string answer(const BankRequest& request);
  std::string answer_error(const std::string& sentence);
  std::string start_transfer(const TransferRequest& request);
  std::string confirm(const ConfirmRequest& request);
  std::string subscribe();

  TransactionStore& store_;
  DeviceLink& devices_;
  CustomerIdentity customer_;
  LineAssembler assembler_;
  unsigned consecutive_errors_ = 0;
  bool subscribed_ = false;
  bool closed_ = false;
};

// What a store outcome is called on the wire.
RejectionReason rejection_reason_for(ConfirmOutcome outcome);

}  // namespace sc::otp
