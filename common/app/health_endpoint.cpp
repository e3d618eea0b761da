#include "common/app/health_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <mutex>

#include "common/app/daemon_bootstrap.hpp"
#include "common/metrics/metrics.hpp"
#include "common/net/tls_stream.hpp"

namespace sc::app {

namespace {

constexpr const char* kListenHelp =
    "serve /healthz, /readyz and /metrics (Prometheus) over plain HTTP on this IP:PORT (off by "
    "default; bind it to loopback or a management network)";
constexpr const char* kPortFileHelp =
    "write the port the metrics listener uses to this file (for --metrics-listen IP:0)";

}  // namespace

void add_health_options(boost::program_options::options_description& options,
                        HealthSettings& settings) {
  namespace po = boost::program_options;
  options.add_options()("metrics-listen", po::value(&settings.listen), kListenHelp)(
      "metrics-port-file", po::value(&settings.port_file), kPortFileHelp);
}

void add_health_options(boost::program_options::options_description& options) {
  namespace po = boost::program_options;
  options.add_options()("metrics-listen", po::value<std::string>(), kListenHelp)(
      "metrics-port-file", po::value<std::string>(), kPortFileHelp);
}

HealthSettings health_settings(const boost::program_options::variables_map& values) {
  HealthSettings settings;
  if (values.count("metrics-listen")) settings.listen = values["metrics-listen"].as<std::string>();
  if (values.count("metrics-port-file")) {
    settings.port_file = values["metrics-port-file"].as<std::string>();
  }
  return settings;
}

net::HttpResponse answer_health_request(const net::HttpRequest& request,
                                        const std::vector<ReadinessCheck>& checks) {
  const std::string_view path = request.path();
  if (path != "/healthz" && path != "/readyz" && path != "/metrics") {
    return net::HttpResponse::text(404, "no such page: /healthz, /readyz and /metrics exist");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return net::HttpResponse::text(405, "only GET and HEAD").with_field("Allow", "GET, HEAD");
  }
  if (path == "/healthz") return net::HttpResponse::text(200, "ok");
  if (path == "/metrics") {
    return net::HttpResponse::binary("text/plain; version=0.0.4; charset=utf-8",
                                     metrics::global().exposition());
  }
  std::string problems;
  for (const ReadinessCheck& check : checks) {
    std::optional<std::string> problem;
    try {
      problem = check.check();
    } catch (const std::exception& error) {
      problem = error.what();
    }
    if (problem) problems += "not ready: " + check.name + ": " + *problem + "\n";
  }
  if (problems.empty()) return net::HttpResponse::text(200, "ready");
  problems.pop_back();
  return net::HttpResponse::text(503, problems);
}

std::unique_ptr<HealthEndpoint> HealthEndpoint::start_if_asked(const HealthSettings& settings,
                                                               std::string daemon,
                                                               std::vector<ReadinessCheck> checks) {
  if (settings.listen.empty()) return nullptr;
  const auto [host, port] = net::parse_host_port(settings.listen);
  net::HttpListenerOptions options;
  options.host = host;
  options.port = port;
  options.name = daemon + " metrics";
  options.max_connections = 16;
  options.max_connections_per_source = 8;
  options.max_body_bytes = 1024;  // only GET and HEAD are answered
  auto endpoint = std::make_unique<HealthEndpoint>(options, std::move(checks));
  write_port_file(settings.port_file, endpoint->port());
  spdlog::info("{}: /healthz, /readyz and /metrics on http://{}:{}", daemon, host,
               endpoint->port());
  return endpoint;
}

HealthEndpoint::HealthEndpoint(net::HttpListenerOptions options, std::vector<ReadinessCheck> checks)
    : checks_(std::move(checks)),
      listener_(io_, std::move(options), [this](const net::HttpRequest& request) {
        return answer_health_request(request, checks_);
      }) {
  listener_.start();
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& error) {
      spdlog::error("the metrics listener stopped: {}", error.what());
    }
  });
}

HealthEndpoint::~HealthEndpoint() {
  stop();
}

void HealthEndpoint::stop() {
  listener_.stop();
  if (thread_.joinable()) thread_.join();
}

ReadinessCheck certificate_check(const std::string& daemon,
                                 std::function<std::optional<pki::Certificate>()> current) {
  metrics::global().gauge_callback(
      "sc_certificate_expiry_timestamp_seconds",
      "when the daemon's own certificate expires (Unix time; 0 when none is loaded)",
      {{"daemon", daemon}}, [current] {
        const std::optional<pki::Certificate> certificate = current();
        if (!certificate) return 0.0;
        return std::chrono::duration<double>(certificate->not_after().time_since_epoch()).count();
      });
  return {"certificate", [current]() -> std::optional<std::string> {
            const std::optional<pki::Certificate> certificate = current();
            if (!certificate) return "no certificate is loaded";
            const auto now = std::chrono::system_clock::now();
            if (now < certificate->not_before()) return "the certificate is not valid yet";
            if (now >= certificate->not_after()) return "the certificate has expired";
            return std::nullopt;
          }};
}

ReadinessCheck store_check(store::StoreLocation location) {
  return {"store", [location]() -> std::optional<std::string> {
            try {
              auto database = store::open_database(location);
              database->query("SELECT 1");
              return std::nullopt;
            } catch (const std::exception& error) {
              return std::string("the store ") + location.display() +
                     " does not answer: " + error.what();
            }
          }};
}

ReadinessCheck cached_check(ReadinessCheck check, std::chrono::milliseconds for_how_long) {
  struct Cache {
    std::mutex mutex;
    std::chrono::steady_clock::time_point until{};
    std::optional<std::string> answer;
  };
  auto cache = std::make_shared<Cache>();
  auto inner = std::move(check.check);
  return {check.name, [cache, inner, for_how_long]() -> std::optional<std::string> {
            std::lock_guard lock(cache->mutex);
            const auto now = std::chrono::steady_clock::now();
            if (now >= cache->until) {
              try {
                cache->answer = inner();
              } catch (const std::exception& error) {
                cache->answer = error.what();
              }
              cache->until = now + for_how_long;
            }
            return cache->answer;
          }};
}

}  // namespace sc::app
