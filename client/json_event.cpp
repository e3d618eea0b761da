#include "client/json_event.hpp"

#include <cstdio>

#include "client/otp_display.hpp"
#include "common/otp/audit_log.hpp"  // format_minor_units

namespace sc::customer {

std::string json_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '"':
        escaped += "\\\"";
        break;
      case '\\':
        escaped += "\\\\";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\r':
        escaped += "\\r";
        break;
      case '\t':
        escaped += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
          escaped += buffer;
        } else {
          escaped += c;
        }
    }
  }
  return escaped;
}

void JsonObject::add_key(std::string_view key) {
  if (!members_.empty()) members_ += ", ";
  members_ += "\"" + json_escape(key) + "\": ";
}

JsonObject& JsonObject::add(std::string_view key, std::string_view value) {
  add_key(key);
  members_ += "\"" + json_escape(value) + "\"";
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, std::int64_t value) {
  add_key(key);
  members_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::add(std::string_view key, bool value) {
  add_key(key);
  members_ += value ? "true" : "false";
  return *this;
}

std::string otp_event_json(const otp::OtpPush& push) {
  return JsonObject()
      .add("event", "otp")
      .add("transaction", push.transaction_id)
      .add("code", push.code)
      .add("account", push.details.account)
      .add("amount", otp::format_minor_units(push.details.amount_minor))
      .add("currency", push.details.currency)
      .add("payee", push.details.payee)
      .add("expires_in", push.expires_in)
      .add("expires_at", push.expires_at)
      .add("text", describe_otp(push))
      .text();
}

std::string warning_event_json(const otp::WarningPush& push) {
  return JsonObject()
      .add("event", "warning")
      .add("reason", otp::warning_reason_name(push.reason))
      .add("attempts_left", push.attempts_left)
      .add("text", describe_warning(push))
      .text();
}

std::string blocked_event_json(const otp::BlockedPush& push) {
  return JsonObject()
      .add("event", "blocked")
      .add("until", push.until)
      .add("text", describe_blocked(push))
      .text();
}

}  // namespace sc::customer
