#pragma once
// --json: one JSON object per line on standard output, one line per event, for programs that
// watch the client (a phone notifier, a test). Keys and values are escaped per RFC 8259
// section 7: quotation mark, reverse solidus and the control characters U+0000-U+001F MUST be
// escaped.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/otp/bank_protocol.hpp"

namespace sc::customer {

std::string json_escape(std::string_view text);

// Builds {"key": "value", "n": 1} in the order the keys are added.
class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value);
  JsonObject& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, const std::string& value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, std::int64_t value);
  JsonObject& add(std::string_view key, unsigned value) {
    return add(key, static_cast<std::int64_t>(value));
  }
  JsonObject& add(std::string_view key, bool value);
  std::string text() const { return "{" + members_ + "}"; }

 private:
  void add_key(std::string_view key);
  std::string members_;
};

// {"event": "otp", "transaction": ..., "code": ..., "account": ..., "amount": "1000.00",
//  "currency": ..., "payee": ..., "expires_in": 120, "expires_at": ..., "text": <the sentence>}
std::string otp_event_json(const otp::OtpPush& push);
std::string warning_event_json(const otp::WarningPush& push);
std::string blocked_event_json(const otp::BlockedPush& push);

}  // namespace sc::customer
