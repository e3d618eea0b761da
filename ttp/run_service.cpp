#include "ttp/run_service.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "common/app/daemon_bootstrap.hpp"
#include "common/app/service_manager.hpp"
#include "common/net/listener.hpp"

namespace sc::ttp {
namespace {

template <typename T>
T option_or(const boost::program_options::variables_map& options, const char* name, T fallback) {
  return options.count(name) ? options[name].as<T>() : fallback;
}

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
  // Enrollment is authorised by the one-time token, status and CRL are public: the TTP does
  // not ask its peers for certificates.
  config.request_client_certificate = false;
  return config;
}

RequestSource source_of(net::TlsStream& stream) {
  boost::system::error_code error;
  const auto endpoint = stream.socket().remote_endpoint(error);
  if (error) return RequestSource::from_peer_label(stream.peer_label());
  return RequestSource{stream.peer_label(), endpoint.address().to_string()};
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

  tls::ServerConfig config = service_channel(*settings.credentials);
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
  spdlog::info("TTP ready on {}:{}: ENROLL, CA, STATUS, OCSP, CRL", host, listener.port());
  app::notify_service_manager(app::ServiceState::ready,
                              "serving on " + host + ":" + std::to_string(listener.port()));
  shutdown.run(option_or<unsigned>(options, "threads", 2));
  spdlog::info("TTP stopped");
  return 0;
}

}  // namespace sc::ttp
