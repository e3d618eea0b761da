#pragma once
// Alerts (RFC 8446 section 6) and the error type every protocol failure is carried by.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sc::tls {

enum class AlertLevel : std::uint8_t { warning = 1, fatal = 2 };

enum class AlertDescription : std::uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  record_overflow = 22,
  handshake_failure = 40,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,
  user_canceled = 90,
  missing_extension = 109,
  unsupported_extension = 110,
  unrecognized_name = 112,
  bad_certificate_status_response = 113,
  unknown_psk_identity = 115,
  certificate_required = 116,
  no_application_protocol = 120,
};

const char* alert_name(AlertDescription description);  // "bad_record_mac", ...

// A fatal protocol failure: the alert to send and a sentence for the logs and the user,
// e.g. {unexpected_message, "expected CertificateVerify, got Finished"}.
class ProtocolError : public std::runtime_error {
 public:
  ProtocolError(AlertDescription alert, const std::string& reason)
      : std::runtime_error(reason), alert_(alert) {}
  AlertDescription alert() const { return alert_; }

 private:
  AlertDescription alert_;
};

}  // namespace sc::tls
