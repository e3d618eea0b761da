// bank_server: enrolls with the TTP, then serves customers over mutually authenticated TLS 1.3
// channels, issuing one-time passwords bound to a transaction and to the customer's
// certificate, and verifying them.
#include <spdlog/spdlog.h>
#include <boost/program_options.hpp>

#include <fstream>
#include <iostream>

#include "bank_server/bank_service.hpp"
#include "bank_server/revocation_status_cache.hpp"
#include "common/app/channel_options.hpp"
#include "common/app/enrollment.hpp"
#include "common/net/listener.hpp"
#include "common/pki/chain_verifier.hpp"

namespace po = boost::program_options;
using namespace sc;

namespace {

struct BankOptions {
  std::string certs_dir = "certs/bank";
  std::string listen = "127.0.0.1:9443";
  std::string port_file;
  std::string config_file;
  std::string log_level = "info";
  std::vector<std::string> host_names;
  unsigned threads = 2;
  std::size_t max_connections = 1024;
  unsigned status_cache_seconds = 60;
  bool revocation_fail_open = false;
  bank::BankServiceOptions service;
  app::ChannelOptions channel;
  app::EnrollmentOptions enrollment;
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
      "max-connections", po::value(&options.max_connections)->default_value(1024),
      "connections served at once; more are refused")(
      "log-level", po::value(&options.log_level)->default_value("info"),
      "trace, debug, info, warn, error or off");

  po::options_description otp("One-time passwords");
  otp.add_options()("otp-digits", po::value(&options.service.digits)->default_value(6),
                    "digits per OTP (6-8)")(
      "otp-lifetime", po::value(&options.service.lifetime_seconds)->default_value(120),
      "seconds an OTP stays valid")("otp-attempts",
                                    po::value(&options.service.max_attempts)->default_value(3),
                                    "wrong codes before the transaction is locked")(
      "audit-log", po::value(&options.service.audit_log),
      "append-only audit log (default: CERTS_DIR/audit.log)");

  po::options_description revocation("Customer certificate status");
  revocation.add_options()("status-cache",
                           po::value(&options.status_cache_seconds)->default_value(60),
                           "seconds a status answer from the TTP is reused")(
      "revocation-fail-open", po::bool_switch(&options.revocation_fail_open),
      "accept customers when the TTP cannot be asked (default: refuse them, fail closed)");

  po::options_description channel("Channel");
  app::add_channel_options(channel, options.channel);
  po::options_description enrollment("Enrollment with the TTP (first start, or renewal)");
  app::add_enrollment_options(enrollment, options.enrollment);

  po::options_description all;
  all.add(general).add(otp).add(revocation).add(channel).add(enrollment);
  return all;
}

void write_port_file(const std::string& path, std::uint16_t port) {
  if (path.empty()) return;
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << port << '\n';
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path);
}

tls::ServerConfig server_config(const BankOptions& options, const app::Identity& identity,
                                std::shared_ptr<bank::RevocationStatusCache> statuses) {
  auto verifier =
      std::make_shared<pki::ChainVerifier>(std::vector<pki::Certificate>{identity.root});
  verifier->set_revocation_check(
      [statuses](const pki::Certificate& leaf, const pki::Certificate& issuer) {
        return statuses->check(leaf, issuer);
      });
  verifier->require_known_status(!options.revocation_fail_open);

  tls::ServerConfig config;
  config.cipher_suites = app::resolve_cipher_suites(options.channel);
  config.groups = app::resolve_groups(options.channel);
  config.credentials = identity.credentials;
  config.request_client_certificate = true;
  config.require_client_certificate = true;
  config.verifier = verifier;
  config.key_log = app::open_key_log(options.channel.key_log_file);
  return config;
}

int serve(BankOptions& options) {
  options.enrollment.folder = options.certs_dir;
  options.enrollment.role = pki::Role::Bank;
  options.enrollment.dns_names = options.host_names.empty()
                                     ? std::vector<std::string>{"localhost", "127.0.0.1"}
                                     : options.host_names;
  if (options.service.audit_log.empty()) {
    options.service.audit_log = (std::filesystem::path(options.certs_dir) / "audit.log").string();
  }
  app::prompt_for_missing_subject(options.enrollment.subject);
  app::Identity identity = app::ensure_enrolled(options.enrollment, options.channel);

  auto statuses = std::make_shared<bank::RevocationStatusCache>(
      app::TtpClient(app::ttp_endpoint(options.enrollment, options.channel)),
      std::chrono::seconds(options.status_cache_seconds), options.revocation_fail_open);
  tls::ServerConfig config = server_config(options, identity, statuses);
  spdlog::info("bank {} accepts suites: {}", identity.certificate.subject_line(),
               app::describe_suites(config.cipher_suites));
  spdlog::info("customers must present a certificate from {}; status from the TTP, fail {}",
               identity.root.subject_line(), options.revocation_fail_open ? "open" : "closed");

  auto service = std::make_shared<bank::BankService>(options.service);
  auto [host, port] = net::parse_host_port(options.listen);
  net::asio::io_context io;
  net::Listener listener(
      io,
      net::ListenerOptions{host, port, options.max_connections,
                           app::resolve_timeouts(options.channel)},
      [config] { return tls::ServerEngine::create(config); },
      [service](net::TlsStream& stream) { return service->serve(stream); });
  net::ShutdownSignals shutdown(io, [&listener] { listener.stop(); });
  listener.start();
  write_port_file(options.port_file, listener.port());
  spdlog::info("bank_server ready on {}:{}", host, listener.port());
  shutdown.run(options.threads);
  spdlog::info("bank_server stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  BankOptions options;
  po::options_description description = describe_options(options);
  try {
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, description), values);
    if (values.count("config")) {
      po::store(po::parse_config_file(values["config"].as<std::string>().c_str(), description),
                values);
    }
    po::notify(values);
    if (values.count("help")) {
      std::cout << description << '\n';
      return 0;
    }
    app::configure_logging("bank_server", options.log_level);
  } catch (const std::exception& error) {
    std::cerr << "bank_server: " << error.what() << "\n(see bank_server --help)\n";
    return 2;
  }
  try {
    return serve(options);
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
}
