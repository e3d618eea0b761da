#include "common/app/service_manager.hpp"

#include <systemd/sd-daemon.h>

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>

namespace sc::app {

void notify_service_manager(ServiceState state, std::string_view status) {
  std::string message = state == ServiceState::ready ? "READY=1\n" : "STOPPING=1\n";
  message += "STATUS=";
  message += status;
  // 0: not under systemd (nothing to tell); negative: the socket failed, which must not stop
  // the daemon.
  const int sent = sd_notify(0, message.c_str());
  if (sent < 0) spdlog::warn("could not notify systemd: error {}", -sent);
}

ServiceWatchdog::ServiceWatchdog(net::asio::io_context& io) {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  interval_ = std::chrono::microseconds(usec / 2);
  timer_ = std::make_unique<net::asio::steady_timer>(io);
  spdlog::info("systemd watchdog: a keep-alive every {} ms", interval_.count() / 1000);
  sd_notify(0, "WATCHDOG=1");
  arm();
}

ServiceWatchdog::~ServiceWatchdog() {
  stop();
}

void ServiceWatchdog::arm() {
  timer_->expires_after(interval_);
  timer_->async_wait([this](const boost::system::error_code& error) {
    if (error) return;  // cancelled by stop()
    sd_notify(0, "WATCHDOG=1");
    arm();
  });
}

void ServiceWatchdog::stop() {
  if (timer_) timer_->cancel();
}

}  // namespace sc::app
