// The bank's line protocol: request parsing (every malformed field refused with a sentence),
// answer parsing for the client, and line assembly.
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

TEST_CASE("a REQUEST line parses into transaction details", "[protocol]") {
  const BankRequest request = parse_request(
      "REQUEST account=NL91-ABNA-0417 amount=250.00 currency=EUR payee=\"ACME \\\"Ltd\\\" \\\\ "
      "co\"");
  const auto* otp_request = std::get_if<OtpRequest>(&request);
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
  const auto* otp_request = std::get_if<OtpRequest>(&request);
  REQUIRE(otp_request != nullptr);
  CHECK(otp_request->details.amount_minor == 750);
  CHECK(otp_request->details.payee == "Bob");
}

TEST_CASE("CONFIRM, HELP and QUIT parse", "[protocol]") {
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

TEST_CASE("format_request round-trips through parse_request", "[protocol]") {
  OtpRequest request{{"ACC-1", 123456, "GBP", "O'Brien \"& Sons\" \\ Ltd"}};
  const std::string line = format_request(request);
  CHECK(line ==
        "REQUEST account=ACC-1 amount=1234.56 currency=GBP payee=\"O'Brien \\\"& Sons\\\" \\\\ "
        "Ltd\"");
  const BankRequest parsed = parse_request(line);
  REQUIRE(std::holds_alternative<OtpRequest>(parsed));
  const auto& details = std::get<OtpRequest>(parsed).details;
  CHECK(details.account == "ACC-1");
  CHECK(details.amount_minor == 123456);
  CHECK(details.currency == "GBP");
  CHECK(details.payee == request.details.payee);
  CHECK(format_request(ConfirmRequest{"T12", "000123"}) == "CONFIRM txn=T12 code=000123");
}

TEST_CASE("the client parses each kind of answer", "[protocol]") {
  const IssuedOtp issued{"Tabc", "012345", std::chrono::system_clock::from_time_t(1234567890),
                         std::chrono::seconds(120)};
  const std::string otp_line =
      format_otp_issued(issued, std::chrono::system_clock::from_time_t(1234567890 - 120));
  CHECK(otp_line == "OTP txn=Tabc code=012345 expires_in=120 expires_at=2009-02-13T23:31:30Z");
  const BankAnswer otp = parse_answer(otp_line);
  REQUIRE(std::holds_alternative<OtpIssuedAnswer>(otp));
  CHECK(std::get<OtpIssuedAnswer>(otp).transaction_id == "Tabc");
  CHECK(std::get<OtpIssuedAnswer>(otp).code == "012345");
  CHECK(std::get<OtpIssuedAnswer>(otp).expires_in == 120);
  CHECK(std::get<OtpIssuedAnswer>(otp).expires_at == "2009-02-13T23:31:30Z");

  const BankAnswer accepted = parse_answer(format_confirmation("Tabc", {true, {}, 0}));
  REQUIRE(std::holds_alternative<AcceptedAnswer>(accepted));
  CHECK(std::get<AcceptedAnswer>(accepted).transaction_id == "Tabc");

  const std::string rejected_line =
      format_confirmation("Tabc", {false, RejectReason::WrongCode, 2});
  CHECK(rejected_line == "REJECTED txn=Tabc reason=wrong-code attempts_left=2");
  const BankAnswer rejected = parse_answer(rejected_line);
  REQUIRE(std::holds_alternative<RejectedAnswer>(rejected));
  CHECK(std::get<RejectedAnswer>(rejected).reason == "wrong-code");
  CHECK(std::get<RejectedAnswer>(rejected).attempts_left == 2);

  const BankAnswer error = parse_answer(format_error("line too long"));
  REQUIRE(std::holds_alternative<ErrorAnswer>(error));
  CHECK(std::get<ErrorAnswer>(error).sentence == "line too long");

  CHECK(std::holds_alternative<ByeAnswer>(parse_answer("BYE")));
  CHECK(std::holds_alternative<HelpAnswer>(parse_answer(help_text())));
}

TEST_CASE("the client refuses answers it does not understand", "[protocol]") {
  for (const char* line : {"", "HELLO", "OTP txn=T1 code=123456 expires_in=120",
                           "OTP txn=T1 code=12 expires_in=1 "
                           "expires_at=x",
                           "OTP txn=T1 code=123456 expires_in=-1 expires_at=x", "ACCEPTED",
                           "ACCEPTED txn=T1 x=1", "REJECTED txn=T1 reason=locked",
                           "REJECTED txn=T1 reason=locked attempts_left=many", "BYE now"}) {
    CAPTURE(line);
    CHECK(std::holds_alternative<MalformedLine>(parse_answer(line)));
  }
  CHECK(std::holds_alternative<MalformedLine>(parse_answer(std::string("BYE\0", 4))));
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
