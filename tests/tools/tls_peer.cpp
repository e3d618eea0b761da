// tls_peer: our TLS 1.3 engines as a command-line peer, so interop tests (and people) can point
// them at OpenSSL's s_server/s_client and at each other.
//
//   tls_peer client --connect HOST:PORT --ca-file CA [--cert F --key F] [--send LINE]...
//                   [--key-update] [--suites ...|--cipher X --hash Y] [--groups ...]
//                   [--status [--save-staple F]] [--ocsp-staple DER]
//   tls_peer server --listen 127.0.0.1:0 --cert F --key F [--ca-file CA --require-client-cert]
//                   [--ocsp-staple DER] [--request-client-status] [--http | --echo] [--quiet]
//   Both: [--records-per-key N] (RFC 8446 section 5.5 limit, lowered to see KeyUpdates)
//
// Machine-readable lines on stdout (stderr carries the spdlog protocol log):
//   handshake: version=TLSv1.3 suite=... group=... hello_retry_request=yes|no
//              peer_signature=... own_signature=... peer=<subject>|none
//   listening on PORT                       (server, once the port is bound)
//   sent: LINE / received: LINE             (client)
//   received: LINE / answered: ANSWER       (server: "echo: LINE" or "error: ...")
//   http: answered REQUEST-LINE from=...    (server --http: one HTTP/1.0 200 record, then
//                                            close_notify, like openssl s_server -www)
//   echoed: N records, M bytes from=...     (server --echo: each record returned verbatim)
//   OCSP staple: N bytes | none             (client --status: what the server stapled;
//                                            server: what a client stapled, with from=)
//   closed: ...                             (how the channel ended)
//   failed: ...                             (the alert or error, exit status 1)
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/app/channel_options.hpp"
#include "common/app/run_blocking.hpp"
#include "common/crypto/signature.hpp"
#include "common/net/listener.hpp"
#include "common/net/tls_stream.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/chain_verifier.hpp"
#include "tests/tools/line_buffer.hpp"

namespace sc::test {
namespace {
namespace po = boost::program_options;

// ---------------------------------------------------------------- options
struct PeerOptions {
  std::string certificate_file;
  std::string key_file;
  std::string ca_file;
  std::string log_level = "info";
  std::string ocsp_staple_file;       // DER OCSP response stapled to our certificate when asked
  std::uint64_t records_per_key = 0;  // Limits::records_per_traffic_key; 0: the suite's limit
  app::ChannelOptions channel;
};

struct ClientOptions : PeerOptions {
  std::string connect;
  std::string server_name;
  std::vector<std::string> lines;
  bool key_update = false;
  bool request_status = false;   // status_request in the ClientHello
  std::string save_staple_file;  // where the server's staple is written
};

// What the server does with the application data of each connection.
enum class ServerMode {
  lines,  // answers each line with "echo: LINE" (the default)
  http,   // one HTTP/1.0 200 response record to the first request, then close_notify
  echo,   // every record back verbatim, record for record
};

struct ServerOptions : PeerOptions {
  std::string listen = "127.0.0.1:0";
  bool http = false;
  bool echo = false;
  bool request_client_certificate = false;
  bool require_client_certificate = false;
  bool request_client_status = false;  // status_request in the CertificateRequest
  bool quiet = false;                  // no line per connection on stdout
  std::size_t max_connections = 64;
  unsigned threads = 1;
};

void add_peer_options(po::options_description& options, PeerOptions& peer) {
  options.add_options()("cert", po::value(&peer.certificate_file),
                        "certificate chain (PEM, leaf first)")("key", po::value(&peer.key_file),
                                                               "private key (PEM, mode 0600)")(
      "ca-file", po::value(&peer.ca_file), "trusted root certificate(s) for the peer's chain")(
      "log-level", po::value(&peer.log_level)->default_value("info"),
      "trace, debug, info, warn, error, off (the protocol log on stderr)")(
      "ocsp-staple", po::value(&peer.ocsp_staple_file),
      "DER OCSP response to staple to our certificate when the peer asks (status_request, "
      "RFC 8446 section 4.4.2.1); read again at each handshake")(
      "records-per-key", po::value(&peer.records_per_key)->default_value(0),
      "records one traffic key protects before KeyUpdate (RFC 8446 section 5.5); 0: the "
      "suite's limit (2^24.5 for AES-GCM); tests lower it to see automatic KeyUpdates");
  app::add_channel_options(options, peer.channel);
}

// Parses the arguments after the mode; returns false when --help was asked for.
bool parse(int argc, char** argv, po::options_description& options) {
  options.add_options()("help,h", "show this help");
  po::variables_map values;
  po::store(po::command_line_parser(argc, argv).options(options).run(), values);
  if (values.count("help") != 0) {
    std::cout << options << "\n";
    return false;
  }
  po::notify(values);
  return true;
}

// ---------------------------------------------------------------- output
std::mutex output_mutex;

void say(const std::string& line) {
  std::lock_guard lock(output_mutex);
  std::cout << line << std::endl;  // flushed: tests read it while we run
}

// server --quiet: no line per connection (a benchmark's server must not write per handshake);
// "listening on PORT", "stopped" and a fatal "failed: ..." are still printed.
std::atomic<bool> connection_lines_muted{false};

void say_about_connection(const std::string& line) {
  if (!connection_lines_muted.load(std::memory_order_relaxed)) say(line);
}

// Control bytes as \xNN so that every printed line stays one readable line.
std::string printable(const std::string& text) {
  std::string shown;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      shown += escaped;
    } else {
      shown += c;
    }
  }
  return shown;
}

