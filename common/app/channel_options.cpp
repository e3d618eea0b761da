#include "common/app/channel_options.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "common/crypto/signature.hpp"
#include "common/pki/certificate.hpp"

namespace sc::app {
namespace po = boost::program_options;

namespace {

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

crypto::AeadAlgorithm cipher_from_shorthand(const std::string& name, crypto::HashAlgorithm hash) {
  std::string cipher = upper(name);
  if (cipher == "AES") {
    return hash == crypto::HashAlgorithm::Sha384 ? crypto::AeadAlgorithm::Aes256Gcm
                                                 : crypto::AeadAlgorithm::Aes128Gcm;
  }
  if (cipher == "AES128" || cipher == "AES-128" || cipher == "AES128GCM") {
    return crypto::AeadAlgorithm::Aes128Gcm;
  }
  if (cipher == "AES256" || cipher == "AES-256" || cipher == "AES256GCM") {
    return crypto::AeadAlgorithm::Aes256Gcm;
  }
  if (cipher == "CHACHA20" || cipher == "CHACHA20-POLY1305" || cipher == "CHACHA") {
    return crypto::AeadAlgorithm::ChaCha20Poly1305;
  }
  throw std::invalid_argument("unknown --cipher \"" + name +
                              "\" (expected AES, AES128, AES256 or CHACHA20)");
}

crypto::HashAlgorithm hash_from_name(const std::string& name) {
  std::string hash = upper(name);
  if (hash == "SHA256" || hash == "SHA-256") return crypto::HashAlgorithm::Sha256;
  if (hash == "SHA384" || hash == "SHA-384") return crypto::HashAlgorithm::Sha384;
  throw std::invalid_argument("unknown --hash \"" + name + "\" (expected SHA256 or SHA384)");
}

}  // namespace

void add_channel_options(po::options_description& options, ChannelOptions& channel) {
  options.add_options()(
      "suites", po::value(&channel.suites)->multitoken(),
      "cipher suites in preference order, full names, e.g. TLS_AES_128_GCM_SHA256 "
      "TLS_CHACHA20_POLY1305_SHA384 (the private, non-standard suites are "
      "TLS_AES_128_GCM_SHA384, TLS_AES_256_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA384)")(
      "cipher", po::value(&channel.cipher),
      "shorthand with --hash: AES, AES128, AES256 or CHACHA20 (selects one suite)")(
      "hash", po::value(&channel.hash), "shorthand with --cipher: SHA256 or SHA384")(
      "groups", po::value(&channel.groups)->multitoken(),
      "key exchange groups in preference order: x25519 secp256r1 secp384r1 (default all three)")(
      "keylog-file", po::value(&channel.key_log_file),
      "append the traffic secrets in SSLKEYLOGFILE format (mode 0600) so Wireshark can decrypt "
      "a capture; for debugging only")(
      "handshake-timeout",
      po::value(&channel.handshake_timeout_seconds)
          ->default_value(channel.handshake_timeout_seconds),
      "seconds from connecting until the handshake must be complete (an absolute deadline: "
      "bytes trickling in do not extend it)")(
      "write-timeout",
      po::value(&channel.write_timeout_seconds)->default_value(channel.write_timeout_seconds),
      "seconds the peer has to read what is sent to it; a peer that does not read is cut off")(
      "idle-timeout",
      po::value(&channel.idle_timeout_seconds)->default_value(channel.idle_timeout_seconds),
      "seconds without data from the peer, after the handshake, after which a channel is "
      "closed");
}

void add_listener_limit_options(po::options_description& options, ListenerLimits& limits) {
  options.add_options()(
      "max-connections", po::value(&limits.max_connections)->default_value(limits.max_connections),
      "connections served at once, established or not; when established ones fill it, new ones "
      "are closed at once")(
      "max-unauthenticated",
      po::value(&limits.max_unauthenticated)->default_value(limits.max_unauthenticated),
      "connections still in their handshake, overall; one more evicts the oldest of them")(
      "max-unauthenticated-per-source",
      po::value(&limits.max_unauthenticated_per_source)
          ->default_value(limits.max_unauthenticated_per_source),
      "connections still in their handshake from one IP address; one more evicts that "
      "address's oldest");
}

std::vector<tls::CipherSuite> resolve_cipher_suites(const ChannelOptions& channel) {
  if (!channel.suites.empty() && (!channel.cipher.empty() || !channel.hash.empty())) {
    throw std::invalid_argument("give either --suites or --cipher/--hash, not both");
  }
  if (!channel.cipher.empty() || !channel.hash.empty()) {
    auto hash = hash_from_name(channel.hash.empty() ? "SHA256" : channel.hash);
    auto aead = cipher_from_shorthand(channel.cipher.empty() ? "AES" : channel.cipher, hash);
    return {tls::cipher_suite_for(aead, hash)};
  }
  if (channel.suites.empty()) return tls::standard_cipher_suites();
  std::vector<tls::CipherSuite> suites;
  for (const std::string& name : channel.suites) {
    auto suite = tls::cipher_suite_from_name(name);
    if (!suite) throw std::invalid_argument("unknown cipher suite \"" + name + "\"");
    if (std::find(suites.begin(), suites.end(), *suite) == suites.end()) suites.push_back(*suite);
  }
  return suites;
}

std::vector<tls::NamedGroup> resolve_groups(const ChannelOptions& channel) {
  if (channel.groups.empty()) return tls::default_groups();
  std::vector<tls::NamedGroup> groups;
  for (const std::string& name : channel.groups) {
    std::string group = upper(name);
    tls::NamedGroup chosen;
    if (group == "X25519") {
      chosen = tls::NamedGroup::x25519;
    } else if (group == "SECP256R1" || group == "P-256" || group == "P256" ||
               group == "PRIME256V1") {
      chosen = tls::NamedGroup::secp256r1;
    } else if (group == "SECP384R1" || group == "P-384" || group == "P384") {
      chosen = tls::NamedGroup::secp384r1;
    } else {
      throw std::invalid_argument("unknown group \"" + name +
                                  "\" (expected x25519, secp256r1 or secp384r1)");
    }
    if (std::find(groups.begin(), groups.end(), chosen) == groups.end()) groups.push_back(chosen);
  }
  return groups;
}

net::Timeouts resolve_timeouts(const ChannelOptions& channel) {
  if (channel.handshake_timeout_seconds == 0 || channel.write_timeout_seconds == 0 ||
      channel.idle_timeout_seconds == 0) {
    throw std::invalid_argument(
        "--handshake-timeout, --write-timeout and --idle-timeout must be at least one second");
  }
  net::Timeouts timeouts;
  timeouts.handshake = std::chrono::seconds(channel.handshake_timeout_seconds);
  timeouts.write = std::chrono::seconds(channel.write_timeout_seconds);
  timeouts.idle = std::chrono::seconds(channel.idle_timeout_seconds);
  return timeouts;
}

net::ListenerOptions resolve_listener_options(const ListenerLimits& limits,
                                              const ChannelOptions& channel) {
  if (limits.max_connections == 0 || limits.max_unauthenticated == 0 ||
      limits.max_unauthenticated_per_source == 0) {
    throw std::invalid_argument(
        "--max-connections, --max-unauthenticated and --max-unauthenticated-per-source must be "
        "at least 1");
  }
  net::ListenerOptions options;
  options.max_connections = limits.max_connections;
  options.max_unauthenticated = limits.max_unauthenticated;
  options.max_unauthenticated_per_source = limits.max_unauthenticated_per_source;
  options.timeouts = resolve_timeouts(channel);
  return options;
}

tls::KeyLogSink open_key_log(const std::string& path) {
  if (path.empty()) return {};
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot open key log file " + path);
  if (::fchmod(fd, 0600) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot restrict key log file " + path + " to mode 0600");
  }
  spdlog::warn("writing TLS secrets to key log {} (debugging only)", path);
  struct KeyLogFile {
    int fd;
    std::mutex mutex;
    ~KeyLogFile() { ::close(fd); }
  };
  auto file = std::make_shared<KeyLogFile>();
  file->fd = fd;
  return [file](const std::string& line) {
    std::lock_guard lock(file->mutex);
    std::string text = line + "\n";
    if (::write(file->fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      spdlog::error("key log write failed");
    }
  };
}

tls::Credentials load_credentials(const std::filesystem::path& certificate_chain_file,
                                  const std::filesystem::path& private_key_file) {
  struct stat key_status {};
  if (::stat(private_key_file.c_str(), &key_status) != 0) {
    throw std::runtime_error("private key " + private_key_file.string() + " does not exist");
  }
  if ((key_status.st_mode & 077) != 0) {
    throw std::runtime_error("private key " + private_key_file.string() +
                             " is readable by group or others; run chmod 600 on it");
  }
  tls::Credentials credentials;
  for (const pki::Certificate& certificate :
       pki::Certificate::chain_from_pem(read_file(certificate_chain_file))) {
    credentials.certificate_chain.push_back(certificate.to_der());
  }
  if (credentials.certificate_chain.empty()) {
    throw std::runtime_error("no certificate in " + certificate_chain_file.string());
  }
  credentials.private_key = std::make_shared<const crypto::PrivateKey>(
      crypto::PrivateKey::load_pem_file(private_key_file));
  auto leaf_key = pki::Certificate::from_der(credentials.certificate_chain.front()).public_key();
  if (leaf_key.to_der() != credentials.private_key->public_key().to_der()) {
    throw std::runtime_error("private key " + private_key_file.string() +
                             " does not match the certificate in " +
                             certificate_chain_file.string());
  }
  return credentials;
}

void configure_logging(const std::string& process_name, const std::string& level) {
  auto logger = spdlog::stderr_color_mt(process_name);
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%H:%M:%S.%e [%n] %^%l%$ %v");
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    throw std::invalid_argument("unknown --log-level \"" + level +
                                "\" (trace, debug, info, warn, error, off)");
  }
  spdlog::set_level(parsed);
}

std::string describe_suites(const std::vector<tls::CipherSuite>& suites) {
  std::string text;
  for (tls::CipherSuite suite : suites) {
    if (!text.empty()) text += ", ";
    text += tls::cipher_suite_info(suite).name;
  }
  return text;
}

}  // namespace sc::app
