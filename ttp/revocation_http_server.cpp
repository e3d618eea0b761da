#include "ttp/revocation_http_server.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "common/app/daemon_bootstrap.hpp"
#include "common/net/tls_stream.hpp"  // parse_host_port

namespace sc::ttp {
namespace po = boost::program_options;

namespace {

constexpr unsigned kMaxRequestTimeoutSeconds = 300;
constexpr std::size_t kMaxConnections = 100'000;

net::HttpListenerOptions listener_options(const po::variables_map& vm) {
  net::HttpListenerOptions options;
  options.name = "http";
  try {
    auto [host, port] = net::parse_host_port(vm["http-listen"].as<std::string>());
    options.host = host;
    options.port = port;
  } catch (const std::invalid_argument& failure) {
    throw std::invalid_argument(std::string("--http-listen: ") + failure.what());
  }
  boost::system::error_code error;
  net::asio::ip::make_address(options.host, error);
  if (error) {
    throw std::invalid_argument("--http-listen: \"" + options.host +
                                "\" is not an IP address (the HTTP listener binds an address)");
  }
  options.max_connections = vm["http-max-connections"].as<std::size_t>();
  if (options.max_connections < 1 || options.max_connections > kMaxConnections) {
    throw std::invalid_argument("--http-max-connections must be between 1 and " +
                                std::to_string(kMaxConnections));
  }
  options.max_connections_per_source = std::max<std::size_t>(1, options.max_connections / 4);
  const unsigned timeout = vm["http-request-timeout"].as<unsigned>();
  if (timeout < 1 || timeout > kMaxRequestTimeoutSeconds) {
    throw std::invalid_argument("--http-request-timeout must be between 1 and " +
                                std::to_string(kMaxRequestTimeoutSeconds) + " seconds");
  }
  options.request_timeout = std::chrono::seconds(timeout);
  options.write_timeout = std::chrono::seconds(timeout);
  return options;
}

}  // namespace

po::options_description http_revocation_options() {
  po::options_description options(
      "ttp serve: revocation over HTTP (RFC 6960 appendix A, RFC 5280)");
  options.add_options()(
      "http-listen", po::value<std::string>(),
      "serve OCSP (POST /ocsp, GET /ocsp/BASE64), the CRL (/ca.crl) and the CA certificate "
      "(/ca.crt) over plain HTTP on this IP:PORT (port 0: a free port; default: off)")(
      "public-url", po::value<std::string>(),
      "http://HOST[:PORT] under which relying parties reach those endpoints; every certificate "
      "issued then carries authorityInfoAccess (OCSP, caIssuers) and cRLDistributionPoints "
      "(default: the --http-listen address; neither option: no such extensions)")(
      "http-port-file", po::value<std::string>(),
      "write the HTTP port actually listened on to this file (useful with --http-listen HOST:0)")(
      "http-max-connections", po::value<std::size_t>()->default_value(64),
      "HTTP connections at once (a quarter of them per source address); more are closed at once")(
      "http-request-timeout", po::value<unsigned>()->default_value(10),
      "seconds an HTTP client has to send a complete request, and to take an answer");
  return options;
}

RevocationHttpServer::Running::~Running() {
  if (server_ != nullptr) server_->stop();
}

std::unique_ptr<RevocationHttpServer> RevocationHttpServer::bind_if_asked(
    const po::variables_map& vm) {
  if (!vm.count("http-listen")) {
    if (vm.count("http-port-file")) {
      throw std::invalid_argument("--http-port-file needs --http-listen");
    }
    return nullptr;
  }
  return std::make_unique<RevocationHttpServer>(
      listener_options(vm),
      vm.count("http-port-file") ? vm["http-port-file"].as<std::string>() : "");
}

RevocationHttpServer::Running RevocationHttpServer::serve(RevocationHttpServer* server,
                                                          TtpService& service,
                                                          const pki::Certificate& ca_certificate) {
  if (server == nullptr) return Running{};
  server->start(service, ca_certificate);
  return Running{server};
}

RevocationHttpServer::RevocationHttpServer(net::HttpListenerOptions options, std::string port_file)
    : listener_(io_, std::move(options),
                [this](const net::HttpRequest& request) { return endpoints_->answer(request); }),
      port_file_(std::move(port_file)) {}

RevocationHttpServer::~RevocationHttpServer() {
  stop();
}

std::optional<std::string> RevocationHttpServer::listening_url() const {
  const auto address = net::asio::ip::make_address(listener_.options().host);
  if (address.is_unspecified()) return std::nullopt;
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(port());
}

void RevocationHttpServer::start(TtpService& service, const pki::Certificate& ca_certificate) {
  endpoints_.emplace(service, ca_certificate);
  listener_.start();
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& failure) {
      spdlog::error("the HTTP side stopped: {}", failure.what());
    }
  });
  app::write_port_file(port_file_, port());
  spdlog::info(
      "revocation over HTTP on {}:{}: POST {} and GET {}/BASE64 (OCSP), GET {} (CRL), "
      "GET {} (CA certificate)",
      listener_.options().host, port(), pki::PublicationUrls::ocsp_path,
      pki::PublicationUrls::ocsp_path, pki::PublicationUrls::crl_path,
      pki::PublicationUrls::ca_issuers_path);
}

void RevocationHttpServer::stop() {
  listener_.stop();
  if (thread_.joinable()) thread_.join();
}

std::optional<pki::PublicationUrls> publication_urls(const po::variables_map& vm,
                                                     const RevocationHttpServer* http) {
  std::string base;
  if (vm.count("public-url")) {
    base = vm["public-url"].as<std::string>();
    if (auto problem = pki::public_url_problem(base)) {
      throw std::invalid_argument("--public-url \"" + base.substr(0, 64) + "\": " + *problem);
    }
  } else if (http != nullptr) {
    const auto url = http->listening_url();
    if (!url) {
      throw std::invalid_argument(
          "--http-listen on a wildcard address needs --public-url: the certificates must name "
          "a host relying parties can reach");
    }
    base = *url;
  } else {
    return std::nullopt;
  }
  const pki::PublicationUrls urls = pki::PublicationUrls::under(base);
  spdlog::info("certificates issued name OCSP {}, CA issuers {}, CRL {}", urls.ocsp,
               urls.ca_issuers, urls.crl);
  return urls;
}

}  // namespace sc::ttp
