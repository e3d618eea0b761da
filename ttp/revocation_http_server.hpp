#pragma once
// The plain-HTTP side of `ttp serve`: with --http-listen HOST:PORT, a net::HttpListener on its
// own thread serves the RevocationEndpoints (OCSP, CRL, CA certificate; see
// ttp/revocation_endpoints.hpp). Off by default. The URLs written into issued certificates come
// from --public-url, or from the address listened on.
//
//   auto http = RevocationHttpServer::bind_if_asked(vm);          // binds: port 0 is now known
//   policy.publication = publication_urls(vm, http.get());         // for the certificates
//   TtpService service(..., policy, ...);
//   const auto running = RevocationHttpServer::serve(http.get(), service, authority.root());
//   ... run_service(...) ...                                       // running stops it at scope end
#include <boost/program_options.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "common/net/http_listener.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/issuance_profile.hpp"
#include "ttp/revocation_endpoints.hpp"
#include "ttp/ttp_service.hpp"

namespace sc::ttp {

// --http-listen, --public-url, --http-port-file, --http-max-connections, --http-request-timeout.
boost::program_options::options_description http_revocation_options();

class RevocationHttpServer {
 public:
  // Stops the HTTP side when destroyed: declare it after the TtpService it serves.
  class Running {
   public:
    explicit Running(RevocationHttpServer* server = nullptr) : server_(server) {}
    Running(Running&& other) noexcept : server_(std::exchange(other.server_, nullptr)) {}
    Running& operator=(Running&&) = delete;
    ~Running();

   private:
    RevocationHttpServer* server_;
  };

  // Binds --http-listen (HOST:PORT, HOST an IP address; port 0 picks a free one) and writes
  // --http-port-file; nullptr when --http-listen is not given. Throws std::invalid_argument with
  // a sentence for unusable options, boost::system::system_error when the address cannot be
  // bound.
  static std::unique_ptr<RevocationHttpServer> bind_if_asked(
      const boost::program_options::variables_map& options);
  // Serves the endpoints on a thread of its own from now on (nothing when server is null).
  [[nodiscard]] static Running serve(RevocationHttpServer* server, TtpService& service,
                                     const pki::Certificate& ca_certificate);

  // port_file: where serve() writes the port (nothing when empty).
  RevocationHttpServer(net::HttpListenerOptions options, std::string port_file);
  ~RevocationHttpServer();  // stop()
  RevocationHttpServer(const RevocationHttpServer&) = delete;
  RevocationHttpServer& operator=(const RevocationHttpServer&) = delete;

  std::uint16_t port() const { return listener_.port(); }
  // "http://127.0.0.1:8080" ("http://[::1]:8080"); nullopt when the listener's host is a
  // wildcard address (0.0.0.0, ::), which names no host a relying party could reach.
  std::optional<std::string> listening_url() const;
  // Stops the listener and joins its thread; idempotent.
  void stop();

 private:
  void start(TtpService& service, const pki::Certificate& ca_certificate);

  net::asio::io_context io_;
  std::optional<RevocationEndpoints> endpoints_;
  net::HttpListener listener_;
  std::string port_file_;
  std::thread thread_;
};

// The URLs to write into issued certificates: under --public-url when given, else under the
// HTTP listener's address when there is one, else nullopt (no extensions). Throws
// std::invalid_argument with a sentence when --public-url is unusable, or when the listener's
// address is a wildcard and --public-url is missing.
std::optional<pki::PublicationUrls> publication_urls(
    const boost::program_options::variables_map& options, const RevocationHttpServer* http);

}  // namespace sc::ttp
