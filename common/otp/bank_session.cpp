#include "common/otp/bank_session.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <variant>

namespace sc::otp {
namespace {

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

unsigned seconds_until(TimePoint when, TimePoint now) {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(when - now).count();
  return left > 0 ? static_cast<unsigned>(left) : 0;
}

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace

RejectionReason rejection_reason_for(ConfirmOutcome outcome) {
  switch (outcome) {
    case ConfirmOutcome::WrongCode:
      return RejectionReason::WrongCode;
    case ConfirmOutcome::Expired:
      return RejectionReason::Expired;
    case ConfirmOutcome::Locked:
      return RejectionReason::Locked;
    case ConfirmOutcome::AlreadyUsed:
      return RejectionReason::AlreadyUsed;
    case ConfirmOutcome::Blocked:
      return RejectionReason::Blocked;
    case ConfirmOutcome::Accepted:
    case ConfirmOutcome::UnknownTransaction:
      break;
  }
  return RejectionReason::UnknownTransaction;
}

BankSession::BankSession(TransactionStore& store, DeviceLink& devices, CustomerIdentity customer)
    : store_(store), devices_(devices), customer_(std::move(customer)) {}

std::vector<std::string> BankSession::on_bytes(ByteView data) {
  std::vector<std::string> answers;
  if (closed_) return answers;
  for (const AssembledLine& line : assembler_.feed(data)) {
    if (closed_) break;  // bytes after QUIT are not answered
    answers.push_back(line.too_long ? answer_error("line too long") : handle_line(line.text));
  }
  return answers;
}

std::string BankSession::answer_error(const std::string& sentence) {
  ++consecutive_errors_;
  spdlog::info("customer {}: refused a line: {}", customer_.subject, masked_for_log(sentence));
  if (consecutive_errors_ >= kMaxConsecutiveErrors) {
    closed_ = true;
    spdlog::info("customer {}: closing after {} malformed lines in a row", customer_.subject,
                 consecutive_errors_);
    return format_error(sentence + "; too many malformed lines, closing");
  }
  return format_error(sentence);
}

std::string BankSession::handle_line(std::string_view line) {
  if (closed_) return format_error("the session is closed");
  if (line.size() > kMaxLineBytes) return answer_error("line too long");
  const BankRequest request = parse_request(line);
  if (const auto* malformed = std::get_if<MalformedLine>(&request)) {
    return answer_error(malformed->sentence);
  }
  consecutive_errors_ = 0;
  if (customer_.fingerprint.empty()) {
    // The transport must authenticate the customer; without a certificate there is nobody to
    // bind an OTP to.
    spdlog::error("a request arrived without an authenticated customer certificate; refused");
    return format_error("the bank serves authenticated customers only");
  }
  try {
    return answer(request);
  } catch (const TransferRefused& refused) {
    spdlog::info("customer {}: transfer refused: {}", customer_.subject, refused.what());
    return format_error(refused.what());
  } catch (const store::StoreError& failure) {
    if (!failure.is_unavailable()) {
      spdlog::error("customer {}: request failed: {}", customer_.subject, failure.what());
      return format_error("the bank could not complete this request; try again later");
    }
    // The database is away (PostgreSQL down, connection lost): this request is refused, the
    // channel stays open, and the store reconnects by itself on a later request.
    spdlog::warn("customer {}: the transaction store is unavailable: {}", customer_.subject,
                 failure.what());
    return format_error(
        "the bank cannot reach its transaction store at the moment; try again in a few seconds");
  } catch (const std::exception& failure) {
    // The store or the audit log failed (a full disk, the DRBG): refuse this step, keep serving.
    spdlog::error("customer {}: request failed: {}", customer_.subject, failure.what());
    return format_error("the bank could not complete this request; try again later");
  }
}

std::string BankSession::answer(const BankRequest& request) {
  return std::visit(
      Overloaded{
          [&](const TransferRequest& transfer) { return start_transfer(transfer); },
          [&](const ConfirmRequest& confirmation) { return confirm(confirmation); },
          [&](const SubscribeRequest&) { return subscribe(); },
          [&](const PingRequest&) { return std::string(kPongLine); },
          [&](const HelpRequest&) { return help_text(); },
          [&](const QuitRequest&) {
            closed_ = true;
            spdlog::info("customer {}: quit", customer_.subject);
            return std::string(kByeLine);
          },
          [&](const MalformedLine& malformed) { return format_error(malformed.sentence); },
      },
      request);
}

std::string BankSession::start_transfer(const TransferRequest& request) {
  const TransactionDetails& details = request.details;
  const StartedTransfer started = store_.start(details, customer_.fingerprint);
  const TimePoint now = started.expires_at - started.lifetime;
  const std::string expires_at = iso8601_utc(started.expires_at);
  const auto lifetime = static_cast<unsigned>(started.lifetime.count());
  // The code goes to the customer's devices only: never into this answer, never into a log.
  const std::size_t devices = devices_.push_otp(
      customer_.fingerprint, started.transaction_id,
      format_otp_push(OtpPush{started.transaction_id, started.code, details, lifetime, expires_at}),
      started.expires_at);
  spdlog::info(
      "customer {}: transfer {} of {} {} from account {} to \"{}\" started; its OTP went to {} "
      "device(s), valid {} s",
      customer_.subject, started.transaction_id, format_minor_units(details.amount_minor),
      details.currency, details.account, details.payee, devices, lifetime);
  return format_transfer_started(
      TransferStartedAnswer{started.transaction_id, static_cast<unsigned>(devices),
                            seconds_until(started.expires_at, now), expires_at});
}

std::string BankSession::confirm(const ConfirmRequest& request) {
  const ConfirmResult result =
      store_.confirm(request.transaction_id, request.code, customer_.fingerprint);
  const std::string& txn = request.transaction_id;
  if (result.accepted()) {
    devices_.forget(txn);
    spdlog::info("customer {}: transaction {} confirmed", customer_.subject, txn);
    return format_accepted(AcceptedAnswer{txn});
  }
  const RejectionReason reason = rejection_reason_for(result.outcome);
  if (reason == RejectionReason::Locked || reason == RejectionReason::AlreadyUsed) {
    devices_.forget(txn);
  }
  spdlog::info(
      "customer {}: confirmation of transaction {} rejected: {}, {} attempt(s) left on it, {} "
      "before the customer is blocked",
      customer_.subject, txn, rejection_reason_name(reason), result.transaction_attempts_left,
      result.customer_attempts_left);
  if (result.warn_last_attempt) {
    devices_.push(
        customer_.fingerprint,
        format_warning(WarningPush{WarningReason::LastAttempt, result.customer_attempts_left}));
  }
  std::string blocked_until;
  if (result.blocked_until) {
    blocked_until = iso8601_utc(*result.blocked_until);
    if (result.outcome == ConfirmOutcome::WrongCode) {
      // This failure was the last one allowed: the devices hear of the block at once.
      spdlog::warn("customer {}: blocked until {} after too many wrong codes", customer_.subject,
                   blocked_until);
      devices_.push(customer_.fingerprint, format_blocked(BlockedPush{blocked_until}));
    }
  }
  RejectedAnswer answer{
      txn, reason, result.transaction_attempts_left, result.customer_attempts_left, {}};
  if (reason == RejectionReason::Blocked) answer.blocked_until = blocked_until;
  return format_rejected(answer);
}

std::string BankSession::subscribe() {
  if (subscribed_) {
    return format_subscribed(
        SubscribedAnswer{static_cast<unsigned>(devices_.subscribe_this_channel().devices),
                         static_cast<unsigned>(store_.pending_for(customer_.fingerprint).size())});
  }
  const SubscribeOutcome outcome = devices_.subscribe_this_channel();
  subscribed_ = true;
  const std::size_t pending = store_.pending_for(customer_.fingerprint).size();
  spdlog::info("customer {}: this channel is now one of {} device(s); {} pending OTP(s) sent to it",
               customer_.subject, outcome.devices, outcome.queued);
  return format_subscribed(
      SubscribedAnswer{static_cast<unsigned>(outcome.devices), static_cast<unsigned>(pending)});
}

}  // namespace sc::otp
