// --json: every event is one valid JSON object whatever the payee holds.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "client/json_event.hpp"

using namespace sc;
using namespace sc::customer;

TEST_CASE("json_escape escapes quotes, backslashes and control characters", "[client][json]") {
  CHECK(json_escape("plain") == "plain");
  CHECK(json_escape("a\"b\\c") == "a\\\"b\\\\c");
  CHECK(json_escape("line\nbreak\ttab\r") == "line\\nbreak\\ttab\\r");
  CHECK(json_escape(std::string("\0\x01\x1f\x7f", 4)) == "\\u0000\\u0001\\u001f\\u007f");
  for (int c = 0; c < 0x20; ++c) {
    const std::string text(1, static_cast<char>(c));
    const auto parsed = nlohmann::json::parse("\"" + json_escape(text) + "\"");
    CHECK(parsed.get<std::string>() == text);
  }
}

TEST_CASE("an OTP event is one JSON object with every detail", "[client][json]") {
  otp::OtpPush push;
  push.transaction_id = "T1";
  push.code = "012345";
  push.details.account = "DE89370400440532013000";
  push.details.amount_minor = 12345;
  push.details.currency = "EUR";
  push.details.payee = "x\"; touch /tmp/p; echo \\\"}";
  push.expires_in = 90;
  push.expires_at = "2026-11-23T10:00:00Z";
  const std::string line = otp_event_json(push);
  CHECK(line.find('\n') == std::string::npos);
  const auto json = nlohmann::json::parse(line);
  CHECK(json["event"] == "otp");
  CHECK(json["transaction"] == "T1");
  CHECK(json["code"] == "012345");
  CHECK(json["account"] == "DE89370400440532013000");
  CHECK(json["amount"] == "123.45");
  CHECK(json["currency"] == "EUR");
  CHECK(json["payee"] == push.details.payee);
  CHECK(json["expires_in"] == 90);
  CHECK(json["expires_at"] == "2026-11-23T10:00:00Z");
  CHECK_THAT(json["text"].get<std::string>(), Catch::Contains("012345"));
}

TEST_CASE("warning and blocked events are JSON objects", "[client][json]") {
  const auto warning =
      nlohmann::json::parse(warning_event_json({otp::WarningReason::LastAttempt, 1}));
  CHECK(warning["event"] == "warning");
  CHECK(warning["reason"] == "last-attempt");
  CHECK(warning["attempts_left"] == 1);
  const auto blocked = nlohmann::json::parse(blocked_event_json({"2026-11-23T08:15:00Z"}));
  CHECK(blocked["event"] == "blocked");
  CHECK(blocked["until"] == "2026-11-23T08:15:00Z");
  const auto built = nlohmann::json::parse(
      JsonObject().add("event", "reconnecting").add("attempt", 3u).add("flag", true).text());
  CHECK(built["attempt"] == 3);
  CHECK(built["flag"] == true);
}
