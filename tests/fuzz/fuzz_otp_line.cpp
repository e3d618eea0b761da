// Fuzz target: the bank's line protocol (version 2). Bytes go through the LineAssembler; each
// line is parsed as a request and as an answer or push. Nothing here may throw on hostile
// input, the assembler must stay within its memory bound, and whatever parses must survive a
// round trip: formatting the parsed message gives a line that parses to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "common/otp/bank_protocol.hpp"
#include "common/otp/line_assembler.hpp"

namespace {

using namespace sc::otp;

bool same(const TransactionDetails& a, const TransactionDetails& b) {
  return a.account == b.account && a.amount_minor == b.amount_minor && a.currency == b.currency &&
         a.payee == b.payee;
}

void check_request_round_trip(const BankRequest& request) {
  if (const auto* transfer = std::get_if<TransferRequest>(&request)) {
    const BankRequest again = parse_request(format_request(*transfer));
    const auto* parsed = std::get_if<TransferRequest>(&again);
    if (parsed == nullptr || !same(parsed->details, transfer->details)) std::abort();
  } else if (const auto* confirm = std::get_if<ConfirmRequest>(&request)) {
    const BankRequest again = parse_request(format_request(*confirm));
    const auto* parsed = std::get_if<ConfirmRequest>(&again);
    if (parsed == nullptr || parsed->transaction_id != confirm->transaction_id ||
        parsed->code != confirm->code) {
      std::abort();
    }
  }
}

void check_answer_round_trip(const BankAnswer& answer) {
  const bool push = is_push(answer);
  if (const auto* otp = std::get_if<OtpPush>(&answer)) {
    const BankAnswer again = parse_answer(format_otp_push(*otp));
    const auto* parsed = std::get_if<OtpPush>(&again);
    if (parsed == nullptr || !push || parsed->transaction_id != otp->transaction_id ||
        parsed->code != otp->code || !same(parsed->details, otp->details) ||
        parsed->expires_in != otp->expires_in || parsed->expires_at != otp->expires_at) {
      std::abort();
    }
  } else if (const auto* rejected = std::get_if<RejectedAnswer>(&answer)) {
    const BankAnswer again = parse_answer(format_rejected(*rejected));
    const auto* parsed = std::get_if<RejectedAnswer>(&again);
    if (parsed == nullptr || push || parsed->reason != rejected->reason ||
        parsed->attempts_left != rejected->attempts_left ||
        parsed->customer_attempts_left != rejected->customer_attempts_left ||
        parsed->blocked_until != rejected->blocked_until) {
      std::abort();
    }
  } else if (const auto* started = std::get_if<TransferStartedAnswer>(&answer)) {
    const BankAnswer again = parse_answer(format_transfer_started(*started));
    const auto* parsed = std::get_if<TransferStartedAnswer>(&again);
    if (parsed == nullptr || push || parsed->transaction_id != started->transaction_id ||
        parsed->devices != started->devices || parsed->expires_at != started->expires_at) {
      std::abort();
    }
  }
}

void parse_both_ways(std::string_view line) {
  check_request_round_trip(parse_request(line));
  check_answer_round_trip(parse_answer(line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = static_cast<std::size_t>(data[0]) + 1;
  sc::ByteView stream(data + 1, size - 1);
  constexpr std::size_t kMax = 64;  // small limit so the fuzzer reaches the too-long path
  sc::otp::LineAssembler assembler(kMax);
  for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
    const auto lines =
        assembler.feed(stream.subspan(offset, std::min(chunk, stream.size() - offset)));
    if (assembler.buffered() > kMax + 1) std::abort();
    for (const auto& line : lines) {
      if (line.text.size() > kMax) std::abort();
      parse_both_ways(line.text);
    }
  }
  // The whole input as one line too (longer than the assembler allows): the seeds without a
  // final "\n" reach the long messages (OTP pushes, v2 REJECTED) this way.
  parse_both_ways(std::string_view(reinterpret_cast<const char*>(stream.data()), stream.size()));
  return 0;
}
