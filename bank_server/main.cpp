// bank_server: enrolls with the TTP, then serves customers over mutually authenticated TLS 1.3
// channels, issuing one-time passwords bound to a transaction and to the customer's
// certificate, and verifying them.
#include <spdlog/spdlog.h>
#include <boost/program_options.hpp>

#include <iostream>

#include "bank_server/bank_service.hpp"
#include "bank_server/customer_status.hpp"
#include "common/app/certificate_renewer.hpp"
#include "common/app/channel_options.hpp"
#include "common/app/daemon_bootstrap.hpp"
#include "common/app/enrollment.hpp"
#include "common/app/health_endpoint.hpp"
#include "common/app/ocsp_stapler.hpp"
#include "common/app/run_blocking.hpp"
#include "common/app/service_manager.hpp"
#include "common/net/listener.hpp"
#include "common/otp/audit_log.hpp"
#include "common/otp/seal_key.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/pki/pem_file.hpp"

namespace po = boost::program_options;
using namespace sc;

namespace {

struct BankOptions {
  std::string certs_dir = "certs/bank";
  std::string listen = "127.0.0.1:9443";
  std::string port_file;
  std::string config_file;
  std::string log_level = "info";
  std::string store;  // --store, parsed into service.store_location
  std::vector<std::string> host_names;
  unsigned threads = 2;
  app::ListenerLimits limits;  // --max-connections, --max-unauthenticated[-per-source]
  unsigned status_cache_seconds = 60;
  unsigned status_failure_cache_seconds = 10;
  unsigned status_wait_ms = 5000;
  bool revocation_fail_open = false;
  bank::BankServiceOptions service;
  app::ChannelOptions channel;
  app::EnrollmentOptions enrollment;
  app::HealthSettings health;  // --metrics-listen
};

po::options_description describe_options(BankOptions& options) {
  po::options_description general(
      "bank_server: serves customers one-time passwords over "
      "mutually authenticated TLS 1.3 channels\n\nGeneral");
  general.add_options()("help,h", "show this help")(
      "config", po::value(&options.config_file),
      "read options from this file too (key = value lines, same names as the flags)")(
      "certs-dir", po::value(&options.certs_dir)->default_value(options.certs_dir),
      "folder for the bank's key (mode 0600), certificate chain and the TTP's root")(
      "listen", po::value(&options.listen)->default_value(options.listen),
      "address and port to serve customers on (port 0: any free port)")(
      "port-file", po::value(&options.port_file),
      "write the port actually listened on to this file (for scripts using port 0)")(
      "host-name", po::value(&options.host_names)->multitoken(),
      "names and addresses customers reach the bank by, put in its certificate "
      "(default: localhost 127.0.0.1)")("threads",
                                        po::value(&options.threads)->default_value(options.threads),
                                        "threads serving connections")(

      "log-level", po::value(&options.log_level)->default_value("info"),
      "trace, debug, info, warn, error or off");
  app::add_health_options(general, options.health);

  po::options_description otp("One-time passwords");
  otp.add_options()("otp-digits", po::value(&options.service.digits)->default_value(6),
                    "digits per OTP (6-8)")(
      "otp-lifetime", po::value(&options.service.lifetime_seconds)->default_value(120),
      "seconds an OTP stays valid (at most 300, PSD2 RTS art. 4(3)(d))")(
      "otp-attempts", po::value(&options.service.max_attempts)->default_value(3),
      "wrong codes before the transaction is locked")(
      "max-failures", po::value(&options.service.max_customer_failures)->default_value(5),
      "consecutive wrong codes of one customer, across transactions and sessions, before the "
      "customer is blocked (at most 5, PSD2 RTS art. 4(3)(b))")(
      "block-seconds", po::value(&options.service.block_seconds)->default_value(15 * 60),
      "how long a blocked customer cannot confirm")(
      "store", po::value(&options.store),
      "the durable transaction store: sqlite:PATH or a path (default: CERTS_DIR/bank.db), or "
      "postgresql://[user@]host[:port]/database shared by several bank instances (password in "
      "~/.pgpass or PGPASSWORD, not in the URI)")(
      "push-key", po::value(&options.service.push_key_file),
      "the push sealing keys every bank instance on one store shares: pending OTPs wait in the "
      "store's database sealed under them (default: CERTS_DIR/push.key, created when absent)")(
      "audit-log", po::value(&options.service.audit_log),
      "append-only, MAC-chained audit log (default: CERTS_DIR/audit.log; key beside it)");

  po::options_description revocation("Customer certificate status");
  revocation.add_options()(
      "status-cache", po::value(&options.status_cache_seconds)->default_value(60),
      "seconds a good status answer from the TTP is reused (never past its nextUpdate)")(
      "status-failure-cache", po::value(&options.status_failure_cache_seconds)->default_value(10),
      "seconds a failed status lookup is remembered (customers are then refused at once)")(
      "status-wait-ms", po::value(&options.status_wait_ms)->default_value(5000),
      "milliseconds a customer's channel waits for the TTP's status answer")(
      "revocation-recheck",
      po::value(&options.service.revocation_recheck_seconds)->default_value(60),
      "seconds between re-checks of the certificates of open channels; a revoked customer's "
      "channels are closed with certificate_revoked")(
      "revocation-fail-open", po::bool_switch(&options.revocation_fail_open),
      "admit customers whose status the TTP cannot tell and who stapled none (default: refuse "
      "them, fail closed)");

  po::options_description channel("Channel");
  app::add_channel_options(channel, options.channel);
  app::add_listener_limit_options(channel, options.limits);
  po::options_description enrollment("Enrollment with the TTP (first start, or renewal)");
  app::add_enrollment_options(enrollment, options.enrollment);

  po::options_description all;
  all.add(general).add(otp).add(revocation).add(channel).add(enrollment);
  return all;
}

tls::ServerConfig server_config(const BankOptions& options, const app::Identity& identity,
                                const std::shared_ptr<app::OcspStapler>& stapler) {
  // Customers only (role policy), from our TTP; a stapled OCSP response is verified offline,
  // and a customer without one is looked up asynchronously after the handshake (admission).
  auto verifier =
      std::make_shared<pki::ChainVerifier>(std::vector<pki::Certificate>{identity.root});
  verifier->expect_role(pki::Role::Customer);
  verifier->set_staple_policy(pki::StaplePolicy::verify_if_present);

  tls::ServerConfig config;
  config.cipher_suites = app::resolve_cipher_suites(options.channel);
  config.groups = app::resolve_groups(options.channel);
  config.credentials = identity.credentials;
  config.client_authentication = tls::ClientAuthentication::required;
  config.verifier = verifier;
  config.ocsp_staple = stapler->source();
  config.request_client_status = tls::StatusRequest::ocsp;
  config.key_log = app::open_key_log(options.channel.key_log_file);
  return config;
}

// The bank's channel configuration and OCSP staple, swapped when its certificate is renewed:
// handshakes after the swap present the new certificate and its staple, channels already open
// keep theirs. Thread-safe.
class LiveBankChannel {
 public:
  LiveBankChannel(tls::ServerConfig config, std::shared_ptr<app::OcspStapler> stapler)
      : config_(std::make_shared<const tls::ServerConfig>(std::move(config))),
        stapler_(std::move(stapler)) {}

