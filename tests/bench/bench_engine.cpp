// In-memory, one thread: full TLS 1.3 handshakes per second (mutual authentication, X25519)
// for each standard suite, and bulk seal/open throughput at 16 KiB records for every suite.
// Certificates come from PEM files (scripts/bench.sh makes them with the openssl CLI).
//
//   bench_engine --pki DIR [--seconds S] [--runs R] [--what all|handshakes|bulk] [--suite NAME]
//
// Output, one measurement per line (the median of R runs, each run lasting about S seconds):
//   handshakes_per_s <suite> <value>
//   seal_MBps <suite> <value>       MB = 10^6 bytes of application data
//   open_MBps <suite> <value>
#include <malloc.h>
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
  double seconds = 2.0;
  int runs = 3;
  std::string what = "all";  // all | handshakes | bulk (e.g. to profile one under callgrind)
  std::string suite;         // only this suite (name as in cipher_suite_from_name)
};

struct Pki {
  tls::Credentials server;
  tls::Credentials client;
  std::shared_ptr<const tls::CertificateVerifier> verifier;
};

Pki load_pki(const std::string& dir) {
  Pki pki;
  pki.server = app::load_credentials(dir + "/server.pem", dir + "/server.key");
  pki.client = app::load_credentials(dir + "/client.pem", dir + "/client.key");
  pki.verifier = std::make_shared<pki::ChainVerifier>(
      pki::Certificate::chain_from_pem(bench::read_text(dir + "/ca.pem")));
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
          " (usage: bench_engine --pki DIR [--seconds S] [--runs R] [--what all|handshakes|bulk]"
          " [--suite NAME])");
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
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_engine: %s\n", error.what());
    return 1;
  }
}
