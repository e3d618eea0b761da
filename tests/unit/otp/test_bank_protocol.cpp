// The bank's line protocol, version 2: request parsing (every malformed field refused with a
// sentence), answer and push parsing for the client, formatter round trips, and line assembly.
#include <catch2/catch.hpp>

#include "common/otp/bank_protocol.hpp"
#include "common/otp/line_assembler.hpp"

using namespace sc;
using namespace sc::otp;

namespace {

std::string refusal(std::string_view line) {
  const BankRequest request = parse_request(line);
  const auto* malformed = std::get_if<MalformedLine>(&request);
  return malformed == nullptr ? std::string("<accepted>") : malformed->sentence;
}

const std::string kGoodTail = " currency=EUR payee=\"ACME Ltd\"";

}  // namespace

TEST_CASE("a REQUEST line (the v1 synonym of TRANSFER) parses into transaction details",
          "[protocol]") {
  const BankRequest request = parse_request(
      "REQUEST account=NL91-ABNA-0417 amount=250.00 currency=EUR payee=\"ACME \\\"Ltd\\\" \\\\ "
      "co\"");
  const auto* otp_request = std::get_if<TransferRequest>(&request);
  REQUIRE(otp_request != nullptr);
  CHECK(otp_request->details.account == "NL91-ABNA-0417");
  CHECK(otp_request->details.amount_minor == 25000);
  CHECK(otp_request->details.currency == "EUR");
  CHECK(otp_request->details.payee == "ACME \"Ltd\" \\ co");
}

TEST_CASE("REQUEST fields may come in any order, with extra spaces, and bare payees",
          "[protocol]") {
  const BankRequest request =
      parse_request("request  payee=Bob currency=USD   amount=7.5 account=X  ");
  const auto* otp_request = std::get_if<TransferRequest>(&request);
  REQUIRE(otp_request != nullptr);
  CHECK(otp_request->details.amount_minor == 750);
  CHECK(otp_request->details.payee == "Bob");
}

TEST_CASE("a TRANSFER line parses, in any case", "[protocol]") {
  for (const char* word : {"TRANSFER", "transfer", "Transfer"}) {
    CAPTURE(word);
    const BankRequest request =
        parse_request(std::string(word) + " account=DE89370400440532013000 amount=100000 " +
                      "currency=INR payee=\"your friend\"");
    const auto* transfer = std::get_if<TransferRequest>(&request);
    REQUIRE(transfer != nullptr);
    CHECK(transfer->details.account == "DE89370400440532013000");
    CHECK(transfer->details.amount_minor == 10000000);
    CHECK(transfer->details.currency == "INR");
    CHECK(transfer->details.payee == "your friend");
  }
}

TEST_CASE("CONFIRM, SUBSCRIBE, PING, HELP and QUIT parse", "[protocol]") {
  CHECK(std::holds_alternative<SubscribeRequest>(parse_request("SUBSCRIBE")));
  CHECK(std::holds_alternative<SubscribeRequest>(parse_request("subscribe  ")));
  CHECK(std::holds_alternative<PingRequest>(parse_request("PING")));
  CHECK(std::holds_alternative<PingRequest>(parse_request("ping")));
  const BankRequest confirm = parse_request("CONFIRM txn=T0123abcd code=012345");
  const auto* confirm_request = std::get_if<ConfirmRequest>(&confirm);
  REQUIRE(confirm_request != nullptr);
  CHECK(confirm_request->transaction_id == "T0123abcd");
  CHECK(confirm_request->code == "012345");
  CHECK(std::holds_alternative<HelpRequest>(parse_request("HELP")));
  CHECK(std::holds_alternative<HelpRequest>(parse_request("help ")));
  CHECK(std::holds_alternative<QuitRequest>(parse_request("QUIT")));
  CHECK(std::holds_alternative<QuitRequest>(parse_request("Quit")));
}

TEST_CASE("amounts: positive, at most two decimals, bounded", "[protocol]") {
  std::int64_t minor = -1;
  CHECK(parse_amount("250.00", minor));
  CHECK(minor == 25000);
  CHECK(parse_amount("0.01", minor));
  CHECK(minor == 1);
  CHECK(parse_amount("999999999.99", minor));
  CHECK(minor == 99999999999);
  CHECK(parse_amount("12", minor));
  CHECK(minor == 1200);
  for (const char* bad :
       {"", "0", "0.00", "-1.00", "+1.00", "1.", ".5", "1.234", "1e3", "1,00", "1000000000",
        "1000000000.00", "01.00", "1.0a", "0x10", " 1.00", "1..0", "99999999999999999999"}) {
    CAPTURE(bad);
    minor = -1;
    CHECK_FALSE(parse_amount(bad, minor));
    CHECK(minor == -1);
  }
}

