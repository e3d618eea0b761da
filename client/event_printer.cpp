#include "client/event_printer.hpp"

#include <spdlog/spdlog.h>

#include <iostream>

#include "client/json_event.hpp"
#include "client/otp_display.hpp"
#include "common/tls/cipher_suite.hpp"

namespace sc::customer {

void EventPrinter::show(const std::string& human, const std::string& json) {
  if (format_ == OutputFormat::Json) {
    std::cout << json << std::endl;
    return;
  }
  if (!prompt_.empty()) std::cout << "\r";
  std::cout << human << "\n" << prompt_ << std::flush;
}

void EventPrinter::connected(const net::TlsStream& stream) {
  const tls::HandshakeSummary& summary = stream.summary();
  const std::string suite(tls::cipher_suite_info(summary.suite).name);
  const std::string group = tls::named_group_name(summary.group);
  spdlog::info("connected to the bank {} ({}): {}, {}", summary.peer_subject, stream.peer_label(),
               suite, group);
  if (format_ == OutputFormat::Json) {
    std::cout << JsonObject()
                     .add("event", "connected")
                     .add("bank", summary.peer_subject)
                     .add("address", stream.peer_label())
                     .add("suite", suite)
                     .add("group", group)
                     .text()
              << std::endl;
  }
}

void EventPrinter::subscribed(const otp::SubscribedAnswer& answer) {
  spdlog::info(
      "subscribed: this device receives the codes ({} device(s) listening, {} "
      "transfer(s) pending)",
      answer.devices, answer.pending);
  if (format_ == OutputFormat::Json) {
    std::cout << JsonObject()
                     .add("event", "subscribed")
                     .add("devices", answer.devices)
                     .add("pending", answer.pending)
                     .text()
              << std::endl;
  }
}

void EventPrinter::pushed(const otp::BankAnswer& push) {
  if (const auto* otp_push = std::get_if<otp::OtpPush>(&push)) {
    // The code is for the person: it goes to standard output (and the hook), never to the log.
    spdlog::info("OTP received for transaction {}", otp_push->transaction_id);
    show(describe_otp(*otp_push), otp_event_json(*otp_push));
    run_hook(*otp_push);
  } else if (const auto* warning = std::get_if<otp::WarningPush>(&push)) {
    spdlog::warn("the bank warns: {} wrong code(s) left before you are blocked",
                 warning->attempts_left);
    show(describe_warning(*warning), warning_event_json(*warning));
  } else if (const auto* blocked = std::get_if<otp::BlockedPush>(&push)) {
    spdlog::warn("the bank blocked confirmations until {}", blocked->until);
    show(describe_blocked(*blocked), blocked_event_json(*blocked));
  }
}

void EventPrinter::disconnected(const std::string& reason) {
  spdlog::warn("the channel to the bank ended: {}", reason);
  if (format_ == OutputFormat::Json) {
    std::cout << JsonObject().add("event", "disconnected").add("reason", reason).text()
              << std::endl;
  }
}

void EventPrinter::reconnecting(unsigned attempt, std::chrono::milliseconds delay) {
  spdlog::info("reconnecting in {:.1f} s (attempt {})", static_cast<double>(delay.count()) / 1000,
               attempt);
  if (format_ == OutputFormat::Json) {
    std::cout << JsonObject()
                     .add("event", "reconnecting")
                     .add("attempt", attempt)
                     .add("delay_ms", static_cast<std::int64_t>(delay.count()))
                     .text()
              << std::endl;
  }
}

void EventPrinter::run_hook(const otp::OtpPush& push) {
  if (hook_ == nullptr) return;
  try {
    const pid_t pid = hook_->run(push);
    spdlog::info("--on-otp started (pid {}) for transaction {}", pid, push.transaction_id);
  } catch (const std::exception& failure) {
    spdlog::error("{}", failure.what());
  }
}

}  // namespace sc::customer
