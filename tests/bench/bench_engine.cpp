// In-memory, one thread: full TLS 1.3 handshakes per second (mutual authentication, X25519)
// for each standard suite, bulk seal/open throughput at 16 KiB records for every suite, and the
// server side's CPU time per full handshake next to the cost of its cryptography alone.
// Certificates come from PEM files (scripts/bench.sh makes them with the openssl CLI).
//
//   bench_engine --pki DIR [--pki-ecdsa DIR] [--seconds S] [--runs R]
//                [--what all|handshakes|bulk|server] [--suite NAME]
//
// --pki holds RSA-2048 certificates, --pki-ecdsa (optional) ECDSA P-256 ones; each folder has
// ca.pem, server.pem, server.key, client.pem and client.key.
//
// Output, one measurement per line (the median of R runs, each run lasting about S seconds):
//   handshakes_per_s <suite> <value>
//   seal_MBps <suite> <value>       MB = 10^6 bytes of application data
//   open_MBps <suite> <value>
//   engine_server_us <ecdsa_p256|rsa2048> <server_only|mutual> <microseconds>
//   crypto_only_server_us <ecdsa_p256|rsa2048> <server_only|mutual> <microseconds>
//
// engine_server_us: CPU time of this thread spent inside the server engine's receive,
// take_output and take_events during one full handshake (TLS_AES_128_GCM_SHA256, X25519; the
// client engine's work is not counted). server_only: the client sends no certificate; mutual:
// the server requires one and verifies it with a ChainVerifier.
// crypto_only_server_us: the same server's cryptography done directly with libcrypto, with every
// algorithm, key and context set up beforehand: one X25519 key generation and one X25519
// derivation, one CertificateVerify signature with the server key (ECDSA P-256 with SHA-256, or
// RSA-PSS with SHA-256); for mutual also one CertificateVerify signature verification with the
// client's key and one verification of the client certificate's signature with the CA's key
// (X509_verify on an already parsed certificate). No hashing, HKDF, AEAD or parsing is included.
#include <malloc.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/app/channel_options.hpp"
#include "common/crypto/openssl_ptr.hpp"
#include "common/pki/certificate.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/tls/engine.hpp"
#include "tests/bench/bench_support.hpp"