std::string describe(const tls::HandshakeSummary& summary) {
  std::string line = "handshake: version=TLSv1.3 suite=";
  line += tls::cipher_suite_info(summary.suite).name;
  line += " group=";
  line += tls::named_group_name(summary.group);
  line += summary.hello_retry_request ? " hello_retry_request=yes" : " hello_retry_request=no";
  line += " peer_signature=";
  line += summary.peer_certificate_chain.empty()
              ? "none"
              : crypto::signature_scheme_name(summary.peer_signature_scheme);
  line += " own_signature=";
  line += summary.own_signature_scheme
              ? crypto::signature_scheme_name(*summary.own_signature_scheme)
              : "none";
  line += " peer=";
  line += summary.peer_subject.empty() ? "none" : summary.peer_subject;
  return line;
}

std::string describe_failure(const net::ChannelError& error) {
  if (!error.is_alert()) return "failed: " + std::string(error.what());
  const char* direction =
      error.origin() == net::AlertOrigin::peer ? "alert received " : "alert sent ";
  return "failed: " + std::string(direction) +
         tls::alert_name(static_cast<tls::AlertDescription>(error.code().value())) + ": " +
         error.what();
}

// ---------------------------------------------------------------- credentials and trust
std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::shared_ptr<const tls::CertificateVerifier> load_verifier(const std::string& ca_file) {
  std::vector<pki::Certificate> roots = pki::Certificate::chain_from_pem(read_text(ca_file));
  if (roots.empty()) throw std::runtime_error("no certificate in CA file " + ca_file);
  return std::make_shared<pki::ChainVerifier>(std::move(roots));
}

Bytes read_binary(const std::string& path) {
  const std::string content = read_text(path);
  return Bytes(content.begin(), content.end());
}

// The staple source: the file is read at every handshake, so a refreshed response is used at
// once; it must be readable and non-empty at start.
tls::OcspStapleSource load_ocsp_staple(const std::string& file) {
  if (file.empty()) return {};
  if (read_binary(file).empty()) throw std::invalid_argument("OCSP response " + file + " is empty");
  return [file]() -> std::optional<Bytes> {
    try {
      Bytes response = read_binary(file);
      spdlog::info("stapling the OCSP response in {} ({} bytes)", file, response.size());
      return response;
    } catch (const std::exception& error) {
      spdlog::warn("no OCSP staple: {}", error.what());
      return std::nullopt;
    }
  };
}