TEST_CASE("each malformed REQUEST field is refused with a sentence", "[protocol]") {
  const std::string good_amount = " amount=1.00";
  // account
  CHECK_THAT(refusal("REQUEST account=" + std::string(35, 'A') + good_amount + kGoodTail),
             Catch::Contains("account"));
  CHECK_THAT(refusal("REQUEST account=NL_91" + good_amount + kGoodTail),
             Catch::Contains("account"));
  CHECK_THAT(refusal("REQUEST account=\"\"" + good_amount + kGoodTail), Catch::Contains("account"));
  CHECK_THAT(refusal("REQUEST account=\"A B\"" + good_amount + kGoodTail),
             Catch::Contains("account"));
  CHECK(refusal("REQUEST account=" + std::string(34, 'A') + good_amount + kGoodTail) ==
        "<accepted>");
  // amount
  CHECK_THAT(refusal("REQUEST account=A amount=1.001" + kGoodTail), Catch::Contains("amount"));
  CHECK_THAT(refusal("REQUEST account=A amount=-5" + kGoodTail), Catch::Contains("amount"));
  // currency
  for (const char* currency : {"eur", "EU", "EURO", "E1R", "\"\""}) {
    CAPTURE(currency);
    CHECK_THAT(refusal(std::string("REQUEST account=A amount=1 currency=") + currency + " payee=x"),
               Catch::Contains("currency"));
  }
  // payee
  CHECK_THAT(refusal("REQUEST account=A amount=1 currency=EUR payee=\"\""),
             Catch::Contains("payee"));
  CHECK_THAT(
      refusal("REQUEST account=A amount=1 currency=EUR payee=\"" + std::string(71, 'p') + "\""),
      Catch::Contains("payee"));
  CHECK(refusal("REQUEST account=A amount=1 currency=EUR payee=\"" + std::string(70, 'p') + "\"") ==
        "<accepted>");
  CHECK_THAT(refusal("REQUEST account=A amount=1 currency=EUR payee=\"ACME"),
             Catch::Contains("not closed"));
  CHECK_THAT(refusal("REQUEST account=A amount=1 currency=EUR payee=\"a\\nb\""),
             Catch::Contains("backslash"));
  CHECK_THAT(refusal("REQUEST account=A amount=1 currency=EUR payee=\"ACME\"x"),
             Catch::Contains("space after"));
  CHECK_THAT(refusal("REQUEST account=A amount=1 currency=EUR payee=AC\"ME"),
             Catch::Contains("quote"));
  // missing, repeated, unknown and shapeless fields
  CHECK_THAT(refusal("REQUEST account=A amount=1 currency=EUR"), Catch::Contains("needs payee="));
  CHECK_THAT(refusal("REQUEST"), Catch::Contains("needs account="));
  CHECK_THAT(refusal("REQUEST account=A account=B amount=1" + kGoodTail), Catch::Contains("twice"));
  CHECK_THAT(refusal("REQUEST account=A amount=1 memo=x" + kGoodTail),
             Catch::Contains("does not take memo="));
  CHECK_THAT(refusal("REQUEST account=A amount 1" + kGoodTail), Catch::Contains("key=value"));
  CHECK_THAT(refusal("REQUEST Account=A amount=1" + kGoodTail), Catch::Contains("key=value"));
  CHECK_THAT(refusal("REQUEST =A amount=1" + kGoodTail), Catch::Contains("key=value"));
}

TEST_CASE("malformed CONFIRM, HELP and QUIT lines are refused", "[protocol]") {
  CHECK_THAT(refusal("CONFIRM txn=T1"), Catch::Contains("needs code="));
  CHECK_THAT(refusal("CONFIRM code=123456"), Catch::Contains("needs txn="));
  CHECK_THAT(refusal("CONFIRM txn=T1 code=12345"), Catch::Contains("code"));
  CHECK_THAT(refusal("CONFIRM txn=T1 code=123456789"), Catch::Contains("code"));
  CHECK_THAT(refusal("CONFIRM txn=T1 code=12345a"), Catch::Contains("code"));
  CHECK_THAT(refusal("CONFIRM txn=T-1 code=123456"), Catch::Contains("txn"));
  CHECK_THAT(refusal("CONFIRM txn=" + std::string(65, 'T') + " code=123456"),
             Catch::Contains("txn"));
  CHECK_THAT(refusal("HELP me"), Catch::Contains("no arguments"));
  CHECK_THAT(refusal("QUIT now"), Catch::Contains("no arguments"));
  CHECK_THAT(refusal("SUBSCRIBE all"), Catch::Contains("no arguments"));
  CHECK_THAT(refusal("PING x=1"), Catch::Contains("no arguments"));
  CHECK_THAT(refusal("TRANSFER account=A amount=1 currency=EUR"), Catch::Contains("needs payee="));
  CHECK_THAT(refusal("TRANSFER account=A amount=1 currency=EUR payee=x code=123456"),
             Catch::Contains("does not take code="));
}

