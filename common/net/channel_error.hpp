#pragma once
// How a secure channel fails, as std::error_code plus a sentence:
//  - alert_category(): the value is the TLS alert description (ours or the peer's);
//  - channel_category(): failures that are not alerts (deadlines, truncation, shutdown,
//    eviction).
// ChannelError carries the code and the human sentence ("expected CertificateVerify, got
// Finished", "handshake with 127.0.0.1:40112 not complete 10 s after it connected").
#include <string>
#include <system_error>

#include "common/tls/alert.hpp"

namespace sc::net {

enum class ChannelFailure {
  handshake_timeout = 1,  // the handshake was not complete at its absolute deadline
  idle_timeout,           // no data from the peer for the idle time after the handshake
  truncated,              // the TCP connection ended without close_notify
  shutting_down,          // the local side is stopping
  connection_limit,       // refused: too many concurrent connections
  write_timeout,          // the peer did not read what we sent within the write deadline
  evicted,                // closed by the listener to make room (its handshake was pending)
};

const std::error_category& alert_category();
const std::error_category& channel_category();
std::error_code make_error_code(tls::AlertDescription alert);
std::error_code make_error_code(ChannelFailure failure);

enum class AlertOrigin { local, peer };

class ChannelError : public std::system_error {
 public:
  ChannelError(std::error_code code, const std::string& sentence)
      : std::system_error(code, sentence), sentence_(sentence) {}
  ChannelError(tls::AlertDescription alert, AlertOrigin origin, const std::string& sentence)
      : std::system_error(make_error_code(alert), sentence), origin_(origin), sentence_(sentence) {}
  // The sentence alone (std::system_error would append the code's name to it again).
  const char* what() const noexcept override { return sentence_.c_str(); }
  // For alert errors: whether we sent the alert or the peer did.
  AlertOrigin origin() const { return origin_; }
  bool is_alert() const { return code().category() == alert_category(); }

 private:
  AlertOrigin origin_ = AlertOrigin::local;
  std::string sentence_;
};

}  // namespace sc::net

template <>
struct std::is_error_code_enum<sc::net::ChannelFailure> : std::true_type {};