std::string describe_staple(const tls::HandshakeSummary& summary) {
  if (!summary.peer_ocsp_response) return "OCSP staple: none";
  return "OCSP staple: " + std::to_string(summary.peer_ocsp_response->size()) + " bytes";
}

void save_staple(const tls::HandshakeSummary& summary, const std::string& file) {
  if (file.empty() || !summary.peer_ocsp_response) return;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(summary.peer_ocsp_response->data()),
            static_cast<std::streamsize>(summary.peer_ocsp_response->size()));
  if (!out) throw std::runtime_error("cannot write the OCSP staple to " + file);
}

std::optional<tls::Credentials> load_optional_credentials(const PeerOptions& peer) {
  if (peer.certificate_file.empty() != peer.key_file.empty()) {
    throw std::invalid_argument("give both --cert and --key, or neither");
  }
  if (peer.certificate_file.empty()) return std::nullopt;
  return app::load_credentials(peer.certificate_file, peer.key_file);
}

// ---------------------------------------------------------------- client
tls::ClientConfig client_config(const ClientOptions& options, const std::string& host) {
  if (options.ca_file.empty()) {
    throw std::invalid_argument("the client needs --ca-file to verify the server");
  }
  tls::ClientConfig config;
  config.cipher_suites = app::resolve_cipher_suites(options.channel);
  config.groups = app::resolve_groups(options.channel);
  config.key_share_groups = {config.groups.front()};  // the others via HelloRetryRequest
  config.server_name = options.server_name.empty() ? host : options.server_name;
  config.credentials = load_optional_credentials(options);
  config.verifier = load_verifier(options.ca_file);
  config.request_status =
      options.request_status ? tls::StatusRequest::ocsp : tls::StatusRequest::none;
  config.ocsp_staple = load_ocsp_staple(options.ocsp_staple_file);
  config.key_log = app::open_key_log(options.channel.key_log_file);
  config.limits.records_per_traffic_key = options.records_per_key;
  return config;
}

// The next answer line, or nullopt when the peer closed with close_notify.
net::asio::awaitable<std::optional<std::string>> read_answer(net::TlsStream& stream,
                                                             LineBuffer& buffer) {
  for (;;) {
    if (auto item = buffer.next()) {
      if (auto* line = std::get_if<TextLine>(&*item)) co_return line->text;
      co_return "(refused) " + std::get<RefusedInput>(*item).reason;
    }
    Bytes chunk = co_await stream.read();
    if (chunk.empty()) co_return std::nullopt;
    buffer.append(chunk);
  }
}

// A server that refuses us right after the handshake (certificate_required, RFC 8446 section
// 4.4.2.4) may have closed the connection before our first write; its alert is still waiting in
// our receive buffer, and it explains the failure better than "broken pipe".
net::asio::awaitable<void> write_line(net::TlsStream& stream, const std::string& line) {
  const std::string record = line + "\n";
  std::exception_ptr write_failure;
  try {
    co_await stream.write(as_bytes(record));
  } catch (const boost::system::system_error&) {
    write_failure = std::current_exception();
  }
  if (!write_failure) co_return;
  try {
    co_await stream.read();
  } catch (const net::ChannelError& error) {
    if (error.is_alert()) throw;
  } catch (const boost::system::system_error&) {
    // no alert either: the write failure below is the best explanation
  }
  std::rethrow_exception(write_failure);
}

net::asio::awaitable<void> send_key_update(net::TlsStream& stream) {
  co_await stream.key_update(tls::KeyUpdateRequest::requested);
  say("key-update: sent KeyUpdate (update_requested)");
}

