#pragma once
// What a monitoring system asks a daemon, on an HTTP listener of its own (--metrics-listen
// IP:PORT, off by default; plain HTTP, so bind it to loopback or a management network):
//   /healthz  200 "ok" while the process runs its HTTP thread (liveness);
//   /readyz   200 "ready", or 503 with one line per failed check (readiness: certificate loaded
//             and valid, store reachable, TTP reachable for the bank, bank reachable for a device);
//   /metrics  the process's metrics (common/metrics) in the Prometheus text format 0.0.4.
// The listener runs on a thread of its own, so a slow check never stalls the daemon's channels.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/net/http_listener.hpp"
#include "common/net/http_message.hpp"
#include "common/pki/certificate.hpp"
#include "common/store/database.hpp"

namespace sc::app {

// One thing /readyz verifies: nullopt when fine, else a sentence saying what is wrong.
struct ReadinessCheck {
  std::string name;  // "certificate", "store", "ttp"
  std::function<std::optional<std::string>()> check;
};

struct HealthSettings {
  std::string listen;     // IP:PORT; empty = no endpoint
  std::string port_file;  // where the port listened on is written (for port 0)
};
// --metrics-listen and --metrics-port-file, bound to settings.
void add_health_options(boost::program_options::options_description& options,
                        HealthSettings& settings);
// The same options unbound, for programs that read a variables_map, and what they hold.
void add_health_options(boost::program_options::options_description& options);
HealthSettings health_settings(const boost::program_options::variables_map& values);

// Answers /healthz, /readyz and /metrics (testable without a socket).
net::HttpResponse answer_health_request(const net::HttpRequest& request,
                                        const std::vector<ReadinessCheck>& checks);

class HealthEndpoint {
 public:
  // Binds and starts serving; nullptr when settings.listen is empty. Throws
  // std::invalid_argument for a malformed address, boost::system::system_error when it cannot
  // bind.
  static std::unique_ptr<HealthEndpoint> start_if_asked(const HealthSettings& settings,
                                                        std::string daemon,
                                                        std::vector<ReadinessCheck> checks);
  HealthEndpoint(net::HttpListenerOptions options, std::vector<ReadinessCheck> checks);
  ~HealthEndpoint();  // stop()
  HealthEndpoint(const HealthEndpoint&) = delete;
  HealthEndpoint& operator=(const HealthEndpoint&) = delete;
  std::uint16_t port() const { return listener_.port(); }
  void stop();  // idempotent

 private:
  std::vector<ReadinessCheck> checks_;
  net::asio::io_context io_;
  net::HttpListener listener_;
  std::thread thread_;
};

// A check that the certificate read by `current` is within its validity period, and a gauge
// sc_certificate_expiry_timestamp_seconds{daemon} for alerting before it expires.
ReadinessCheck certificate_check(const std::string& daemon,
                                 std::function<std::optional<pki::Certificate>()> current);

// The store answers (a fresh connection, so the daemon's own is never disturbed).
ReadinessCheck store_check(store::StoreLocation location);

// Caches a slow check's answer for `for_how_long` (a TTP probe costs a handshake).
ReadinessCheck cached_check(ReadinessCheck check, std::chrono::milliseconds for_how_long);

}  // namespace sc::app
