#include "ttp/run_service.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "common/app/daemon_bootstrap.hpp"
#include "common/app/service_manager.hpp"
#include "common/net/listener.hpp"
#include "common/pki/chain_verifier.hpp"

namespace sc::ttp {
namespace {

template <typename T>
T option_or(const boost::program_options::variables_map& options, const char* name, T fallback) {
  return options.count(name) ? options[name].as<T>() : fallback;
}

// The requester's certificate, when it presents one (RENEW authenticates with it): its chain
// must lead to our root and its leaf be fit for a client (EKU clientAuth, RFC 5280 section
// 4.2.1.12). An expired one is let through the handshake (its key is still proven by
// CertificateVerify) so that RENEW can answer "ERROR certificate-expired" instead of a bare
// alert; RENEW verifies the chain again and checks the registry (revocation, expiry) itself.
class RequesterVerifier : public tls::CertificateVerifier {
 public:
  explicit RequesterVerifier(const pki::Certificate& root) : chain_({root}) {}

  tls::CertificateCheck verify(const std::vector<Bytes>& chain_der, tls::PeerRole role,
                               const std::string& expected_server_name,
                               ByteView stapled_ocsp) const override {
    tls::CertificateCheck check =
        chain_.verify(chain_der, role, expected_server_name, stapled_ocsp);
    if (!check.accepted && check.alert == tls::AlertDescription::certificate_expired) {
      check.accepted = true;
      check.leaf_key.reset();  // the engine reads the key from the leaf itself
    }
    return check;
  }

 private:
  pki::ChainVerifier chain_;
};

tls::ServerConfig service_channel(const pki::ServiceCredentials& credentials) {
  tls::ServerConfig config;
  for (const pki::Certificate& certificate : credentials.chain) {
    config.credentials.certificate_chain.push_back(certificate.to_der());
  }
  // The key stays owned by the CA's credentials; the engine needs its own shared copy.
  SecretBytes pem = credentials.key.to_pem();
  config.credentials.private_key =
      std::make_shared<const crypto::PrivateKey>(crypto::PrivateKey::from_pem(
          std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size())));
  // Enrollment is authorised by the one-time token, status and CRL are public; RENEW is
  // authorised by the certificate being renewed. So the TTP asks for a client certificate but
  // does not require one (RFC 8446 section 4.4.2.4: the server "MAY at its discretion either
  // continue the handshake without client authentication" when the client sends none).
  config.client_authentication = tls::ClientAuthentication::optional;
  config.verifier = std::make_shared<RequesterVerifier>(credentials.chain.back());
  return config;
}

RequestSource source_of(net::TlsStream& stream) {
  boost::system::error_code error;
  const auto endpoint = stream.socket().remote_endpoint(error);
  RequestSource source =
      error ? RequestSource::from_peer_label(stream.peer_label())
            : RequestSource{stream.peer_label(), endpoint.address().to_string(), {}};
  source.client_certificate_chain = stream.summary().peer_certificate_chain;
  return source;
}

// One connection, one request at a time: each answer is written (the kernel took its bytes)
// before the next request is handled, and the peer is read again only when everything it sent
// was answered. A peer that does not read its answers therefore stops being read, and what the
// TTP holds for it stays bounded: one record of unparsed bytes, at most
// TtpConnection::max_waiting_requests parsed requests and one answer.
net::asio::awaitable<void> serve_requester(TtpService& service, net::TlsStream& stream) {
  TtpConnection connection(service, source_of(stream));
  for (;;) {
    while (auto answer = connection.next_answer()) co_await stream.write(as_bytes(*answer));
    if (connection.should_close()) break;
    Bytes received = co_await stream.read();
    if (received.empty()) break;  // close_notify
    connection.receive(received);
  }
}

}  // namespace

int run_service(TtpService& service, const ServeSettings& settings) {
  const auto& options = *settings.options;
  auto [host, port] = net::parse_host_port(settings.listen);
  net::ListenerOptions listener_options;
  listener_options.host = host;
  listener_options.port = port;
  listener_options.max_connections = option_or<std::size_t>(options, "max-connections", 256);
  listener_options.timeouts.handshake =
      std::chrono::seconds(option_or<unsigned>(options, "handshake-timeout", 10));
  listener_options.timeouts.idle =
      std::chrono::seconds(option_or<unsigned>(options, "idle-timeout", 30));
  listener_options.timeouts.write =
      std::chrono::seconds(option_or<unsigned>(options, "write-timeout", 10));
  listener_options.max_unauthenticated =
      option_or<std::size_t>(options, "max-unauthenticated", 512);
  listener_options.max_unauthenticated_per_source =
      option_or<std::size_t>(options, "max-unauthenticated-per-source", 32);

  // One configuration shared by every connection's engine, not a copy per connection.
  const auto config =
      std::make_shared<const tls::ServerConfig>(service_channel(*settings.credentials));
  net::asio::io_context io;
  net::Listener listener(
      io, listener_options, [config] { return tls::ServerEngine::create(config); },
      [&service](net::TlsStream& stream) { return serve_requester(service, stream); });
  app::ServiceWatchdog watchdog(io);
  net::ShutdownSignals shutdown(io, [&listener, &watchdog] {
    app::notify_service_manager(app::ServiceState::stopping, "stopping");
    watchdog.stop();
    listener.stop();
  });
  listener.start();
  app::write_port_file(option_or<std::string>(options, "port-file", ""), listener.port());
  spdlog::info("TTP ready on {}:{}: ENROLL, RENEW, CA, STATUS, OCSP, CRL", host, listener.port());
  app::notify_service_manager(app::ServiceState::ready,
                              "serving on " + host + ":" + std::to_string(listener.port()));
  shutdown.run(option_or<unsigned>(options, "threads", 2));
  spdlog::info("TTP stopped");
  return 0;
}

}  // namespace sc::ttp