namespace {

using namespace sc;
using bench::Clock;
using bench::median;
using bench::seconds_since;

struct Options {
  std::string pki_dir;
  std::string ecdsa_pki_dir;  // optional: ECDSA P-256 certificates
  double seconds = 2.0;
  int runs = 3;
  std::string what = "all";  // all | handshakes | bulk (e.g. to profile one under callgrind)
  std::string suite;         // only this suite (name as in cipher_suite_from_name)
};

struct Pki {
  tls::Credentials server;
  tls::Credentials client;
  std::shared_ptr<const tls::CertificateVerifier> verifier;
  std::vector<pki::Certificate> roots;
};

Pki load_pki(const std::string& dir) {
  Pki pki;
  pki.roots = pki::Certificate::chain_from_pem(bench::read_text(dir + "/ca.pem"));
  pki.server = app::load_credentials(dir + "/server.pem", dir + "/server.key");
  pki.client = app::load_credentials(dir + "/client.pem", dir + "/client.key");
  pki.verifier = std::make_shared<pki::ChainVerifier>(pki.roots);
  return pki;
}

std::string suite_name(tls::CipherSuite suite) {
  const auto& info = tls::cipher_suite_info(suite);
  std::string name(info.name.substr(0, info.name.find(' ')));
  return info.standard ? name : name + "(private)";
}

struct Pair {
  std::unique_ptr<tls::ClientEngine> client;
  std::unique_ptr<tls::ServerEngine> server;
};

// One full handshake: ClientHello .. client Finished, both sides complete.
Pair handshake(const Pki& pki, tls::CipherSuite suite) {
  tls::ClientConfig client_config;
  client_config.cipher_suites = {suite};
  client_config.server_name = "localhost";
  client_config.credentials = pki.client;
  client_config.verifier = pki.verifier;
  tls::ServerConfig server_config;
  server_config.cipher_suites = {suite};
  server_config.credentials = pki.server;
  server_config.client_authentication = tls::ClientAuthentication::required;
  server_config.verifier = pki.verifier;
  Pair pair{tls::ClientEngine::create(std::move(client_config)),
            tls::ServerEngine::create(std::move(server_config))};
  for (int round = 0; round < 10; ++round) {
    Bytes to_server = pair.client->take_output();
    if (!to_server.empty()) pair.server->receive(to_server);
    Bytes to_client = pair.server->take_output();
    if (!to_client.empty()) pair.client->receive(to_client);
    pair.client->take_events();
    pair.server->take_events();
    if (pair.client->handshake_complete() && pair.server->handshake_complete() &&
        to_server.empty() && to_client.empty()) {
      break;
    }
  }
  if (!pair.client->handshake_complete() || !pair.server->handshake_complete() ||
      pair.client->failed() || pair.server->failed()) {
    throw std::runtime_error("handshake with " + suite_name(suite) +
                             " did not complete (client state " + pair.client->state_name() +
                             ", server state " + pair.server->state_name() + ")");
  }
  return pair;
}

double handshakes_per_second(const Pki& pki, tls::CipherSuite suite, double seconds) {
  const auto start = Clock::now();
  long count = 0;
  double elapsed = 0;
  do {
    handshake(pki, suite);
    ++count;
    elapsed = seconds_since(start);
  } while (elapsed < seconds);
  return count / elapsed;
}

struct Bulk {
  double seal_mbps;
  double open_mbps;
};

// Client seals batches of 16 KiB records; the server opens them. Timed separately.
Bulk bulk_throughput(const Pki& pki, tls::CipherSuite suite, double seconds) {
  Pair pair = handshake(pki, suite);
  const Bytes record(16 * 1024, 0x5a);
  // 8 records (128 KiB) per batch: about what a socket send buffer holds, so the records stay
  // in cache as they do when a transport writes each one out before sealing much more.
  constexpr int batch = 8;
  double seal_time = 0;
  double open_time = 0;
  std::size_t bytes = 0;
  // Each record's output is kept as the engine hands it over (moved, not copied), as the
  // transport writes it to the socket; the list is reused from batch to batch.
  std::vector<Bytes> records;
  records.reserve(batch);
  while (seal_time + open_time < seconds) {
    auto start = Clock::now();
    records.clear();
    for (int i = 0; i < batch; ++i) {
      pair.client->send_application_data(record);
      records.push_back(pair.client->take_output());
    }
    seal_time += seconds_since(start);
    start = Clock::now();
    std::size_t opened = 0;
    for (const Bytes& wire : records) {
      // One record at a time, as a socket read of 16 KiB + overhead would deliver it.
      pair.server->receive(wire);
      for (auto& event : pair.server->take_events()) {
        if (auto* data = std::get_if<tls::ApplicationData>(&event)) opened += data->data.size();
      }
    }
    open_time += seconds_since(start);
    if (opened != record.size() * batch) {
      throw std::runtime_error("bulk with " + suite_name(suite) + ": opened " +
                               std::to_string(opened) + " bytes of " +
                               std::to_string(record.size() * batch));
    }
    bytes += opened;
  }
  return Bulk{bytes / seal_time / 1e6, bytes / open_time / 1e6};
}

// ---------------------------------------------------------------- server CPU per handshake
enum class Authentication { ServerOnly, Mutual };

const char* authentication_name(Authentication authentication) {
  return authentication == Authentication::ServerOnly ? "server_only" : "mutual";
}

double thread_cpu_seconds() {
  timespec now{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) {
    throw std::runtime_error("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
  }
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Adds up the CPU time of the calls it runs, less what reading the clock itself costs.
class CpuMeter {
 public:
  explicit CpuMeter(double clock_overhead) : clock_overhead_(clock_overhead) {}
  template <typename Call>
  void run(Call&& call) {
    const double start = thread_cpu_seconds();
    call();
    total_ += thread_cpu_seconds() - start - clock_overhead_;
  }
  double total() const { return total_; }

 private:
  double clock_overhead_;
  double total_ = 0;
};

// The CPU time one CpuMeter::run of nothing measures: two clock reads.
double clock_overhead() {
  constexpr int kReads = 20000;
  const double start = thread_cpu_seconds();
  for (int i = 0; i < kReads; ++i) thread_cpu_seconds();
  return (thread_cpu_seconds() - start) / kReads;
}

// One full handshake (TLS_AES_128_GCM_SHA256, X25519); returns the CPU seconds spent in the
// server engine: create (from a config made beforehand), receive, take_output, take_events
// and its destruction.
double server_handshake_cpu(const Pki& pki, Authentication authentication, double overhead) {
  constexpr tls::CipherSuite suite = tls::CipherSuite::TLS_AES_128_GCM_SHA256;
  tls::ClientConfig client_config;
  client_config.cipher_suites = {suite};
  client_config.server_name = "localhost";
  client_config.verifier = pki.verifier;
  tls::ServerConfig server_config;
  server_config.cipher_suites = {suite};
  server_config.credentials = pki.server;
  if (authentication == Authentication::Mutual) {
    client_config.credentials = pki.client;
    server_config.client_authentication = tls::ClientAuthentication::required;
    server_config.verifier = pki.verifier;
  }
  auto client = tls::ClientEngine::create(std::move(client_config));
  CpuMeter meter(overhead);
  std::unique_ptr<tls::ServerEngine> server;
  meter.run([&] { server = tls::ServerEngine::create(std::move(server_config)); });
  bool done = false;
  for (int round = 0; round < 10 && !done; ++round) {
    Bytes to_server = client->take_output();
    Bytes to_client;
    // The server's calls of one round in one timed block: fewer clock reads to subtract.
    meter.run([&] {
      if (!to_server.empty()) server->receive(to_server);
      to_client = server->take_output();
      server->take_events();
    });
    if (!to_client.empty()) client->receive(to_client);
    client->take_events();
    done = client->handshake_complete() && server->handshake_complete() && to_server.empty() &&
           to_client.empty();
  }
  if (!done || client->failed() || server->failed()) {
    throw std::runtime_error(std::string("server-side handshake (") +
                             authentication_name(authentication) +
                             ") did not complete (client state " + client->state_name() +
                             ", server state " + server->state_name() + ")");
  }
  meter.run([&] { server.reset(); });
  return meter.total();
}

// Mean server CPU microseconds per handshake over about `seconds` of handshakes.
double engine_server_us(const Pki& pki, Authentication authentication, double seconds) {
  const double overhead = clock_overhead();
  server_handshake_cpu(pki, authentication, overhead);  // warm up: first fetches, caches
  const auto start = Clock::now();
  long count = 0;
  double cpu = 0;
  do {
    cpu += server_handshake_cpu(pki, authentication, overhead);
    ++count;
  } while (seconds_since(start) < seconds);
  return cpu / static_cast<double>(count) * 1e6;
}

// The server's cryptography with libcrypto alone, everything that can be prepared beforehand
// prepared (see the header comment for what one iteration does).
class ServerCryptography {
 public:
  ServerCryptography(const Pki& pki, Authentication authentication)
      : authentication_(authentication),
        sha256_(EVP_MD_fetch(nullptr, "SHA256", nullptr)),
        server_key_(pki.server.private_key->native()),
        client_key_(pki.client.private_key->native()) {
    require(sha256_ != nullptr, "EVP_MD_fetch SHA256");
    x25519_keygen_.reset(EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr));
    require(x25519_keygen_ != nullptr && EVP_PKEY_keygen_init(x25519_keygen_.get()) == 1,
            "X25519 key generation context");
    EVP_PKEY* peer = nullptr;
    require(EVP_PKEY_keygen(x25519_keygen_.get(), &peer) == 1, "X25519 peer key");
    client_share_.reset(peer);
    content_.assign(64, 0x20);
    const std::string label = "TLS 1.3, server CertificateVerify";
    content_.insert(content_.end(), label.begin(), label.end());
    content_.push_back(0);
    content_.resize(content_.size() + 32, 0xab);  // a SHA-256 transcript hash
    signer_ = prepared(server_key_, Operation::Sign);
    if (authentication == Authentication::Mutual) {
      verifier_ = prepared(client_key_, Operation::Verify);
      client_signature_ = sign_with(prepared(client_key_, Operation::Sign).get());
      const unsigned char* cursor = pki.client.certificate_chain.front().data();
      client_certificate_.reset(d2i_X509(
          nullptr, &cursor, static_cast<long>(pki.client.certificate_chain.front().size())));
      require(client_certificate_ != nullptr, "parsing the client certificate");
      ca_key_ = X509_get0_pubkey(pki.roots.front().native());
      require(ca_key_ != nullptr, "the CA's public key");
    }
  }

  // One server handshake's cryptography.
  void run() const {
    EVP_PKEY* generated = nullptr;
    require(EVP_PKEY_keygen(x25519_keygen_.get(), &generated) == 1, "X25519 key generation");
    crypto::EvpPkeyPtr own_share(generated);
    crypto::EvpPkeyCtxPtr derive(EVP_PKEY_CTX_new_from_pkey(nullptr, own_share.get(), nullptr));
    unsigned char shared[32];
    std::size_t shared_length = sizeof shared;
    require(derive != nullptr && EVP_PKEY_derive_init(derive.get()) == 1 &&
                EVP_PKEY_derive_set_peer(derive.get(), client_share_.get()) == 1 &&
                EVP_PKEY_derive(derive.get(), shared, &shared_length) == 1,
            "X25519 derivation");
    sign_with(signer_.get());
    if (authentication_ == Authentication::Mutual) {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int digest_length = 0;
      require(EVP_Digest(content_.data(), content_.size(), digest, &digest_length, sha256_.get(),
                         nullptr) == 1,
              "SHA-256");
      crypto::EvpPkeyCtxPtr verify(EVP_PKEY_CTX_dup(verifier_.get()));
      require(verify != nullptr &&
                  EVP_PKEY_verify(verify.get(), client_signature_.data(), client_signature_.size(),
                                  digest, digest_length) == 1,
              "CertificateVerify verification");
      require(X509_verify(client_certificate_.get(), ca_key_) == 1,
              "client certificate signature verification");
    }
  }

 private:
  enum class Operation { Sign, Verify };

  static void require(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("libcrypto: ") + what + " failed");
  }

  // A signing or verifying context for the CertificateVerify scheme of the key (ECDSA with
  // SHA-256, or RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt), duplicated per use.
  crypto::EvpPkeyCtxPtr prepared(EVP_PKEY* key, Operation operation) const {
    crypto::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    require(context != nullptr, "EVP_PKEY_CTX_new_from_pkey");
    require((operation == Operation::Sign ? EVP_PKEY_sign_init(context.get())
                                          : EVP_PKEY_verify_init(context.get())) == 1,
            "EVP_PKEY_sign_init / EVP_PKEY_verify_init");
    require(EVP_PKEY_CTX_set_signature_md(context.get(), sha256_.get()) == 1,
            "EVP_PKEY_CTX_set_signature_md");
    if (EVP_PKEY_is_a(key, "RSA")) {
      require(EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
                  EVP_PKEY_CTX_set_rsa_pss_saltlen(context.get(), RSA_PSS_SALTLEN_DIGEST) == 1 &&
                  EVP_PKEY_CTX_set_rsa_mgf1_md(context.get(), sha256_.get()) == 1,
              "RSA-PSS parameters");
    }
    return context;
  }

  Bytes sign_with(EVP_PKEY_CTX* prepared_signer) const {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    require(EVP_Digest(content_.data(), content_.size(), digest, &digest_length, sha256_.get(),
                       nullptr) == 1,
            "SHA-256");
    crypto::EvpPkeyCtxPtr sign(EVP_PKEY_CTX_dup(prepared_signer));
    require(sign != nullptr, "EVP_PKEY_CTX_dup");
    Bytes signature(512);
    std::size_t length = signature.size();
    require(EVP_PKEY_sign(sign.get(), signature.data(), &length, digest, digest_length) == 1,
            "CertificateVerify signature");
    signature.resize(length);
    return signature;
  }

  Authentication authentication_;
  crypto::EvpMdPtr sha256_;
  EVP_PKEY* server_key_;
  EVP_PKEY* client_key_;
  crypto::EvpPkeyCtxPtr x25519_keygen_;
  crypto::EvpPkeyPtr client_share_;
  Bytes content_;
  crypto::EvpPkeyCtxPtr signer_;
  crypto::EvpPkeyCtxPtr verifier_;
  Bytes client_signature_;
  crypto::X509Ptr client_certificate_;
  EVP_PKEY* ca_key_ = nullptr;
};

double crypto_only_server_us(const Pki& pki, Authentication authentication, double seconds) {
  const ServerCryptography cryptography(pki, authentication);
  cryptography.run();  // warm up
  const auto start = Clock::now();
  const double cpu_start = thread_cpu_seconds();
  long count = 0;
  do {
    cryptography.run();
    ++count;
  } while (seconds_since(start) < seconds);
  return (thread_cpu_seconds() - cpu_start) / static_cast<double>(count) * 1e6;
}

// engine_server_us and crypto_only_server_us lines for one PKI (key type).
void print_server_cost(const Pki& pki, const char* key_name, const Options& options) {
  for (Authentication authentication : {Authentication::ServerOnly, Authentication::Mutual}) {
    std::vector<double> engine;
    std::vector<double> cryptography;
    for (int run = 0; run < options.runs; ++run) {
      engine.push_back(engine_server_us(pki, authentication, options.seconds / 2));
      cryptography.push_back(crypto_only_server_us(pki, authentication, options.seconds / 2));
    }
    std::printf("engine_server_us %s %s %.1f\n", key_name, authentication_name(authentication),
                median(engine));
    std::printf("crypto_only_server_us %s %s %.1f\n", key_name, authentication_name(authentication),
                median(cryptography));
    std::fflush(stdout);
  }
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--pki") {
      options.pki_dir = value();
    } else if (arg == "--pki-ecdsa") {
      options.ecdsa_pki_dir = value();
    } else if (arg == "--seconds") {
      options.seconds = std::stod(value());
    } else if (arg == "--runs") {
      options.runs = std::stoi(value());
    } else if (arg == "--what") {
      options.what = value();
    } else if (arg == "--suite") {
      options.suite = value();
    } else {
      throw std::invalid_argument(
          "unknown option " + arg +
          " (usage: bench_engine --pki DIR [--pki-ecdsa DIR] [--seconds S] [--runs R]"
          " [--what all|handshakes|bulk|server] [--suite NAME])");
    }
  }
  if (options.pki_dir.empty()) throw std::invalid_argument("--pki DIR is required");
  if (options.runs < 1) throw std::invalid_argument("--runs must be at least 1");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc hands the top of the heap back to the kernel once more than 128 KiB is free there.
  // A bulk batch (8 sealed 16 KiB records, freed together) crosses that line on every batch,
  // and the figure then measures brk() and page faults (4x slower), not the record layer: a
  // long-running server's heap is not shaped like this harness's. Keep the heap.
  if (mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024) != 1) {
    std::fprintf(stderr, "bench_engine: mallopt(M_TRIM_THRESHOLD) failed\n");
    return 1;
  }
  try {
    const Options options = parse(argc, argv);
    const Pki pki = load_pki(options.pki_dir);
    auto selected = [&](tls::CipherSuite suite, const char* what) {
      return (options.what == "all" || options.what == what) &&
             (options.suite.empty() || tls::cipher_suite_from_name(options.suite) == suite);
    };
    for (tls::CipherSuite suite : tls::standard_cipher_suites()) {
      if (!selected(suite, "handshakes")) continue;
      std::vector<double> runs;
      for (int run = 0; run < options.runs; ++run) {
        runs.push_back(handshakes_per_second(pki, suite, options.seconds));
      }
      std::printf("handshakes_per_s %s %.1f\n", suite_name(suite).c_str(), median(runs));
      std::fflush(stdout);
    }
    for (const auto& info : tls::all_cipher_suites()) {
      if (!selected(info.suite, "bulk")) continue;
      std::vector<double> seal;
      std::vector<double> open;
      for (int run = 0; run < options.runs; ++run) {
        Bulk bulk = bulk_throughput(pki, info.suite, options.seconds);
        seal.push_back(bulk.seal_mbps);
        open.push_back(bulk.open_mbps);
      }
      std::printf("seal_MBps %s %.1f\n", suite_name(info.suite).c_str(), median(seal));
      std::printf("open_MBps %s %.1f\n", suite_name(info.suite).c_str(), median(open));
      std::fflush(stdout);
    }
    if (options.what == "all" || options.what == "server") {
      if (!options.ecdsa_pki_dir.empty()) {
        print_server_cost(load_pki(options.ecdsa_pki_dir), "ecdsa_p256", options);
      }
      print_server_cost(pki, "rsa2048", options);
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_engine: %s\n", error.what());
    return 1;
  }
}
