#pragma once
// Command-line options for a secure channel, shared by ttp, bank_server and client, and the
// TLS configurations built from them.
//
// Suites: --suites takes full names in preference order (standard or private); the seed-style
// shorthand --cipher AES|AES128|AES256|CHACHA20 --hash SHA256|SHA384 picks one suite:
//   AES      + SHA256 -> TLS_AES_128_GCM_SHA256      AES      + SHA384 -> TLS_AES_256_GCM_SHA384
//   AES128   + SHA256 -> TLS_AES_128_GCM_SHA256      AES128   + SHA384 -> private 0xFF01
//   AES256   + SHA256 -> private 0xFF02              AES256   + SHA384 -> TLS_AES_256_GCM_SHA384
//   CHACHA20 + SHA256 -> TLS_CHACHA20_POLY1305_SHA256 CHACHA20 + SHA384 -> private 0xFF03
#include <boost/program_options.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/net/listener.hpp"
#include "common/net/tls_stream.hpp"
#include "common/tls/engine.hpp"

namespace sc::app {

struct ChannelOptions {
  std::vector<std::string> suites;  // full names
  std::string cipher;               // shorthand
  std::string hash;                 // shorthand
  std::vector<std::string>
      groups;                // "x25519", "secp256r1", "secp384r1" (aliases: P-256, P-384, ...)
  std::string key_log_file;  // SSLKEYLOGFILE format, mode 0600
  unsigned handshake_timeout_seconds = 10;  // absolute: from connect/accept to handshake done
  unsigned write_timeout_seconds = 10;      // each write must be read by the peer within it
  unsigned idle_timeout_seconds = 300;
};

// Adds --suites, --cipher, --hash, --groups, --keylog-file, --handshake-timeout,
// --write-timeout, --idle-timeout to options, bound to channel.
void add_channel_options(boost::program_options::options_description& options,
                         ChannelOptions& channel);

// How many connections a listening daemon admits (net::ListenerOptions). The values present
// when add_listener_limit_options is called are the defaults --help shows, so a daemon sets
// its own first (the TTP: max_connections = 256).
struct ListenerLimits {
  std::size_t max_connections = 1024;
  std::size_t max_unauthenticated = 512;
  std::size_t max_unauthenticated_per_source = 32;
};

// Adds --max-connections, --max-unauthenticated, --max-unauthenticated-per-source, bound to
// limits.
void add_listener_limit_options(boost::program_options::options_description& options,
                                ListenerLimits& limits);

// Throws std::invalid_argument with a sentence naming the bad value.
std::vector<tls::CipherSuite> resolve_cipher_suites(const ChannelOptions& channel);
std::vector<tls::NamedGroup> resolve_groups(const ChannelOptions& channel);
net::Timeouts resolve_timeouts(const ChannelOptions& channel);
// The limits and channel.timeouts as listener options; the caller fills in host and port.
// Throws std::invalid_argument with a sentence for a zero limit or timeout.
net::ListenerOptions resolve_listener_options(const ListenerLimits& limits,
                                              const ChannelOptions& channel);
// An empty sink when no file was asked for.
tls::KeyLogSink open_key_log(const std::string& path);

// Loads a certificate chain (PEM, leaf first) and its private key. Refuses a key file that
// group or others can read ("chmod 600 FILE").
tls::Credentials load_credentials(const std::filesystem::path& certificate_chain_file,
                                  const std::filesystem::path& private_key_file);

// "info" | "debug" | "warn" | ... ; names the process in every line ("[bank_server]").
void configure_logging(const std::string& process_name, const std::string& level);

// A readable name list for logs: "TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA384 (private)".
std::string describe_suites(const std::vector<tls::CipherSuite>& suites);

}  // namespace sc::app
