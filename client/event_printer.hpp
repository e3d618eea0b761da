#pragma once
// Shows what the bank pushes and what happens to the channel: one human sentence per OTP,
// warning or block on standard output (the rest goes to the log on standard error), or with
// --json one JSON object per event on standard output. Runs the --on-otp hook for each OTP.
#include <string>

#include "client/device_daemon.hpp"
#include "client/otp_hook.hpp"

namespace sc::customer {

enum class OutputFormat { Human, Json };

class EventPrinter : public DeviceEvents {
 public:
  EventPrinter(OutputFormat format, OtpHook* hook) : format_(format), hook_(hook) {}

  // The shell's prompt, printed again after a push interrupted the person's typing.
  void set_prompt(std::string prompt) { prompt_ = std::move(prompt); }

  void connected(const net::TlsStream& stream) override;
  void subscribed(const otp::SubscribedAnswer& answer) override;
  void pushed(const otp::BankAnswer& push) override;
  void disconnected(const std::string& reason) override;
  void reconnecting(unsigned attempt, std::chrono::milliseconds delay) override;

 private:
  void show(const std::string& human, const std::string& json);
  void run_hook(const otp::OtpPush& push);

  OutputFormat format_;
  OtpHook* hook_;
  std::string prompt_;
};

}  // namespace sc::customer