net::asio::awaitable<int> run_client(ClientOptions options) {
  auto [host, port] = net::parse_host_port(options.connect);
  tls::ClientConfig config = client_config(options, host);
  spdlog::info("offering {}", app::describe_suites(config.cipher_suites));
  std::shared_ptr<net::TlsStream> stream =
      co_await net::connect(host, port, std::move(config), app::resolve_timeouts(options.channel));
  say(describe(stream->summary()));
  if (options.request_status) {
    say(describe_staple(stream->summary()));
    save_staple(stream->summary(), options.save_staple_file);
  }

  LineBuffer buffer;
  bool key_update_pending = options.key_update;
  for (const std::string& line : options.lines) {
    co_await write_line(*stream, line);
    say("sent: " + printable(line));
    std::optional<std::string> answer = co_await read_answer(*stream, buffer);
    if (!answer) {
      say("closed: the peer sent close_notify");
      co_await stream->shutdown();
      co_return EXIT_SUCCESS;
    }
    say("received: " + printable(*answer));
    if (key_update_pending) {  // after the first exchange: the rest travels under new keys
      key_update_pending = false;
      co_await send_key_update(*stream);
    }
  }
  if (key_update_pending) co_await send_key_update(*stream);
  co_await stream->shutdown();
  say("closed: close_notify sent");
  co_return EXIT_SUCCESS;
}

int client_main(int argc, char** argv) {
  ClientOptions options;
  po::options_description description("tls_peer client options");
  description.add_options()("connect", po::value(&options.connect)->required(),
                            "HOST:PORT of the TLS 1.3 server")(
      "server-name", po::value(&options.server_name),
      "name to send (SNI) and to check in the server certificate (default: HOST)")(
      "send", po::value(&options.lines),
      "a line to send after the handshake (repeatable, in order); each waits for one answer "
      "line")("key-update", po::bool_switch(&options.key_update),
              "send KeyUpdate with update_requested after the first answer (or right after the "
              "handshake when no line is sent)")(
      "status", po::bool_switch(&options.request_status),
      "ask the server to staple an OCSP response (status_request) and print \"OCSP staple: N "
      "bytes\" or \"OCSP staple: none\"")(
      "save-staple", po::value(&options.save_staple_file),
      "with --status: write the server's stapled OCSP response (DER) to this file");
  add_peer_options(description, options);
  if (!parse(argc, argv, description)) return EXIT_SUCCESS;
  if (!options.save_staple_file.empty() && !options.request_status) {
    throw std::invalid_argument("--save-staple needs --status");
  }
  app::configure_logging("tls_peer", options.log_level);
  return app::run_blocking(run_client(std::move(options)));
}

// ---------------------------------------------------------------- server
tls::ServerConfig server_config(const ServerOptions& options) {
  auto credentials = load_optional_credentials(options);
  if (!credentials) throw std::invalid_argument("the server needs --cert and --key");
  tls::ServerConfig config;
  config.cipher_suites = app::resolve_cipher_suites(options.channel);
  config.groups = app::resolve_groups(options.channel);
  config.credentials = std::move(*credentials);
  if (options.require_client_certificate) {
    config.client_authentication = tls::ClientAuthentication::required;
  } else if (options.request_client_certificate) {
    config.client_authentication = tls::ClientAuthentication::optional;
  }
  if (config.client_authentication != tls::ClientAuthentication::none) {
    if (options.ca_file.empty()) {
      throw std::invalid_argument("asking for client certificates needs --ca-file");
    }
    config.verifier = load_verifier(options.ca_file);
  }
  if (options.request_client_status) {
    if (config.client_authentication == tls::ClientAuthentication::none) {
      throw std::invalid_argument(
          "--request-client-status needs --request-client-cert or "
          "--require-client-cert");
    }
    config.request_client_status = tls::StatusRequest::ocsp;
  }
  config.ocsp_staple = load_ocsp_staple(options.ocsp_staple_file);
  config.key_log = app::open_key_log(options.channel.key_log_file);
  config.limits.records_per_traffic_key = options.records_per_key;
  return config;
}

std::string answer_for(const LineItem& item) {
  if (const auto* line = std::get_if<TextLine>(&item)) return "echo: " + line->text;
  return "error: " + std::get<RefusedInput>(item).reason;
}

net::asio::awaitable<void> answer(net::TlsStream& stream, const LineItem& item) {
  if (const auto* line = std::get_if<TextLine>(&item)) {
    say_about_connection("received: " + line->text);
  }
  const std::string reply = answer_for(item);
  const std::string record = reply + "\n";
  co_await stream.write(as_bytes(record));
  say_about_connection("answered: " + reply);
}