TEST_CASE("garbage, control bytes, NUL and empty lines are refused", "[protocol]") {
  CHECK_THAT(refusal(""), Catch::Contains("empty line"));
  CHECK_THAT(refusal(" "), Catch::Contains("starts with a space"));
  CHECK_THAT(refusal("FOO bar"), Catch::Contains("unknown command \"FOO\""));
  CHECK_THAT(refusal(std::string("HELP\0", 5)), Catch::Contains("0x00 at position 5"));
  CHECK_THAT(refusal(std::string("CONFIRM txn=T1\0 code=123456", 27)), Catch::Contains("0x00"));
  CHECK_THAT(refusal("HELP\r"), Catch::Contains("0x0d"));
  CHECK_THAT(refusal("REQUEST\taccount=A"), Catch::Contains("0x09"));
  CHECK_THAT(refusal("REQUEST account=A amount=1 currency=EUR payee=\"caf\xc3\xa9\""),
             Catch::Contains("0xc3"));
  // Every byte value on its own is answered (accepted only for nothing), never a crash.
  for (int byte = 0; byte < 256; ++byte) {
    const std::string line(1, static_cast<char>(byte));
    CHECK(std::holds_alternative<MalformedLine>(parse_request(line)));
  }
  // A very long unknown word is shortened in the sentence.
  CHECK(refusal(std::string(1000, 'X')).size() < 120);
}

TEST_CASE("every request formatter round-trips through parse_request", "[protocol]") {
  TransferRequest request{{"ACC-1", 123456, "GBP", "O'Brien \"& Sons\" \\ Ltd"}};
  const std::string line = format_request(request);
  CHECK(line ==
        "TRANSFER account=ACC-1 amount=1234.56 currency=GBP payee=\"O'Brien \\\"& Sons\\\" \\\\ "
        "Ltd\"");
  const BankRequest parsed = parse_request(line);
  REQUIRE(std::holds_alternative<TransferRequest>(parsed));
  const auto& details = std::get<TransferRequest>(parsed).details;
  CHECK(details.account == "ACC-1");
  CHECK(details.amount_minor == 123456);
  CHECK(details.currency == "GBP");
  CHECK(details.payee == request.details.payee);

  CHECK(format_request(ConfirmRequest{"T12", "000123"}) == "CONFIRM txn=T12 code=000123");
  const BankRequest confirm = parse_request(format_request(ConfirmRequest{"T12", "000123"}));
  REQUIRE(std::holds_alternative<ConfirmRequest>(confirm));
  CHECK(std::get<ConfirmRequest>(confirm).transaction_id == "T12");
  CHECK(std::get<ConfirmRequest>(confirm).code == "000123");

  CHECK(
      std::holds_alternative<SubscribeRequest>(parse_request(format_request(SubscribeRequest{}))));
  CHECK(std::holds_alternative<PingRequest>(parse_request(format_request(PingRequest{}))));
  CHECK(std::holds_alternative<HelpRequest>(parse_request(format_request(HelpRequest{}))));
  CHECK(std::holds_alternative<QuitRequest>(parse_request(format_request(QuitRequest{}))));
}

namespace {

template <class Message>
Message parsed_answer(const std::string& line) {
  CAPTURE(line);
  const BankAnswer answer = parse_answer(line);
  if (const auto* malformed = std::get_if<MalformedLine>(&answer)) {
    FAIL("refused: " << malformed->sentence);
  }
  REQUIRE(std::holds_alternative<Message>(answer));
  return std::get<Message>(answer);
}

}  // namespace

