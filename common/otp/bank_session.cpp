#include "common/otp/bank_session.hpp"

#include <spdlog/spdlog.h>

#include <cctype>

#include "common/otp/bank_protocol.hpp"

namespace sc::otp {
namespace {

std::string short_fingerprint(const CustomerIdentity& who) {
  return who.fingerprint.substr(0, 16);
}

// For logs only: a refusal sentence may quote part of the customer's line, which may hold a
// code. Runs of six or more digits are masked so that no code reaches a log.
std::string masked_for_log(const std::string& sentence) {
  std::string masked;
  std::size_t run = 0;
  for (std::size_t i = 0; i <= sentence.size(); ++i) {
    if (i < sentence.size() && std::isdigit(static_cast<unsigned char>(sentence[i])) != 0) {
      ++run;
      continue;
    }
    const std::string digits = sentence.substr(i - run, run);
    masked += run >= 6 ? std::string("[digits]") : digits;
    run = 0;
    if (i < sentence.size()) masked.push_back(sentence[i]);
  }
  return masked;
}

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace

std::vector<std::string> BankSession::on_bytes(ByteView data, const CustomerIdentity& who) {
  std::vector<std::string> answers;
  if (closed_) return answers;
  for (const AssembledLine& line : assembler_.feed(data)) {
    if (closed_) break;  // bytes after QUIT are not answered
    if (line.too_long) {
      answers.push_back(answer_error("line too long", who));
    } else {
      answers.push_back(handle_line(line.text, who));
    }
  }
  return answers;
}

std::string BankSession::answer_error(const std::string& sentence, const CustomerIdentity& who) {
  ++consecutive_errors_;
  spdlog::info("customer {} ({}): refused a line: {}", who.subject, short_fingerprint(who),
               masked_for_log(sentence));
  if (consecutive_errors_ >= kMaxConsecutiveErrors) {
    closed_ = true;
    spdlog::info("customer {} ({}): closing after {} malformed lines in a row", who.subject,
                 short_fingerprint(who), consecutive_errors_);
    return format_error(sentence + "; too many malformed lines, closing");
  }
  return format_error(sentence);
}

std::string BankSession::handle_line(std::string_view line, const CustomerIdentity& who) {
  if (closed_) return format_error("the session is closed");
  if (line.size() > kMaxLineBytes) return answer_error("line too long", who);
  const BankRequest request = parse_request(line);
  if (const auto* malformed = std::get_if<MalformedLine>(&request)) {
    return answer_error(malformed->sentence, who);
  }
  consecutive_errors_ = 0;
  const bool needs_customer = std::holds_alternative<OtpRequest>(request) ||
                              std::holds_alternative<ConfirmRequest>(request);
  if (needs_customer && who.fingerprint.empty()) {
    // The transport must authenticate the customer; without a certificate there is nobody to
    // bind an OTP to.
    spdlog::error("a request arrived without an authenticated customer certificate; refused");
    return format_error("the bank serves authenticated customers only");
  }
  try {
    return answer(request, who);
  } catch (const std::exception& failure) {
    // The store or the audit log failed (the DRBG, a full disk): refuse this step, keep serving.
    spdlog::error("customer {} ({}): request failed: {}", who.subject, short_fingerprint(who),
                  failure.what());
    return format_error("the bank could not complete this request; try again later");
  }
}

std::string BankSession::answer(const BankRequest& request, const CustomerIdentity& who) {
  return std::visit(
      Overloaded{
          [&](const OtpRequest& otp_request) {
            const auto& details = otp_request.details;
            try {
              const IssuedOtp issued = store_.issue(details, who.fingerprint);
              // The code goes to the customer only: it is never logged.
              spdlog::info(
                  "customer {} ({}): OTP issued for transaction {}: {} {} to account "
                  "{}, payee \"{}\", expires in {} s",
                  who.subject, short_fingerprint(who), issued.transaction_id,
                  format_minor_units(details.amount_minor), details.currency, details.account,
                  details.payee, issued.lifetime.count());
              return format_otp_issued(issued, issued.expires_at - issued.lifetime);
            } catch (const OtpLimitReached& limit) {
              spdlog::info("customer {} ({}): OTP refused: {}", who.subject, short_fingerprint(who),
                           limit.what());
              return format_error(limit.what());
            }
          },
          [&](const ConfirmRequest& confirm) {
            const Confirmation result =
                store_.confirm(confirm.transaction_id, confirm.code, who.fingerprint);
            if (result.accepted) {
              spdlog::info("customer {} ({}): transaction {} confirmed", who.subject,
                           short_fingerprint(who), confirm.transaction_id);
            } else {
              spdlog::info(
                  "customer {} ({}): confirmation of transaction {} rejected: {}, {} "
                  "attempts left",
                  who.subject, short_fingerprint(who), confirm.transaction_id,
                  reject_reason_name(result.reason), result.attempts_left);
            }
            return format_confirmation(confirm.transaction_id, result);
          },
          // Transitional (issue 14): the lead's rewrite serves SUBSCRIBE and pushes.
          [&](const SubscribeRequest&) {
            return format_error("this bank does not push codes to devices yet");
          },
          [&](const PingRequest&) { return std::string(kPongLine); },
          [&](const HelpRequest&) { return help_text(); },
          [&](const QuitRequest&) {
            closed_ = true;
            spdlog::info("customer {} ({}): quit", who.subject, short_fingerprint(who));
            return std::string(kByeLine);
          },
          [&](const MalformedLine& malformed) { return format_error(malformed.sentence); },
      },
      request);
}

}  // namespace sc::otp