// ---------------------------------------------------------------- --http and --echo
// Bytes of request we wait for before answering anyway (a request without a blank line).
constexpr std::size_t kMaxHttpRequest = 16384;

bool http_request_complete(const std::string& request) {
  return request.find("\r\n\r\n") != std::string::npos ||
         request.find("\n\n") != std::string::npos || request.size() >= kMaxHttpRequest;
}

std::string http_response(const net::TlsStream& stream, const std::string& request_line) {
  const tls::HandshakeSummary& summary = stream.summary();
  std::string body = "tls_peer: TLS 1.3, ";
  body += tls::cipher_suite_info(summary.suite).name;
  body += ", ";
  body += tls::named_group_name(summary.group);
  body += ", peer ";
  body += summary.peer_subject.empty() ? "without certificate" : summary.peer_subject;
  body += "\nrequest: " + request_line + "\n";
  return "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// Like openssl s_server -www: any request (up to its blank line, or 16 KiB, or the peer's
// close_notify) gets one record holding a short HTTP/1.0 200 response, then close_notify.
net::asio::awaitable<void> answer_http(net::TlsStream& stream) {
  say_about_connection(describe(stream.summary()) + " from=" + stream.peer_label());
  std::string request;
  while (!http_request_complete(request)) {
    Bytes chunk = co_await stream.read();
    if (chunk.empty()) break;  // close_notify: what came is the request
    request.append(chunk.begin(), chunk.end());
  }
  const std::string request_line = printable(request.substr(0, request.find_first_of("\r\n")));
  const std::string response = http_response(stream, request_line);
  co_await stream.write(as_bytes(response));  // under 2^14 bytes: one record
  co_await stream.shutdown();
  say_about_connection("http: answered " + request_line + " from=" + stream.peer_label());
}

// Every record of application data goes back as one record with the same bytes, until the
// peer's close_notify (empty records are not echoed: the engine drops them).
net::asio::awaitable<void> echo_records(net::TlsStream& stream) {
  say_about_connection(describe(stream.summary()) + " from=" + stream.peer_label());
  std::size_t records = 0;
  std::size_t bytes = 0;
  for (;;) {
    Bytes record = co_await stream.read();
    if (record.empty()) break;
    co_await stream.write(record);
    ++records;
    bytes += record.size();
  }
  say_about_connection("echoed: " + std::to_string(records) + " records, " + std::to_string(bytes) +
                       " bytes from=" + stream.peer_label());
  say_about_connection("closed: the peer sent close_notify from=" + stream.peer_label());
}

// Answers every line; data that is not a text line gets an "error: ..." line, never silence.
net::asio::awaitable<void> answer_lines(net::TlsStream& stream) {
  say_about_connection(describe(stream.summary()) + " from=" + stream.peer_label());
  if (stream.summary().peer_ocsp_response) {
    say_about_connection(describe_staple(stream.summary()) + " from=" + stream.peer_label());
  }
  LineBuffer buffer;
  try {
    for (;;) {
      Bytes chunk = co_await stream.read();
      if (chunk.empty()) break;
      buffer.append(chunk);
      while (auto item = buffer.next()) co_await answer(stream, *item);
    }
  } catch (const net::ChannelError& error) {
    if (error.code() == make_error_code(net::ChannelFailure::shutting_down)) {
      say_about_connection("closed: the server is stopping (close_notify follows) from=" +
                           stream.peer_label());
      co_return;  // the listener sends close_notify
    }
    say_about_connection(describe_failure(error) + " from=" + stream.peer_label());
    throw;
  }
  if (auto rest = buffer.take_rest()) {
    // TLS 1.3 closes each direction on its own (RFC 8446 section 6.1): we may still answer.
    try {
      co_await answer(stream, *rest);
    } catch (const std::exception& error) {
      spdlog::info("{}: could not answer the unterminated line: {}", stream.peer_label(),
                   error.what());
    }
  }
  say_about_connection("closed: the peer sent close_notify from=" + stream.peer_label());
}

net::SessionHandler session_handler(ServerMode mode) {
  switch (mode) {
    case ServerMode::http:
      return answer_http;
    case ServerMode::echo:
      return echo_records;
    case ServerMode::lines:
      break;
  }
  return answer_lines;
}

int server_main(int argc, char** argv) {
  ServerOptions options;
  po::options_description description("tls_peer server options");
  description.add_options()("listen", po::value(&options.listen)->default_value("127.0.0.1:0"),
                            "HOST:PORT to listen on; port 0 picks a free port (printed as "
                            "\"listening on PORT\")")(
      "request-client-cert", po::bool_switch(&options.request_client_certificate),
      "ask the client for a certificate (verified against --ca-file)")(
      "require-client-cert", po::bool_switch(&options.require_client_certificate),
      "refuse a client without a certificate (alert certificate_required)")(
      "request-client-status", po::bool_switch(&options.request_client_status),
      "ask the client to staple an OCSP response (status_request in the CertificateRequest)")(
      "max-connections", po::value(&options.max_connections)->default_value(64),
      "concurrent connections")("threads", po::value(&options.threads)->default_value(1),
                                "threads running the io_context")(
      "http", po::bool_switch(&options.http),
      "answer any request with one record holding a short HTTP/1.0 200 response, then "
      "close_notify (like openssl s_server -www)")(
      "echo", po::bool_switch(&options.echo),
      "return the application data verbatim, record for record, until the peer closes")(
      "quiet", po::bool_switch(&options.quiet),
      "print no line per connection, only \"listening on PORT\", \"stopped\" and a fatal "
      "\"failed: ...\" (benchmarks: no write to stdout per handshake)");
  add_peer_options(description, options);
  if (!parse(argc, argv, description)) return EXIT_SUCCESS;
  app::configure_logging("tls_peer", options.log_level);
  if (options.threads == 0) throw std::invalid_argument("--threads must be at least 1");
  if (options.http && options.echo) throw std::invalid_argument("give --http or --echo, not both");
  const ServerMode mode = options.http   ? ServerMode::http
                          : options.echo ? ServerMode::echo
                                         : ServerMode::lines;

  connection_lines_muted = options.quiet;
  auto [host, port] = net::parse_host_port(options.listen);
  tls::ServerConfig config = server_config(options);
  spdlog::info("accepting {}", app::describe_suites(config.cipher_suites));
  net::ListenerOptions listener_options;
  listener_options.host = host;
  listener_options.port = port;
  listener_options.max_connections = options.max_connections;
  listener_options.timeouts = app::resolve_timeouts(options.channel);
  listener_options.io_threads =
      options.threads == 1 ? net::IoThreads::one : net::IoThreads::several;

  net::asio::io_context io;
  // One configuration for every connection: an engine copies no chain and no callbacks.
  auto shared_config = std::make_shared<const tls::ServerConfig>(std::move(config));
  net::Listener listener(
      io, listener_options, [shared_config] { return tls::ServerEngine::create(shared_config); },
      session_handler(mode));
  net::ShutdownSignals shutdown(io, [&listener] { listener.stop(); });
  listener.start();
  say("listening on " + std::to_string(listener.port()));
  shutdown.run(options.threads);
  say("stopped");
  return EXIT_SUCCESS;
}

int usage() {
  std::cerr << "usage: tls_peer client --connect HOST:PORT --ca-file CA [options]\n"
               "       tls_peer server --listen HOST:PORT --cert F --key F [options]\n"
               "       tls_peer client|server --help\n";
  return 2;
}

}  // namespace
}  // namespace sc::test

int main(int argc, char** argv) {
  using namespace sc::test;
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  try {
    if (mode == "client") return client_main(argc - 1, argv + 1);
    if (mode == "server") return server_main(argc - 1, argv + 1);
    return usage();
  } catch (const sc::net::ChannelError& error) {
    say(describe_failure(error));
  } catch (const boost::program_options::error& error) {
    std::cerr << "tls_peer " << mode << ": " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    say("failed: " + std::string(error.what()));
  }
  return EXIT_FAILURE;
}