TEST_CASE("every answer formatter round-trips through parse_answer", "[protocol]") {
  const std::string started_line =
      format_transfer_started({"Tabc", 2, 120, "2009-02-13T23:31:30Z"});
  CHECK(started_line ==
        "TRANSFER txn=Tabc devices=2 expires_in=120 expires_at=2009-02-13T23:31:30Z");
  const auto started = parsed_answer<TransferStartedAnswer>(started_line);
  CHECK(started.transaction_id == "Tabc");
  CHECK(started.devices == 2);
  CHECK(started.expires_in == 120);
  CHECK(started.expires_at == "2009-02-13T23:31:30Z");
  CHECK(started_line.find("code") == std::string::npos);

  CHECK(format_accepted({"Tabc"}) == "ACCEPTED txn=Tabc");
  CHECK(parsed_answer<AcceptedAnswer>(format_accepted({"Tabc"})).transaction_id == "Tabc");

  for (const RejectionReason reason :
       {RejectionReason::WrongCode, RejectionReason::Expired, RejectionReason::Locked,
        RejectionReason::AlreadyUsed, RejectionReason::UnknownTransaction}) {
    const std::string line = format_rejected({"Tabc", reason, 2, 4, ""});
    CHECK(line == std::string("REJECTED txn=Tabc reason=") + rejection_reason_name(reason) +
                      " attempts_left=2 customer_attempts_left=4");
    const auto rejected = parsed_answer<RejectedAnswer>(line);
    CHECK(rejected.transaction_id == "Tabc");
    CHECK(rejected.reason == reason);
    CHECK(rejected.attempts_left == 2);
    CHECK(rejected.customer_attempts_left == 4);
    CHECK(rejected.blocked_until.empty());
  }
  const std::string blocked_line =
      format_rejected({"Tabc", RejectionReason::Blocked, 0, 0, "2026-11-23T08:00:00Z"});
  CHECK(blocked_line ==
        "REJECTED txn=Tabc reason=blocked attempts_left=0 customer_attempts_left=0 "
        "blocked_until=2026-11-23T08:00:00Z");
  CHECK(parsed_answer<RejectedAnswer>(blocked_line).blocked_until == "2026-11-23T08:00:00Z");

  CHECK(format_subscribed({3, 1}) == "SUBSCRIBED devices=3 pending=1");
  const auto subscribed = parsed_answer<SubscribedAnswer>(format_subscribed({3, 1}));
  CHECK(subscribed.devices == 3);
  CHECK(subscribed.pending == 1);

  parsed_answer<PongAnswer>(std::string(kPongLine));
  parsed_answer<ByeAnswer>(std::string(kByeLine));
  CHECK(parsed_answer<ErrorAnswer>(format_error("line too long")).sentence == "line too long");
  CHECK_THAT(parsed_answer<HelpAnswer>(help_text()).text, Catch::Contains("SUBSCRIBE"));
}

TEST_CASE("every push formatter round-trips through parse_answer", "[protocol]") {
  const OtpPush push{
      "T3f09",
      "012345",
      {"DE89370400440532013000", 10000000, "INR", "x\"; touch /tmp/pwned; echo \\\""},
      120,
      "2026-11-23T10:00:00Z"};
  const std::string line = format_otp_push(push);
  CHECK(line ==
        "OTP txn=T3f09 code=012345 account=DE89370400440532013000 amount=100000.00 currency=INR "
        "payee=\"x\\\"; touch /tmp/pwned; echo \\\\\\\"\" expires_in=120 "
        "expires_at=2026-11-23T10:00:00Z");
  const auto parsed = parsed_answer<OtpPush>(line);
  CHECK(parsed.transaction_id == push.transaction_id);
  CHECK(parsed.code == push.code);
  CHECK(parsed.details.account == push.details.account);
  CHECK(parsed.details.amount_minor == push.details.amount_minor);
  CHECK(parsed.details.currency == push.details.currency);
  CHECK(parsed.details.payee == push.details.payee);
  CHECK(parsed.expires_in == 120);
  CHECK(parsed.expires_at == push.expires_at);

  CHECK(format_warning({WarningReason::LastAttempt, 1}) ==
        "WARNING reason=last-attempt attempts_left=1");
  CHECK(parsed_answer<WarningPush>(format_warning({WarningReason::LastAttempt, 1})).attempts_left ==
        1);
  CHECK(format_blocked({"2026-11-23T08:15:00Z"}) == "BLOCKED until=2026-11-23T08:15:00Z");
  CHECK(parsed_answer<BlockedPush>(format_blocked({"2026-11-23T08:15:00Z"})).until ==
        "2026-11-23T08:15:00Z");
}