  std::unique_ptr<tls::Engine> new_engine() const {
    std::shared_ptr<const tls::ServerConfig> config;
    {
      std::lock_guard lock(mutex_);
      config = config_;
    }
    return tls::ServerEngine::create(std::move(config));  // shared, not copied per channel
  }

  void start(net::asio::io_context& io) {
    std::lock_guard lock(mutex_);
    stapler_->start(io);
  }

  // Starts the new stapler, stops the old one; false (nothing swapped) after stop().
  bool swap(tls::ServerConfig config, std::shared_ptr<app::OcspStapler> stapler,
            net::asio::io_context& io) {
    std::lock_guard lock(mutex_);
    if (stopped_) return false;
    config_ = std::make_shared<const tls::ServerConfig>(std::move(config));
    stapler_->stop();
    stapler_ = std::move(stapler);
    stapler_->start(io);
    return true;
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    stapler_->stop();
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const tls::ServerConfig> config_;
  std::shared_ptr<app::OcspStapler> stapler_;
  bool stopped_ = false;
};

bank::CustomerStatusOptions status_options(const BankOptions& options) {
  bank::CustomerStatusOptions status;
  status.good_for = std::chrono::seconds(options.status_cache_seconds);
  status.failure_for = std::chrono::seconds(options.status_failure_cache_seconds);
  status.wait_limit = std::chrono::milliseconds(options.status_wait_ms);
  status.unknown = options.revocation_fail_open ? bank::UnknownStatusPolicy::fail_open
                                                : bank::UnknownStatusPolicy::fail_closed;
  return status;
}

int serve(BankOptions& options) {
  options.enrollment.folder = options.certs_dir;
  options.enrollment.role = pki::Role::Bank;
  options.enrollment.dns_names = options.host_names.empty()
                                     ? std::vector<std::string>{"localhost", "127.0.0.1"}
                                     : options.host_names;
  options.service.folder = options.certs_dir;
  if (options.service.audit_log.empty()) {
    options.service.audit_log = (std::filesystem::path(options.certs_dir) / "audit.log").string();
  }
  if (options.service.push_key_file.empty()) {
    options.service.push_key_file =
        (std::filesystem::path(options.certs_dir) / "push.key").string();
  }
  options.service.store_location =
      options.store.empty()
          ? store::StoreLocation::sqlite(std::filesystem::path(options.certs_dir) / "bank.db")
          : store::StoreLocation::parse(options.store);
  app::prompt_for_missing_subject(options.enrollment.subject);
  app::Identity identity = app::ensure_enrolled(options.enrollment, options.channel);

  const app::TtpClient ttp(app::ttp_endpoint(options.enrollment, options.channel));
  auto stapler = std::make_shared<app::OcspStapler>(
      ttp, identity.certificate, identity.root,
      std::filesystem::path(options.certs_dir) / app::OcspStapler::cache_file_name);
  if (!stapler->refresh_now_blocking()) {
    spdlog::warn(
        "no OCSP staple for our certificate yet: customers refuse a bank without one "
        "by default; retrying in the background");
  }
  auto statuses = std::make_shared<bank::CustomerStatusService>(
      [ttp](const pki::Certificate& leaf) { return ttp.fetch_status_response(leaf); },
      status_options(options));
  tls::ServerConfig config = server_config(options, identity, stapler);
  const std::vector<tls::CipherSuite> suites = config.cipher_suites;
  spdlog::info("bank {} accepts suites: {}", identity.certificate.subject_line(),
               app::describe_suites(suites));
  spdlog::info("customers must present a certificate from {}; status from the TTP, fail {}",
               identity.root.subject_line(), options.revocation_fail_open ? "open" : "closed");

  auto service = std::make_shared<bank::BankService>(
      options.service, bank::CustomerAdmission(statuses, identity.root));
  auto [host, port] = net::parse_host_port(options.listen);
  net::asio::io_context io;
  net::ListenerOptions listener_options =
      app::resolve_listener_options(options.limits, options.channel);
  listener_options.host = host;
  listener_options.port = port;
  auto live = std::make_shared<LiveBankChannel>(std::move(config), stapler);
  net::Listener listener(
      io, listener_options, [live] { return live->new_engine(); },
      [service](net::TlsStream& stream) { return service->serve(stream); });
  // Renewal (docs/TTP.md, "Renewal"): at two thirds of the certificate's lifetime, a new
  // certificate from the TTP, then a staple for it, then both for new channels.
  const std::filesystem::path staple_file =
      std::filesystem::path(options.certs_dir) / app::OcspStapler::cache_file_name;
  app::RenewalSettings renewal;
  renewal.key = options.enrollment.renewal_key;
  auto renewer = std::make_shared<app::CertificateRenewer>(
      ttp, identity, renewal,
      [&options, &io, live, ttp, staple_file](const app::Identity& renewed) {
        auto next_stapler =
            std::make_shared<app::OcspStapler>(ttp, renewed.certificate, renewed.root, staple_file);
        if (!next_stapler->refresh_now_blocking()) {
          spdlog::warn(
              "no OCSP staple for the renewed certificate yet; retrying in the background");
        }
        if (live->swap(server_config(options, renewed, next_stapler), next_stapler, io)) {
          spdlog::info(
              "new channels present the renewed certificate serial {}; open channels "
              "keep theirs",
              renewed.certificate.serial_hex());
        }
      });
  app::ServiceWatchdog watchdog(io);
  net::ShutdownSignals shutdown(io, [&listener, &live, &renewer, &service, &watchdog] {
    app::notify_service_manager(app::ServiceState::stopping, "stopping");
    watchdog.stop();
    listener.stop();
    renewer->stop();
    live->stop();
    service->stop();
  });
  const std::filesystem::path certificate_file =
      std::filesystem::path(options.certs_dir) / "cert.pem";
  std::vector<app::ReadinessCheck> checks{
      app::certificate_check("bank_server",
                             [certificate_file]() -> std::optional<pki::Certificate> {
                               return pki::read_certificate_file(certificate_file);
                             }),
      app::cached_check(app::store_check(options.service.store_location), std::chrono::seconds(2)),
      app::cached_check({"ttp",
                         [ttp]() -> std::optional<std::string> {
                           const app::TtpReply reply = app::run_blocking(ttp.exchange("CA\n"));
                           if (reply.ok()) return std::nullopt;
                           return "the TTP answered " + reply.error_code();
                         }},
                        std::chrono::seconds(2))};
  const auto health = app::HealthEndpoint::start_if_asked(options.health, "bank_server", checks);
  live->start(io);
  renewer->start(io);
  service->start_housekeeping(io);
  listener.start();
  app::write_port_file(options.port_file, listener.port());
  spdlog::info("bank_server ready on {}:{}", host, listener.port());
  app::notify_service_manager(app::ServiceState::ready, "serving customers on " + host + ":" +
                                                            std::to_string(listener.port()));
  shutdown.run(options.threads);
  spdlog::info("bank_server stopped");
  return 0;
}

}  // namespace

// bank_server audit verify [--certs-dir DIR] [--audit-log FILE]
int audit_command(const std::vector<std::string>& args) {
  std::string certs_dir = "certs/bank";
  std::string audit_log;
  po::options_description description(
      "bank_server audit verify: checks the MAC chain of the audit log and names the first line "
      "that does not verify");
  description.add_options()("help,h", "show this help")(
      "certs-dir", po::value(&certs_dir)->default_value(certs_dir), "the bank's folder")(
      "audit-log", po::value(&audit_log), "the log (default: CERTS_DIR/audit.log)");
  if (args.size() < 2 || args[1] != "verify") {
    std::cerr << "bank_server: the audit command is \"bank_server audit verify\"\n";
    return 2;
  }
  const app::CommandLine command_line =
      app::parse_command_line("bank_server", std::vector<std::string>(args.begin() + 2, args.end()),
                              description, std::cout);
  if (command_line.decision == app::StartDecision::help_shown) return 0;
  if (command_line.decision == app::StartDecision::usage_error) return 2;
  const std::filesystem::path log = audit_log.empty()
                                        ? std::filesystem::path(certs_dir) / "audit.log"
                                        : std::filesystem::path(audit_log);
  return bank::verify_audit_command(log, otp::default_audit_key_path(log));
}

// bank_server push-key list|rotate|retire [--certs-dir DIR] [--push-key FILE] [--id ID]
int push_key_command(const std::vector<std::string>& args) {
  std::string certs_dir = "certs/bank";
  std::string key_file;
  std::string retired;
  po::options_description description(
      "bank_server push-key list|rotate|retire: the push sealing keys every bank instance on one "
      "store shares (docs/OTP_PROTOCOL.md, \"Several bank instances\"). rotate adds a key that "
      "seals from now on; retire --id ID removes an older key once its pushes have expired. "
      "Copy the file to every instance afterwards");
  description.add_options()("help,h", "show this help")(
      "certs-dir", po::value(&certs_dir)->default_value(certs_dir), "the bank's folder")(
      "push-key", po::value(&key_file), "the key file (default: CERTS_DIR/push.key)")(
      "id", po::value(&retired), "retire: the id of the key to remove");
  const std::string action = args.size() >= 2 ? args[1] : "";
  if (action != "list" && action != "rotate" && action != "retire") {
    std::cerr << "bank_server: the push-key commands are \"bank_server push-key list\", "
                 "\"... rotate\" and \"... retire --id ID\"\n";
    return 2;
  }
  const app::CommandLine command_line =
      app::parse_command_line("bank_server", std::vector<std::string>(args.begin() + 2, args.end()),
                              description, std::cout);
  if (command_line.decision == app::StartDecision::help_shown) return 0;
  if (command_line.decision == app::StartDecision::usage_error) return 2;
  const std::filesystem::path file = key_file.empty()
                                         ? std::filesystem::path(certs_dir) / "push.key"
                                         : std::filesystem::path(key_file);
  try {
    if (action == "retire" && retired.empty()) {
      std::cerr << "bank_server push-key retire: say which key with --id ID\n";
      return 2;
    }
    const otp::SealingKeyring keys = action == "rotate"   ? otp::add_sealing_key(file)
                                     : action == "retire" ? otp::remove_sealing_key(file, retired)
                                                          : otp::load_sealing_keys(file);
    std::cout << "push keys in " << file.string() << " (oldest first):\n";
    for (const otp::SealingKey& key : keys.keys()) {
      std::cout << "  " << key.id << (&key == &keys.newest() ? "  seals and opens" : "  opens")
                << "\n";
    }
    if (action != "list") {
      std::cout << "copy " << file.string() << " to every bank instance on this store\n";
    }
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "bank_server push-key " << action << ": " << error.what() << "\n";
    return 1;
  }
}

// bank_server renew [same options as serving]: renews the bank's certificate with the TTP now
// (RENEW, authenticated with the current certificate) and exits. A running bank_server renews
// by itself; this is for operators and scripts.
int renew_command(const std::vector<std::string>& args) {
  BankOptions options;
  po::options_description description = describe_options(options);
  const app::CommandLine command_line =
      app::parse_command_line("bank_server", std::vector<std::string>(args.begin() + 1, args.end()),
                              description, std::cout);
  if (command_line.decision == app::StartDecision::help_shown) return 0;
  if (command_line.decision == app::StartDecision::usage_error) return 2;
  options.enrollment.folder = options.certs_dir;
  options.enrollment.role = pki::Role::Bank;
  try {
    const app::Identity renewed = app::renew_now(options.enrollment, options.channel);
    std::cout << "renewed: serial " << renewed.certificate.serial_hex() << ", valid until "
              << pki::format_time(renewed.certificate.not_after()) << "\n";
    return 0;
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
}

int main(int argc, char** argv) {
  const std::vector<std::string> args = app::arguments(argc, argv);
  if (!args.empty() && args.front() == "audit") return audit_command(args);
  if (!args.empty() && args.front() == "renew") return renew_command(args);
  if (!args.empty() && args.front() == "push-key") return push_key_command(args);
  BankOptions options;
  po::options_description description = describe_options(options);
  const app::CommandLine command_line =
      app::parse_command_line("bank_server", args, description, std::cout);
  if (command_line.decision == app::StartDecision::help_shown) return 0;
  if (command_line.decision == app::StartDecision::usage_error) return 2;
  try {
    return serve(options);
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
}
