#pragma once
// Tells systemd how a daemon is doing (Type=notify units, packaging/systemd/): READY=1 once it
// listens, STATUS= lines, STOPPING=1 when a signal asks it to stop, and WATCHDOG=1 keep-alives
// sent from the event loop itself when the unit sets WatchdogSec= (a loop that stalls misses them
// and systemd restarts the daemon). Outside systemd ($NOTIFY_SOCKET unset) every call does
// nothing. Uses libsystemd's sd_notify (Debian's libsystemd-dev).
#include <chrono>
#include <memory>
#include <string_view>

#include "common/net/asio.hpp"

namespace sc::app {

enum class ServiceState { ready, stopping };

// READY=1 or STOPPING=1, with a STATUS= line systemctl status shows.
void notify_service_manager(ServiceState state, std::string_view status);

// The keep-alive: WATCHDOG=1 at half the unit's WatchdogSec, from a timer on `io`. Nothing runs
// when the unit has no watchdog. stop() (or the destructor) ends it so the io_context can run
// out of work; destroy it before the io_context.
class ServiceWatchdog {
 public:
  explicit ServiceWatchdog(net::asio::io_context& io);
  ~ServiceWatchdog();
  ServiceWatchdog(const ServiceWatchdog&) = delete;
  ServiceWatchdog& operator=(const ServiceWatchdog&) = delete;
  void stop();
  // The interval between keep-alives; zero when systemd asked for none.
  std::chrono::microseconds interval() const { return interval_; }

 private:
  void arm();

  std::chrono::microseconds interval_{0};
  std::unique_ptr<net::asio::steady_timer> timer_;
};

}  // namespace sc::app