TEST_CASE("is_push tells pushes from answers", "[protocol]") {
  CHECK(
      is_push(parse_answer("OTP txn=T1 code=123456 account=A amount=1 currency=EUR payee=x "
                           "expires_in=60 expires_at=2026-11-23T10:00:00Z")));
  CHECK(is_push(parse_answer("WARNING reason=last-attempt attempts_left=1")));
  CHECK(is_push(parse_answer("BLOCKED until=2026-11-23T10:00:00Z")));
  for (const std::string& line :
       {std::string("TRANSFER txn=T1 devices=0 expires_in=60 expires_at=2026-11-23T10:00:00Z"),
        std::string("ACCEPTED txn=T1"), std::string("SUBSCRIBED devices=1 pending=0"),
        std::string("PONG"), std::string("BYE"), std::string("ERROR no"), help_text(),
        std::string("OTP garbage")}) {
    CAPTURE(line);
    CHECK_FALSE(is_push(parse_answer(line)));
  }
}

TEST_CASE("the client refuses answers and pushes it does not understand", "[protocol]") {
  const std::string otp_tail =
      " account=A amount=1 currency=EUR payee=x expires_in=60 expires_at=2026-11-23T10:00:00Z";
  for (const std::string& line :
       {std::string(""), std::string("HELLO"), std::string("otp txn=T1"),  // words are exact
        std::string("BYE now"), std::string("PONG 1"), std::string("PONG "),
        // the v1 OTP answer (the code in the answer) is gone
        std::string("OTP txn=T1 code=123456 expires_in=120 expires_at=2026-11-23T10:00:00Z"),
        "OTP txn=T1 code=12" + otp_tail, "OTP txn=T-1 code=123456" + otp_tail,
        "OTP txn=T1 code=123456" + otp_tail + " extra=1",
        std::string("OTP txn=T1 code=123456 account=A amount=0 currency=EUR payee=x "
                    "expires_in=60 expires_at=2026-11-23T10:00:00Z"),
        std::string("OTP txn=T1 code=123456 account=A amount=1 currency=EUR payee=x "
                    "expires_in=-1 expires_at=2026-11-23T10:00:00Z"),
        std::string("OTP txn=T1 code=123456 account=A amount=1 currency=EUR payee=x "
                    "expires_in=60 expires_at=tomorrow"),
        std::string("TRANSFER txn=T1 devices=1 expires_in=60"),
        std::string("TRANSFER txn=T1 code=123456 devices=1 expires_in=60 "
                    "expires_at=2026-11-23T10:00:00Z"),
        std::string("TRANSFER txn=T1 devices=many expires_in=60 "
                    "expires_at=2026-11-23T10:00:00Z"),
        std::string("ACCEPTED"), std::string("ACCEPTED txn=T1 x=1"),
        std::string("REJECTED txn=T1 reason=locked attempts_left=0"),
        std::string("REJECTED txn=T1 reason=wrong-customer attempts_left=0 "
                    "customer_attempts_left=0"),
        std::string("REJECTED txn=T1 reason=locked attempts_left=many customer_attempts_left=0"),
        std::string("REJECTED txn=T1 reason=blocked attempts_left=0 customer_attempts_left=0"),
        std::string("REJECTED txn=T1 reason=locked attempts_left=0 customer_attempts_left=0 "
                    "blocked_until=2026-11-23T10:00:00Z"),
        std::string("REJECTED txn=T1 reason=blocked attempts_left=0 customer_attempts_left=0 "
                    "blocked_until=2026-11-23 10:00:00"),
        std::string("SUBSCRIBED devices=1"), std::string("SUBSCRIBED devices=1 pending=-1"),
        std::string("SUBSCRIBED devices=99999999999 pending=0"),
        std::string("WARNING reason=first-attempt attempts_left=1"),
        std::string("WARNING attempts_left=1"), std::string("BLOCKED"),
        std::string("BLOCKED until=2026-11-23T10:00:00+01:00"),
        std::string("BLOCKED until=2026-11-23T10:00:00Z until=2026-11-23T10:00:00Z")}) {
    CAPTURE(line);
    CHECK(std::holds_alternative<MalformedLine>(parse_answer(line)));
  }
  CHECK(std::holds_alternative<MalformedLine>(parse_answer(std::string("BYE\0", 4))));
  CHECK(std::holds_alternative<MalformedLine>(parse_answer(std::string("PONG\r"))));
  // Every byte value on its own, and long lines, are answered with a sentence, never a crash.
  for (int byte = 0; byte < 256; ++byte) {
    const std::string line(1, static_cast<char>(byte));
    CHECK(std::holds_alternative<MalformedLine>(parse_answer(line)));
  }
  const BankAnswer long_line = parse_answer("OTP " + std::string(100000, 'x'));
  REQUIRE(std::holds_alternative<MalformedLine>(long_line));
  CHECK(std::get<MalformedLine>(long_line).sentence.size() < 200);
}

TEST_CASE("rejection reasons and times have one spelling each", "[protocol]") {
  for (const RejectionReason reason :
       {RejectionReason::WrongCode, RejectionReason::Expired, RejectionReason::Locked,
        RejectionReason::AlreadyUsed, RejectionReason::UnknownTransaction,
        RejectionReason::Blocked}) {
    CHECK(parse_rejection_reason(rejection_reason_name(reason)) == reason);
  }
  CHECK_FALSE(parse_rejection_reason("Wrong-Code").has_value());
  CHECK_FALSE(parse_rejection_reason("").has_value());
  CHECK(is_iso8601_utc("2026-11-23T07:45:09Z"));
  for (const char* bad :
       {"", "2026-11-23T07:45:09", "2026-11-23T07:45:09z", "2026-11-23 07:45:09Z",
        "2026-1-23T07:45:09Z", "2026-11-23T07:45:09.5Z", "x026-11-23T07:45:09Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(is_iso8601_utc(bad));
  }
}

TEST_CASE("LineAssembler splits lines at \\n and drops a \\r before it", "[line_assembler]") {
  LineAssembler assembler;
  const auto lines = assembler.feed(as_bytes("HELP\nQUIT\r\n\nhalf"));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == "HELP");
  CHECK(lines[1].text == "QUIT");
  CHECK(lines[2].text.empty());
  CHECK_FALSE(lines[2].too_long);
  CHECK(assembler.buffered() == 4);
  const auto rest = assembler.feed(as_bytes(" done\n"));
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].text == "half done");
}

TEST_CASE("LineAssembler gives the same lines wherever the bytes are split", "[line_assembler]") {
  const std::string stream = "REQUEST account=A amount=1 currency=EUR payee=\"x y\"\r\nHELP\n\n" +
                             std::string(1025, 'L') + "\nCONFIRM txn=T1 code=123456\n" +
                             std::string(1024, 'M') + "\r\nQUIT\n";
  LineAssembler whole;
  const auto expected = whole.feed(as_bytes(stream));
  REQUIRE(expected.size() == 7);
  CHECK(expected[3].too_long);
  CHECK(expected[5].text.size() == 1024);
  CHECK_FALSE(expected[5].too_long);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    LineAssembler assembler;
    auto lines = assembler.feed(as_bytes(stream).first(split));
    auto more = assembler.feed(as_bytes(stream).subspan(split));
    lines.insert(lines.end(), more.begin(), more.end());
    REQUIRE(lines.size() == expected.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      CHECK(lines[i].text == expected[i].text);
      CHECK(lines[i].too_long == expected[i].too_long);
    }
  }
  // And one byte at a time.
  LineAssembler trickle;
  std::vector<AssembledLine> lines;
  for (const std::uint8_t byte : as_bytes(stream)) {
    for (auto& line : trickle.feed(ByteView(&byte, 1))) lines.push_back(std::move(line));
  }
  REQUIRE(lines.size() == expected.size());
  for (std::size_t i = 0; i < lines.size(); ++i) CHECK(lines[i].text == expected[i].text);
}

TEST_CASE("LineAssembler reports an over-long line once and never buffers more than the limit",
          "[line_assembler]") {
  LineAssembler assembler(16);
  auto lines = assembler.feed(as_bytes(std::string(100000, 'x')));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].too_long);
  CHECK(assembler.buffered() == 0);
  lines = assembler.feed(as_bytes(std::string(50, 'y') + "\nHELP\n"));
  REQUIRE(lines.size() == 1);  // the rest of the long line was discarded
  CHECK(lines[0].text == "HELP");
  // Exactly at the limit, with and without \r; one over is too long.
  lines = assembler.feed(as_bytes(std::string(16, 'a') + "\n" + std::string(16, 'b') + "\r\n" +
                                  std::string(17, 'c') + "\r\n"));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].text == std::string(16, 'a'));
  CHECK(lines[1].text == std::string(16, 'b'));
  CHECK(lines[2].too_long);
  // Sixteen bytes then \r\r: the first \r is content, so the line is too long.
  lines = assembler.feed(as_bytes(std::string(16, 'd') + "\r\r\n"));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].too_long);
}
